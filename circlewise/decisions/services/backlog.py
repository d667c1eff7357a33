"""The circle's backlog: adding an item, marking it done, closing items the process settles, and
dropping an item or reopening one closed by mistake.

A topic on the backlog is someone's concern: it leaves only with a reason, by the person it
belongs to (its owner, or who raised it when nobody owns it) or by those who keep the backlog
(the circle's facilitator and secretary). The rule is `permissions.can_drop_item`, checked here
as well as by the pages and the API. Both steps append to the ledger in their transaction; the
people the item belongs to are told after commit (through `ledger.append`).

Reopening undoes a closing by hand, "dropped" or "done": an item the process closed (its proposal
was decided, its term renewed, its review settled) stays closed, as the record of what happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Role, RoleAssignment
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from .. import permissions
from ..models import (
    BacklogItem,
    Proposal,
)
from ._common import _clean, role_holder_ids


def _close_items(proposal: Proposal, actor: User | None) -> None:
    for item in BacklogItem.objects.open().filter(proposal=proposal, circle=proposal.circle):
        close_item(item, actor, BacklogItem.Status.DONE)


def close_item(
    item: BacklogItem,
    actor: User | None,
    status: str,
    *,
    resolution: str | None = None,
    by_hand: bool = False,
    reason: str = "",
    notify: Iterable[int] = (),
) -> None:
    """Close the item and record it. `by_hand`: a person closed it (done or dropped), not the
    process; only then is it kept as `closed_by`, and only then can it be reopened."""
    item.status = status
    item.closed_at = timezone.now()
    item.closed_by = actor if by_hand else None
    item.close_reason = reason
    item.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    payload: dict[str, Any] = {"item": item.pk, "topic": item.topic, "status": status}
    if resolution is not None:
        payload["resolution"] = resolution
    if by_hand and actor is not None:
        payload["closed_by"] = actor.pk
    if reason:
        payload["reason"] = reason
    ledger.append(
        organisation=item.circle.organisation, actor=actor, verb="backlog.item_closed", obj=item,
        circle=item.circle, payload=payload, notify=notify, occurred_at=item.closed_at,
    )  # fmt: skip


def term_ended(assignment: RoleAssignment, actor: User, reason: str) -> None:
    """A term ended. When the circle selected again (the same person, "renewed", or someone new,
    "replaced"), the term's "term ending" item is settled and closes. A term ended early leaves
    the role empty, so its item stays for the circle to select someone.
    (Registered with circles.services.TERM_ENDED.)"""
    if reason not in ("renewed", "replaced"):
        return
    items = (
        BacklogItem.objects.select_for_update()
        .open()
        .filter(assignment=assignment, source=BacklogItem.Source.TERM_ENDING)
        .select_related("circle__organisation")
    )
    for item in items:
        close_item(item, actor, BacklogItem.Status.DONE, resolution=reason)


@transaction.atomic
def add_backlog_item(
    *,
    circle: Circle,
    actor: User,
    topic: str,
    description: str = "",
    desired_outcome: str = BacklogItem.Outcome.DECIDE,
    owner: User | None = None,
    due_on: dt.date | None = None,
) -> BacklogItem:
    """A member adds a topic to their circle's backlog; someone from another circle raises it."""
    topic = _clean(topic)
    if not topic:
        raise ServiceError(_("Give the item a topic."), field="topic")
    if desired_outcome not in BacklogItem.Outcome.values:
        raise ServiceError(_("Choose understand, explore or decide."), field="desired_outcome")
    if circle.is_archived:
        raise ServiceError(_("An archived circle has no backlog."), status=409)
    circle_permissions.refuse_if_ended(circle)
    is_member = permissions.is_member_now(actor, circle)
    if owner is not None and not permissions.is_member_now(owner, circle):
        raise ServiceError(_("The owner must be a member of the circle."), field="owner")
    from_circle = None
    if not is_member:
        from_circle = (
            Circle.objects.filter(
                memberships__user=actor, memberships__ended_on__isnull=True,
                organisation=circle.organisation, archived_at__isnull=True,
            ).exclude(pk=circle.pk).order_by("name").first()
        )  # fmt: skip
    item = BacklogItem.objects.create(
        circle=circle, topic=topic, description=_clean(description),
        desired_outcome=desired_outcome, owner=owner if is_member else None, due_on=due_on,
        source=BacklogItem.Source.MEMBER if is_member else BacklogItem.Source.OTHER_CIRCLE,
        raised_by=actor, raised_from=from_circle,
    )  # fmt: skip
    ledger.append(
        organisation=circle.organisation, actor=actor, verb="backlog.item_added", obj=item,
        circle=circle,
        payload={"item": item.pk, "topic": topic, "source": item.source,
                 "from_circle": from_circle.pk if from_circle else None},
        notify=role_holder_ids(circle, Role.Kind.SECRETARY, Role.Kind.FACILITATOR)
        if not is_member else [],
    )  # fmt: skip
    return item


@transaction.atomic
def close_backlog_item(
    *, item: BacklogItem, actor: User, status: str = BacklogItem.Status.DONE, reason: str = ""
) -> BacklogItem:
    """Any member marks an item done. Dropping it is `drop_backlog_item`'s
    (who may, and why): asked for here, it goes there, so this is no way around its rule."""
    if status == BacklogItem.Status.DROPPED:
        return drop_backlog_item(item=item, actor=actor, reason=reason)
    item = lock_item(item)
    permissions.require_member(actor, item.circle)
    require_open_item(item)
    if status != BacklogItem.Status.DONE:
        raise ServiceError(_("Unknown status."), field="status")
    close_item(item, actor, status, by_hand=True)
    return item


def lock_item(item: BacklogItem) -> BacklogItem:
    return (
        BacklogItem.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "owner", "raised_by")
        .get(pk=item.pk)
    )


def require_open_item(item: BacklogItem) -> None:
    if item.status != BacklogItem.Status.OPEN:
        raise ServiceError(_("This item is already closed."), status=409)


def _belongs_to(item: BacklogItem) -> list[int]:
    return [pk for pk in (item.owner_id, item.raised_by_id) if pk is not None]


@transaction.atomic
def drop_backlog_item(*, item: BacklogItem, actor: User, reason: str) -> BacklogItem:
    item = lock_item(item)
    require_open_item(item)
    permissions.require_drop_item(actor, item)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason for dropping the item."), field="reason")
    close_item(
        item, actor, BacklogItem.Status.DROPPED, by_hand=True, reason=reason,
        notify=_belongs_to(item),
    )  # fmt: skip
    return item


@transaction.atomic
def reopen_backlog_item(*, item: BacklogItem, actor: User) -> BacklogItem:
    item = lock_item(item)
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
