"""Background work for accounts, run by the task worker (`make worker`): none yet. A `@task`
calling a service goes here (see notifications/tasks.py), `@periodic("cron line")` above it for
work at fixed times (core/schedule.py)."""
