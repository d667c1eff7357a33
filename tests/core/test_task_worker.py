"""The background worker runs what is queued in the database (production's task backend)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.test import override_settings

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def add(a: int, b: int) -> int:
    return a + b


@pytest.fixture
def database_tasks():
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def test_the_worker_runs_a_queued_task_and_records_its_result(db, database_tasks):
    # given a task queued in the database
    result = add.enqueue(2, 3)
    assert result.status == TaskResultStatus.READY
    # when the worker processes the queue once
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    # then the task ran and its return value is stored
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
