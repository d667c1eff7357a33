"""Background work for reviews, run by the task worker (`make worker`); the scheduler
(`manage.py crontask`) enqueues it at its times (docs/decisions/0006-periodic-work.md). A review
otherwise moves on when its people act (services.py)."""

from django.conf import settings
from django.tasks import task

from circlewise.core.schedule import periodic


# Hourly, with the other reminders (REMINDERS_SCHEDULE): whoever takes part in a review is
# reminded the day before its date, in their own time zone, once; a missed hour is made up by
# the next.
@periodic(settings.REMINDERS_SCHEDULE)
@task()
def remind_of_review_dates() -> int:
    from . import services_reminders

    return services_reminders.remind_of_dates()
