"""Reminders, sent by the hourly task: policies due for review and terms ending soon go to the
backlog, and a reminder is repeated while the item stays open."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
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


def term_notice_days() -> list[int]:
    """How many days before a term ends the circle hears of it (settings.TERM_NOTICE_DAYS,
    e.g. 60 and 30): the term goes on the backlog at the first, and the secretary, the holder
    and the circle are told at each; after the term has run out, every week until handled."""
    return sorted({int(d) for d in settings.TERM_NOTICE_DAYS if int(d) >= 0}, reverse=True) or [30]


def send_reminders(*, today: dt.date | None = None) -> int:
    """Put reviews and terms that fall due on their circle's backlog, and remind the circle's
    secretary and members, again every week until someone handles the item. Returns the number of
    reminders sent. Safe to run as often as you like (e.g. hourly from cron or the task worker)."""
    # Run as of `today` (the task runs it for the real one): its now is as far from the real now.
    real_today = timezone.localdate()
    today = today or real_today
    now = timezone.now() + (today - real_today)
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
        .filter(term_end__lte=today + dt.timedelta(days=term_notice_days()[0]),
                role__circle__archived_at__isnull=True, role__circle__ended_at__isnull=True)
        .select_related("role__circle__organisation", "holder")
    )  # fmt: skip
    for assignment in terms:
        sent += _remind_term(assignment, now, today)
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
def _remind_term(assignment: RoleAssignment, now: dt.datetime, today: dt.date) -> int:
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
    if assignment.term_end >= today and not created:
        # Before the end, once at each notice day the term reaches: a notice is due when one of
        # those days has come since the last one (a term found 20 days before its end gets one
        # notice, not two). After the end, every week until someone handles it.
        last = timezone.localdate(item.last_reminded_at) if item.last_reminded_at else None
        reached = [assignment.term_end - dt.timedelta(days=d) for d in term_notice_days()]
        if not any((last is None or last < day) and day <= today for day in reached):
            return 0
        created = True
    return _remind(item, now, created, {"assignment": assignment.pk, "role_name": assignment.role.name,
                   "holder_name": assignment.holder.name,
                   "term_end": assignment.term_end.isoformat()},
                   also=[assignment.holder_id])  # fmt: skip


def _remind(
    item: BacklogItem,
    now: dt.datetime,
    created: bool,
    payload: dict[str, Any],
    also: list[int] | None = None,
) -> int:
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
        notify=sorted(set(_review_audience(item.circle)) | set(also or [])),
    )  # fmt: skip
    return 1
