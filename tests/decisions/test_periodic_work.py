"""The periodic work runs by itself: the scheduler (django-crontask, `manage.py crontask`) enqueues
the reminders on the task backend every hour, and the worker (`manage.py db_worker`) runs them.
Nobody runs send_reminders by hand."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import crontask
import pytest
from apscheduler.triggers.cron import CronTrigger
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from circlewise.core import tasks as core_tasks
from circlewise.core.models import LedgerEvent
from circlewise.decisions import tasks as decision_tasks
from circlewise.decisions.models import BacklogItem

from .. import factories as f

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker closes the database connection between tasks, as it should. On PostgreSQL that would
# end the test's own transaction, so there these tests commit for real (and are flushed with
# TRUNCATE); SQLite's in-memory test database stays open, and the ledger's triggers would refuse
# the flush.
worker_test = pytest.mark.django_db(transaction=connection.vendor == "postgresql")


def _job(task):
    """The scheduler's job for `task`, as `manage.py crontask` would run it."""
    jobs = [job for job in crontask.scheduler.get_jobs() if job.name == task.name]
    assert len(jobs) == 1, [job.name for job in crontask.scheduler.get_jobs()]
    return jobs[0]


def _fire_times(job, start, count=4):
    times, previous, now = [], None, start
    for _ in range(count):
        previous = job.trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + dt.timedelta(microseconds=1)
    return times


def _tick(task):
    """What the scheduler does when the job's time comes: call the job's function (the task's
    enqueue) with the job's arguments."""
    job = _job(task)
    job.func(*job.args, **job.kwargs)


def _run_worker():
    """The worker's own command, in this process: run what is queued, then stop."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _ending_term(world, days_left=5):
    today = timezone.localdate()
    return f.give_role(
        world.garden,
        "secretary",
        world.circle_member,
        term_start=today - dt.timedelta(days=360),
        term_end=today + dt.timedelta(days=days_left),
    )


def test_the_scheduler_sends_the_reminders_every_hour():
    job = _job(decision_tasks.send_reminders)
    # the job enqueues the reminders task on the task backend, for the worker to run
    assert job.func == decision_tasks.send_reminders.enqueue
    assert isinstance(job.trigger, CronTrigger)
    fires = _fire_times(job, dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC), count=25)
    assert {b - a for a, b in pairwise(fires)} == {dt.timedelta(hours=1)}
    assert fires[0] == dt.datetime(2026, 3, 1, 0, 7, tzinfo=dt.UTC)


def test_the_scheduler_prunes_old_task_results_every_day():
    job = _job(core_tasks.prune_task_results)
    fires = _fire_times(job, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    assert {b - a for a, b in pairwise(fires)} == {dt.timedelta(days=1)}


@worker_test
def test_a_tick_puts_a_due_term_on_the_backlog_through_the_worker(world, settings):
    settings.TASKS = DB_TASKS
    # given a term that ends in five days, and nothing on Garden's backlog
    assignment = _ending_term(world)
    assert not BacklogItem.objects.filter(assignment=assignment).exists()
    # when the scheduler's hour comes, the reminders wait in the queue for the worker
    _tick(decision_tasks.send_reminders)
    queued = DBTaskResult.objects.get()
    assert queued.status == TaskResultStatus.READY
    assert queued.task_path == "circlewise.decisions.tasks.send_reminders"
    assert not BacklogItem.objects.filter(assignment=assignment).exists()
    # and the worker runs them
    _run_worker()
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == 1
    item = BacklogItem.objects.open().get(assignment=assignment)
    assert item.source == BacklogItem.Source.TERM_ENDING
    assert item.reminders_sent == 1
    assert LedgerEvent.objects.filter(verb="backlog.reminder", payload__item=item.pk).count() == 1


@worker_test
def test_the_reminders_job_twice_makes_one_item_and_one_reminder(world, settings):
    settings.TASKS = DB_TASKS
    assignment = _ending_term(world)
    # when two ticks queue the job before the worker gets to it, and once more after
    _tick(decision_tasks.send_reminders)
    _tick(decision_tasks.send_reminders)
    _run_worker()
    _tick(decision_tasks.send_reminders)
    _run_worker()
    # then every run succeeded, and the term is on the backlog once, reminded once (the emails
    # of the reminder's notifications are tasks of their own, after a real commit)
    results = DBTaskResult.objects.filter(
        task_path="circlewise.decisions.tasks.send_reminders"
    ).order_by("enqueued_at")
    assert [r.status for r in results] == [TaskResultStatus.SUCCESSFUL] * 3
    assert sorted(r.return_value for r in results) == [0, 0, 1]
    item = BacklogItem.objects.get(assignment=assignment)
    assert item.reminders_sent == 1
    assert LedgerEvent.objects.filter(verb="backlog.reminder").count() == 1


@worker_test
def test_finished_task_results_are_pruned_after_a_month(world, settings):
    settings.TASKS = DB_TASKS
    _tick(decision_tasks.send_reminders)
    _tick(decision_tasks.send_reminders)
    _run_worker()
    old, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - dt.timedelta(days=31)
    )
    _tick(core_tasks.prune_task_results)
    _run_worker()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old.pk not in left
    assert recent.pk in left


def test_the_scheduler_command_starts_with_the_reminders_and_stops_on_sigterm():
    # the command that production and `make worker` run, as its own process
    process = subprocess.Popen(
        [sys.executable, "manage.py", "crontask", "--no-heartbeat"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 45
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Starting scheduler" in line:
                break
        assert any("circlewise.decisions" in line for line in lines), lines
        assert any("Starting scheduler" in line for line in lines), lines
        # The command prints that line just before it starts the scheduler's loop; a signal
        # before the loop runs is not handled, so give it a moment.
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, [*lines, out]
    assert "Shutting down scheduler" in out
