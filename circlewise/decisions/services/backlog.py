"""The circle's backlog: adding an item, marking it done, and closing items the process settles
(dropping and reopening by hand: decisions.services_backlog)."""

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
    """Any member marks an item done. Dropping it is `services_backlog.drop_backlog_item`'s
    (who may, and why): asked for here, it goes there, so this is no way around its rule."""
    if status == BacklogItem.Status.DROPPED:
        from ..services_backlog import drop_backlog_item  # it builds on this module

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
        BacklogItem.objects.select_for_update()
        .select_related("circle__organisation", "owner", "raised_by")
        .get(pk=item.pk)
    )


def require_open_item(item: BacklogItem) -> None:
    if item.status != BacklogItem.Status.OPEN:
        raise ServiceError(_("This item is already closed."), status=409)
