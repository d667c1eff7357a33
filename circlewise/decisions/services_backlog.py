"""Dropping a backlog item, and reopening one closed by mistake.

A topic on the backlog is someone's concern: it leaves only with a reason, by the person it
belongs to (its owner, or who raised it when nobody owns it) or by those who keep the backlog
(the circle's facilitator and secretary). The rule is `permissions.can_drop_item`, checked here
as well as by the pages and the API. Both steps append to the ledger in their transaction; the
people the item belongs to are told after commit (through `ledger.append`).

Reopening undoes a closing by hand, "dropped" or "done": an item the process closed (its proposal
was decided, its term renewed, its review settled) stays closed, as the record of what happened.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions, services
from .models import BacklogItem


def _belongs_to(item: BacklogItem) -> list[int]:
    return [pk for pk in (item.owner_id, item.raised_by_id) if pk is not None]


@transaction.atomic
def drop_backlog_item(*, item: BacklogItem, actor: User, reason: str) -> BacklogItem:
    item = services.lock_item(item)
    services.require_open_item(item)
    permissions.require_drop_item(actor, item)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason for dropping the item."), field="reason")
    services.close_item(
        item, actor, BacklogItem.Status.DROPPED, by_hand=True, reason=reason,
        notify=_belongs_to(item),
    )  # fmt: skip
    return item


@transaction.atomic
def reopen_backlog_item(*, item: BacklogItem, actor: User) -> BacklogItem:
    item = services.lock_item(item)
    if item.status == BacklogItem.Status.OPEN:
        raise ServiceError(_("This item is already open."), status=409)
    permissions.require_reopen_item(actor, item)
    if item.closed_by_id is None:
        raise ServiceError(
            _("This item was closed by the process, not by hand, so it stays closed."),
            status=409,
        )
    if item.circle.is_archived:
        raise ServiceError(_("An archived circle has no backlog."), status=409)
    if _open_twin(item):
        raise ServiceError(
            _("The same topic is open on the backlog again: carry on with that one."), status=409
        )
    was, reason = item.status, item.close_reason
    item.status = BacklogItem.Status.OPEN
    item.closed_at = None
    item.closed_by = None
    item.close_reason = ""
    item.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    ledger.append(
        organisation=item.circle.organisation, actor=actor, verb="backlog.item_reopened",
        obj=item, circle=item.circle,
        payload={"item": item.pk, "topic": item.topic, "was": was, "reason": reason},
        notify=_belongs_to(item),
    )  # fmt: skip
    return item


def _open_twin(item: BacklogItem) -> bool:
    """Whether an open item already stands for the same policy review or ending term (one at a
    time, as the model's constraints say)."""
    others = BacklogItem.objects.open().exclude(pk=item.pk)
    if (
        item.policy_id is not None
        and others.filter(policy_id=item.policy_id, source=item.source).exists()
    ):
        return True
    return (
        item.assignment_id is not None and others.filter(assignment_id=item.assignment_id).exists()
    )
