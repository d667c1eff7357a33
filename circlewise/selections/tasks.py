"""Background work for selections, run by the task worker (`make worker`); the scheduler
(`manage.py crontask`) enqueues it at its times (docs/decisions/0006-periodic-work.md)."""

from django.conf import settings
from django.tasks import task

from circlewise.core.schedule import periodic

from . import services_deadlines


# Every five minutes by default (STEPS_SCHEDULE): remind before a selection's step ends, and
# reveal the nominations, close the change round or ask the facilitator once it has passed.
@periodic(settings.STEPS_SCHEDULE)
@task()
def keep_selections_moving() -> int:
    reminded, ended = services_deadlines.keep_selections_moving()
    return reminded + ended
