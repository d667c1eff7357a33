"""When periodic tasks run: django-crontask's `@cron`, with the type it lacks. `manage.py crontask`
(the scheduler) enqueues each task at its times; the worker runs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from crontask import cron
from django.tasks import Task

T = TypeVar("T", bound=Task[Any, Any])


def periodic(schedule: str) -> Callable[[T], T]:
    """`@periodic("7 * * * *")` above `@task()`: a cron line in TIME_ZONE (days of the week as
    Mon…Sun)."""
    return cast(Callable[[T], T], cron(schedule))
