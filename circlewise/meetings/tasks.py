"""Background work for meetings, run by the task worker (`make worker`); the scheduler
(`manage.py crontask`) enqueues it at its times (docs/decisions/0006-periodic-work.md)."""

from django.conf import settings
from django.tasks import task

from circlewise.core.schedule import periodic

from . import services


# Daily by default (MEETINGS_SCHEDULE): every repeating meeting's next meetings exist twelve weeks
# ahead, each with the circle's facilitator and secretary of the day. A run makes nothing that
# exists (one meeting per series and start), so a missed day is made up by the next.
@periodic(settings.MEETINGS_SCHEDULE)
@task()
def extend_series() -> int:
    return services.extend_series()


# Daily (ACTIONS_SCHEDULE): remind owners of action items due in the next days, and of those
# overdue, each once.
@periodic(settings.ACTIONS_SCHEDULE)
@task()
def remind_action_items() -> int:
    from . import services_actions

    return services_actions.remind_action_items()


# Every quarter of an hour by default (MINUTES_SCHEDULE): minutes out for lazy consent whose
# period has ended with no objection are approved (by the circle, nobody in person). A run
# approves nothing twice, so a missed run is made up by the next.
@periodic(settings.MINUTES_SCHEDULE)
@task()
def approve_minutes_by_consent() -> int:
    from . import services_minutes

    return services_minutes.approve_by_lazy_consent()


# Hourly (AGENDAS_SCHEDULE): the agenda of each meeting starting within a day goes to the
# circle's members, once; a missed run is made up by the next.
@periodic(settings.AGENDAS_SCHEDULE)
@task()
def send_agendas() -> int:
    from . import services_reminders

    return services_reminders.send_agendas()
