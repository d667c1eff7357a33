"""Reminders, sent by the hourly task: policies due for review and terms ending soon go to the
backlog, and a reminder is repeated while the item stays open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.circles.models import RoleAssignment
from circlewise.core import ledger

from ..models import (
    BacklogItem,
    Policy,
)
from .policies import _review_audience

REMINDER_INTERVAL = dt.timedelta(days=7)


REVIEW_NOTICE_DAYS = 30


TERM_NOTICE_DAYS = 30


def send_reminders(*, today: dt.date | None = None) -> int:
    """Put reviews and terms that fall due on their circle's backlog, and remind the circle's
    secretary and members, again every week until someone handles the item. Returns the number of
    reminders sent. Safe to run as often as you like (e.g. hourly from cron or the task worker)."""
    today = today or timezone.localdate()
    now = timezone.now()
    sent = 0
    horizon = today + dt.timedelta(days=REVIEW_NOTICE_DAYS)
    policies = Policy.objects.filter(
        retired_at__isnull=True, superseded_by__isnull=True, review_on__lte=horizon,
        circle__archived_at__isnull=True, circle__ended_at__isnull=True,
    ).select_related("circle__organisation")  # fmt: skip
    for policy in policies:
        sent += _remind_policy(policy, now)
    terms = (
        RoleAssignment.objects.current()
        .filter(term_end__lte=today + dt.timedelta(days=TERM_NOTICE_DAYS),
                role__circle__archived_at__isnull=True, role__circle__ended_at__isnull=True)
        .select_related("role__circle__organisation", "holder")
    )  # fmt: skip
    for assignment in terms:
        sent += _remind_term(assignment, now)
    return sent


@transaction.atomic
def _remind_policy(policy: Policy, now: dt.datetime) -> int:
    list(Policy.objects.select_for_update().filter(pk=policy.pk).values_list("pk"))  # see terms
    item = (
        BacklogItem.objects.select_for_update()
        .open()
        .filter(policy=policy, source=BacklogItem.Source.REVIEW_DUE)
        .first()
    )
    created = item is None
    if item is None:
        item = BacklogItem.objects.create(
            circle=policy.circle, topic=_("Review: %(title)s") % {"title": policy.title},
            source=BacklogItem.Source.REVIEW_DUE, policy=policy, due_on=policy.review_on,
            desired_outcome=BacklogItem.Outcome.DECIDE,
        )  # fmt: skip
    return _remind(item, now, created, {"policy": policy.pk, "title": policy.title,
                   "review_on": policy.review_on.isoformat() if policy.review_on else None})  # fmt: skip


@transaction.atomic
def _remind_term(assignment: RoleAssignment, now: dt.datetime) -> int:
    # The term's row is locked first: two runs at once (two schedulers, or a run by hand beside
    # the worker's) wait for each other here instead of both adding the item; a term renewed in
    # the meantime is skipped.
    term = RoleAssignment.objects.select_for_update().filter(pk=assignment.pk, ended_on=None)
    if not list(term.values_list("pk", flat=True)):
        return 0
    circle = assignment.role.circle
    item = BacklogItem.objects.select_for_update().open().filter(assignment=assignment).first()
    created = item is None
    if item is None:
        item = BacklogItem.objects.create(
            circle=circle,
            topic=_("Term ending: %(role)s (%(name)s)")
            % {"role": assignment.role.name, "name": assignment.holder.name},
            source=BacklogItem.Source.TERM_ENDING, assignment=assignment,
            due_on=assignment.term_end, desired_outcome=BacklogItem.Outcome.DECIDE,
        )  # fmt: skip
    return _remind(item, now, created, {"assignment": assignment.pk, "role_name": assignment.role.name,
                   "holder_name": assignment.holder.name,
                   "term_end": assignment.term_end.isoformat()})  # fmt: skip


def _remind(item: BacklogItem, now: dt.datetime, created: bool, payload: dict[str, Any]) -> int:
    if (
        not created
        and item.last_reminded_at is not None
        and now - item.last_reminded_at < REMINDER_INTERVAL
    ):
        return 0
    item.last_reminded_at = now
    item.reminders_sent += 1
    item.save(update_fields=["last_reminded_at", "reminders_sent"])
    ledger.append(
        organisation=item.circle.organisation, actor=None, verb="backlog.reminder",
        obj=item, circle=item.circle,
        payload={"item": item.pk, "topic": item.topic, "source": item.source,
                 "reminder": item.reminders_sent, "due_on": item.due_on.isoformat() if item.due_on else None,
                 **payload},
        notify=_review_audience(item.circle),
    )  # fmt: skip
    return 1
