"""Helping circles' mandates: a helping circle ends when its end date has passed, and its parent
circle extends the mandate by consent.

When a helping circle ends (`end_expired_helping_circles`, run by the hourly reminders task), its
open work is not lost: every open backlog item and every presented proposal that is not decided
(postponed ones too) goes to the backlog of its parent circle (the nearest working ancestor, if the
parent has ended or is archived too), as a new item that names where it came from. A proposal is
referenced, not moved: it keeps its history in the circle that wrote it and leaves the process
there ("handed to the parent circle"); the parent's item links to it. Drafts stay private to their
authors and are not handed over (only their number is recorded). The ledger records every step.

Extending a mandate is a proposal in the parent circle (`Proposal.extends_circle`,
`extends_until`); consent sets the new end date and, if the circle had ended, opens it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.circles.models import Circle
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from ..models import BacklogItem, ConsentRound, Decision, Proposal
from ._common import _append, _public_name, current_member_ids
from .backlog import close_item
from .deadlines import set_step_end

State = Proposal.State
# Presented proposals that are not decided, dropped, handed over or escalated: still the circle's
# work (a postponed one included), so they go to the parent.
HANDED_BACK_STATES = (*Proposal.OPEN_STATES, State.POSTPONED)


def end_expired_helping_circles(*, now: dt.datetime | None = None) -> int:
    """End every helping circle whose end date has passed; returns how many ended.

    A circle that ends on a day works through that whole day: it ends once the date is later than
    its end date in the site's time zone (settings.TIME_ZONE, the one the schedule runs in; an
    organisation has no time zone of its own). Each circle ends in its own transaction, and a
    second run finds nothing left to do."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone.get_default_timezone())
    due = Circle.objects.filter(
        kind=Circle.Kind.HELPING, ends_on__lt=today, ended_at__isnull=True,
        archived_at__isnull=True,
    ).order_by("pk").values_list("pk", flat=True)  # fmt: skip
    return sum(_end_circle(pk, now, today) for pk in list(due))


def _receiving(circle: Circle) -> Circle | None:
    """Where the open work goes: the parent, or the nearest ancestor still working."""
    parent = circle.parent
    while parent is not None and (parent.is_archived or parent.has_ended):
        parent = parent.parent
    return parent


@transaction.atomic
def _end_circle(pk: int, now: dt.datetime, today: dt.date) -> int:
    circle = (
        Circle.objects.select_for_update(of=("self",))
        .select_related("organisation", "parent")
        .filter(pk=pk, ended_at__isnull=True, archived_at__isnull=True, ends_on__lt=today)
        .first()
    )
    if circle is None:  # ended (or extended) by another run in the meantime
        return 0
    circle.ended_at = now
    circle.save(update_fields=["ended_at"])
    receiving = _receiving(circle)
    items: list[dict[str, Any]] = []
    proposals: list[dict[str, Any]] = []
    if receiving is not None:
        # Proposals first: each takes its own backlog items along (one item in the parent per
        # proposal), then what is left open goes item by item.
        proposals = [_hand_proposal(p, circle, receiving, now) for p in _open_proposals(circle)]
        items = [_hand_item(item, circle, receiving) for item in _open_items(circle)]
    drafts = Proposal.objects.filter(circle=circle, state=State.DRAFT).count()
    name = _public_name(circle)
    payload = {
        "name": circle.name, "ends_on": circle.ends_on.isoformat() if circle.ends_on else None,
        "handed_to": receiving.pk if receiving else None,
        "handed_to_name": _public_name(receiving),
        "items": items, "proposals": proposals, "drafts_kept": drafts,
    }  # fmt: skip
    ledger.append(
        organisation=circle.organisation, actor=None, verb="circle.ended", obj=circle,
        circle=circle, payload=payload, notify=current_member_ids(circle), occurred_at=now,
    )  # fmt: skip
    if receiving is not None:
        # The parent's own event, in its feed, told to its members: a private helping circle is
        # not named there (the parent's members may not see it).
        ledger.append(
            organisation=circle.organisation, actor=None, verb="circle.helping_ended",
            obj=receiving, circle=receiving, occurred_at=now,
            payload={"helping": circle.pk, "helping_name": name,
                     "ends_on": payload["ends_on"], "circle_name": receiving.name,
                     "items": len(items), "proposals": len(proposals)},
            notify=current_member_ids(receiving),
        )  # fmt: skip
    return 1


def _open_items(circle: Circle) -> list[BacklogItem]:
    return list(
        BacklogItem.objects.select_for_update(of=("self",))
        .open()
        .filter(circle=circle)
        .select_related("circle__organisation")
        .order_by("created_at", "pk")
    )


