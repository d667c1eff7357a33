"""Housekeeping for the task worker (`make worker`), enqueued by the scheduler."""

from django.conf import settings
from django.core.management import call_command
from django.tasks import task

from .schedule import periodic


# The scheduler adds a finished task result every hour; a month of them is kept to look back on.
@periodic("23 3 * * *")
@task()
def prune_task_results() -> None:
    call_command("prune_db_task_results", min_age_days=settings.TASK_RESULTS_KEEP_DAYS, verbosity=0)
