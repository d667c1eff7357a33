"""Background work for decisions, run by the task worker (`make worker`)."""

from django.tasks import task

from . import services


@task()
def send_reminders() -> int:
    return services.send_reminders()
