"""Action items: given in a meeting (linked to its item) or anywhere in the circle, closed by
their owner (done, or dropped with a reason), and reminded: a couple of days before they are due,
and once after, each once."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .models import ActionItem, AgendaItem, Meeting

# How many days before its due date an action item's owner is reminded.
REMIND_BEFORE_DAYS = int(getattr(settings, "ACTION_REMINDER_DAYS", 2))


def _append(
    action: ActionItem, actor: User | None, verb: str, notify: list[int], **extra: object
) -> None:
    ledger.append(
        organisation=action.circle.organisation,
        actor=actor,
        verb=verb,
        obj=action,
        circle=action.circle,
        payload={
            "action": action.pk,
            "title": action.title,
            "circle_name": action.circle.name,
            "owner": action.owner_id,
            "owner_name": action.owner.name,
            "due_on": action.due_on.isoformat() if action.due_on else None,
            **extra,
        },
        notify=notify,
    )


@transaction.atomic
def add_action_item(
    *,
    circle: Circle,
    actor: User,
    title: str,
    owner: User | None,
    due_on: dt.date | None = None,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
) -> ActionItem:
    permissions.require_add_action(actor, circle)
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Say what is to be done."), field="title")
    if owner is None:
        raise ServiceError(_("Choose who does it: an action item has an owner."), field="owner")
    if not owner.is_active or not circle_permissions.is_current_member(circle.pk, owner.pk):
        raise ServiceError(
            _("%(name)s is not a member of %(circle)s: choose one of its members.")
            % {"name": owner.name, "circle": circle.name},
            field="owner",
        )
    if due_on is not None and due_on < timezone.localdate():
        raise ServiceError(_("An action item is due today or later."), field="due_on")
    if meeting is not None and meeting.circle_id != circle.pk:
        raise ServiceError(_("That meeting is another circle's."), field="meeting")
    if agenda_item is not None and (meeting is None or agenda_item.meeting_id != meeting.pk):
        agenda_item = None
    action = ActionItem.objects.create(
        circle=circle, meeting=meeting, agenda_item=agenda_item, title=title, owner=owner,
        due_on=due_on, created_by=actor,
    )  # fmt: skip
    notify = [owner.pk] if owner.pk != actor.pk else []
    extra = {"meeting": meeting.pk} if meeting is not None else {}
    _append(action, actor, "action.added", notify, **extra)
    return action


@transaction.atomic
def close_action_item(
    *, action: ActionItem, actor: User, done: bool = True, reason: str = ""
) -> ActionItem:
    """Done, or dropped with a reason (its owner is told when someone else closes it)."""
    action = (
        ActionItem.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "owner")
        .get(pk=action.pk)
    )
    permissions.require_close_action(actor, action)
    if not action.is_open:
        raise ServiceError(_("This action item is closed already."), status=409)
    reason = (reason or "").strip()
    if not done and not reason:
        raise ServiceError(_("Say why it is dropped: the circle reads it."), field="reason")
    action.status = ActionItem.Status.DONE if done else ActionItem.Status.DROPPED
    action.closed_at = timezone.now()
    action.save(update_fields=["status", "closed_at"])
    notify = [action.owner_id] if action.owner_id != actor.pk else []
    extra = {} if done else {"reason": reason}
    _append(action, actor, "action.done" if done else "action.dropped", notify, **extra)
    return action


@transaction.atomic
def remind_action_items(*, today: dt.date | None = None) -> int:
    """Remind owners of what is due in the next days, and once of what is overdue. How many."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=REMIND_BEFORE_DAYS)
    sent = 0
    due = (
        ActionItem.objects.open()
        .filter(due_on__isnull=False)
        .select_related("circle__organisation", "owner")
    )
    for action in due.filter(due_on__gte=today, due_on__lte=soon, reminded_before_on__isnull=True):
        action.reminded_before_on = today
        action.save(update_fields=["reminded_before_on"])
        _append(action, None, "action.reminder", [action.owner_id], overdue=False)
        sent += 1
    for action in due.filter(due_on__lt=today, reminded_after_on__isnull=True):
        action.reminded_after_on = today
        action.save(update_fields=["reminded_after_on"])
        _append(action, None, "action.reminder", [action.owner_id], overdue=True)
        sent += 1
    return sent


def follow_through(circle: Circle, *, days: int = 90) -> tuple[int, int]:
    """Of the circle's action items due in the last `days` days: how many were done on time,
    and how many there were."""
    today = timezone.localdate()
    due = list(
        ActionItem.objects.filter(
            circle=circle, due_on__lt=today, due_on__gte=today - dt.timedelta(days=days)
        ).exclude(status=ActionItem.Status.DROPPED)
    )
    return sum(1 for a in due if a.done_on_time), len(due)
