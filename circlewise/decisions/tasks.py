"""Background work for decisions, run by the task worker (`make worker`). The scheduler
(`manage.py crontask`, django-crontask) enqueues each task that has a `@periodic` schedule at its
times: docs/decisions/0006-periodic-work.md."""

from django.conf import settings
from django.tasks import task

from circlewise.core.schedule import periodic

from . import services


# Every hour by default (REMINDERS_SCHEDULE): a review or a term that falls due is on its
# circle's backlog within the hour. A run sends nothing that was sent in the past week, so a
# missed hour is made up by the next one and a doubled one sends nothing twice. First, helping
# circles whose end date has passed end (their open work goes to their parents): the same run
# then sends them no reminders.
@periodic(settings.REMINDERS_SCHEDULE)
@task()
def send_reminders() -> int:
    services.end_expired_helping_circles()
    return services.send_reminders()


# Every five minutes by default (STEPS_SCHEDULE): remind before an asynchronous step ends, and ask
# the facilitator once its window has passed; each once per window (services.deadlines).
@periodic(settings.STEPS_SCHEDULE)
@task()
def keep_steps_moving() -> int:
    reminded, overdue = services.keep_steps_moving()
    return reminded + overdue
