"""What every stage of the consent process shares: the proposal's lock, appending to the ledger
with the proposal named, the step guard and the reads the rules need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import Circle, CircleMembership
from circlewise.core import ledger
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent

from .. import permissions
from ..models import (
    QUORUM_RANGE,
    Proposal,
    ProposalVersion,
)

# Reads the rules need, kept here for the pages, the API and the services that use them.
settings_for = permissions.settings_for


role_holder_ids = permissions.role_holder_ids


State = Proposal.State


def current_member_ids(circle: Circle) -> list[int]:
    return list(
        CircleMembership.objects.current().filter(circle=circle).values_list("user_id", flat=True)
    )


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update()
        .select_related("circle__organisation", "author")
        .get(pk=proposal.pk)
    )


# Called with the proposal in the transaction of every change to it (meetings registers how its
# live rooms hear of a change made outside them: meetings/broadcast.py).
PROPOSAL_CHANGED: list[Callable[[Proposal], None]] = []


def _append(
    proposal: Proposal,
    actor: User | None,
    verb: str,
    payload: dict[str, Any],
    *,
    obj: Any = None,
    notify: Iterable[int] = (),
    circle: Circle | None = None,
    occurred_at: dt.datetime | None = None,
) -> LedgerEvent:
    data = {"proposal": proposal.pk, **payload}
    if verb not in PRIVATE_VERBS:
        # Every sentence about a proposal names it, as it was titled when this happened.
        data.setdefault("proposal_title", proposal.current_version.title)
    event = ledger.append(
        organisation=proposal.circle.organisation,
        actor=actor,
        verb=verb,
        obj=obj if obj is not None else proposal,
        circle=circle if circle is not None else proposal.circle,
        payload=data,
        notify=notify,
        occurred_at=occurred_at,
    )
    for hook in PROPOSAL_CHANGED:
        hook(proposal)
    return event


# A draft's events carry no text: the draft is private to its author.
PRIVATE_VERBS = frozenset({"proposal.drafted", "proposal.draft_updated"})


def _version_payload(version: ProposalVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "title": version.title,
        "driver": version.driver,
        "text": version.text,
        "aim": version.aim,
        "review_on": version.review_on.isoformat() if version.review_on else None,
        "measures": version.measures,
        "feedback_channel": version.feedback_channel,
        "change_note": version.change_note,
        "measure_set": [
            {"metric": m.metric, "threshold": m.threshold, "owner": m.owner_id,
             "objection": m.objection_id}
            for m in version.measure_set.order_by("pk")
        ],
    }  # fmt: skip


def _require_state(proposal: Proposal, *states: str) -> None:
    if proposal.state not in states:
        raise ServiceError(
            _("This proposal is at the step “%(state)s”, so that cannot be done now.")
            % {"state": proposal.get_state_display()},
            status=409,
        )


def _clean(text: str) -> str:
    return (text or "").strip()


# What only a consent decision of the circle changes (a proposal's `quorum_percent`).
CONSENTED_SETTINGS = ("quorum_percent",)


def _check_quorum(value: int | None) -> int | None:
    low, high = QUORUM_RANGE
    if value is not None and not low <= int(value) <= high:
        raise ServiceError(
            _("A quorum is between %(low)d and %(high)d percent of the members asked.")
            % {"low": low, "high": high},
            field="quorum_percent",
        )
    return None if value is None else int(value)


def _public_name(circle: Circle | None) -> str | None:
    """A circle's name for the feed of another circle: a private one is not named there."""
    return circle.name if circle is not None and not circle.is_private else None
