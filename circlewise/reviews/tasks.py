"""No background work for reviews yet: a review moves on when its people act (services.py).
Reminders of a review's date would go here, as a `@task` calling a service."""
