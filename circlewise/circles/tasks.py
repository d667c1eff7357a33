"""Background work for circles, run by the task worker (`make worker`): none yet. A `@task`
calling a service goes here (see decisions/tasks.py for the hourly reminders), `@periodic("cron
line")` above it for work at fixed times (core/schedule.py)."""