def _open_proposals(circle: Circle) -> list[Proposal]:
    return list(
        Proposal.objects.select_for_update(of=("self",))
        .filter(circle=circle, state__in=HANDED_BACK_STATES)
        .select_related("circle__organisation", "author")
        .order_by("created_at", "pk")
    )


def _new_item(receiving: Circle, ended: Circle, **fields: Any) -> BacklogItem:
    item = BacklogItem.objects.create(
        circle=receiving, source=BacklogItem.Source.CIRCLE_ENDED, raised_from=ended, **fields
    )
    ledger.append(
        organisation=receiving.organisation, actor=None, verb="backlog.item_added", obj=item,
        circle=receiving,
        payload={"item": item.pk, "topic": item.topic, "source": item.source,
                 "from_circle": ended.pk, "proposal": item.proposal_id},
    )  # fmt: skip
    return item


def _hand_item(item: BacklogItem, ended: Circle, receiving: Circle) -> dict[str, Any]:
    new = _new_item(
        receiving, ended, topic=item.topic, description=item.description,
        desired_outcome=item.desired_outcome, due_on=item.due_on, raised_by=item.raised_by,
        proposal=item.proposal,
    )  # fmt: skip
    close_item(item, None, BacklogItem.Status.DONE, resolution="handed_back")
    return {"item": item.pk, "to": new.pk, "topic": item.topic}


def _hand_proposal(
    proposal: Proposal, ended: Circle, receiving: Circle, now: dt.datetime
) -> dict[str, Any]:
    """The proposal leaves the process in the ended circle; the parent's item points at it. An
    open round closes without a decision: the circle that was asked no longer works."""
    version = proposal.current_version
    ConsentRound.objects.filter(proposal=proposal, outcome=ConsentRound.Outcome.OPEN).update(
        outcome=ConsentRound.Outcome.ENDED, closed_at=now
    )
    was = proposal.state
    proposal.state = State.HANDED_BACK
    proposal.handed_to = receiving
    proposal.closed_at = now
    proposal.save(update_fields=["state", "handed_to", "closed_at", *set_step_end(proposal, None)])
    for item in BacklogItem.objects.open().filter(proposal=proposal, circle=ended):
        close_item(item, None, BacklogItem.Status.DONE, resolution="handed_back")
    new = _new_item(
        receiving, ended, topic=version.title, description=version.driver,
        raised_by=proposal.author, proposal=proposal, desired_outcome=BacklogItem.Outcome.DECIDE,
    )  # fmt: skip
    _append(proposal, None, "proposal.exited",
            {"state": State.HANDED_BACK, "was": was, "handed_to": receiving.pk,
             "handed_to_name": _public_name(receiving), "item": new.pk}, occurred_at=now)  # fmt: skip
    return {"proposal": proposal.pk, "title": version.title, "was": was, "to": new.pk}


# Extending a mandate ------------------------------------------------------------------------


def check_extension(
    circle: Circle, extends: Circle | None, until: dt.date | None
) -> tuple[Circle | None, dt.date | None]:
    """What a proposal in `circle` may extend: one of its own helping circles, to a later date."""
    if extends is None and until is None:
        return None, None
    if extends is None:
        raise ServiceError(_("Choose the helping circle whose mandate it extends."),
                           field="extends_circle")  # fmt: skip
    if extends.kind != Circle.Kind.HELPING or extends.parent_id != circle.pk or extends.is_archived:
        raise ServiceError(
            _("Only a helping circle inside this circle can have its mandate extended here."),
            field="extends_circle",
        )
    if until is None:
        raise ServiceError(_("Give the new end date."), field="extends_until")
    if until <= timezone.localdate():
        raise ServiceError(_("The new end date must be in the future."), field="extends_until")
    return extends, until


def extend_mandate(proposal: Proposal, decision: Decision) -> None:
    """The parent circle consented: the helping circle works until the new date, and an ended
    one works again (what it handed over stays with the parent). Nobody's act alone."""
    if proposal.extends_circle_id is None or proposal.extends_until is None:
        return
    circle = (
        Circle.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=proposal.extends_circle_id)
    )
    if circle.is_archived or circle.parent_id != proposal.circle_id:
        return  # archived, or moved to another parent since: no longer this circle's to extend
    was_ended = circle.has_ended
    previous = circle.ends_on
    circle.ends_on = proposal.extends_until
    circle.ended_at = None
    circle.save(update_fields=["ends_on", "ended_at"])
    ledger.append(
        organisation=circle.organisation, actor=None, verb="circle.mandate_extended", obj=circle,
        circle=circle,
        payload={"name": circle.name, "ends_on": circle.ends_on.isoformat(),
                 "previous": previous.isoformat() if previous else None, "reopened": was_ended,
                 "decision": decision.pk, "proposal": proposal.pk,
                 "parent": proposal.circle_id, "parent_name": _public_name(proposal.circle)},
        notify=current_member_ids(circle),
    )  # fmt: skip
