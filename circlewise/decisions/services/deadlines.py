"""Deadlines that keep an asynchronous proposal moving.

Each asynchronous step has an end: clarifying questions until, reactions until, and the consent
round closes at. A step that starts without an end given gets the circle's default window
(`CircleDecisionSettings.clarifying_days`, `reactions_days`, `consent_days`); the facilitator (or
leader) may change the end while the step runs, saying why (`change_step_end`).

`keep_steps_moving`, run every few minutes by the task worker, then does two things, each once per
window: shortly before the end (`STEP_REMINDER_HOURS`) it reminds those who have not acted yet, and
once the end has passed it asks those who steer the circle to move on, give the step more time, or
close it, and the circle sees the step as overdue. Nothing moves on by itself: a step that ends
without the facilitator is still the facilitator's to close, and everyone can see that it is late.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Role
from circlewise.core.errors import ServiceError

from .. import permissions
from ..models import ConsentRound, Contribution, Proposal
from ._common import State, _append, _lock, current_member_ids, role_holder_ids, settings_for
from .quorum import waiting_for

# The steps that have a window, and the circle setting that gives its length in days.
WINDOWED = {
    State.CLARIFYING: "clarifying_days",
    State.REACTING: "reactions_days",
    State.CONSENT: "consent_days",
}
STEP_FIELDS = ["step_ends_at", "step_reminded_at", "step_overdue_at"]
LONGEST_WINDOW = dt.timedelta(days=90)


def default_end(
    proposal: Proposal, state: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """When a step starting now ends by the circle's default: None for a live proposal (the
    meeting sets the pace) and for a step without a window (synthesis, objections)."""
    if proposal.mode != Proposal.Mode.ASYNC or state not in WINDOWED:
        return None
    days = int(getattr(settings_for(proposal.circle), WINDOWED[State(state)]))
    return (now or timezone.now()) + dt.timedelta(days=days)


def set_step_end(proposal: Proposal, ends_at: dt.datetime | None) -> list[str]:
    """Give the proposal's current step this end, with its reminder and overdue marks cleared;
    returns the fields to save."""
    proposal.step_ends_at = ends_at
    proposal.step_reminded_at = None
    proposal.step_overdue_at = None
    return list(STEP_FIELDS)


def is_overdue(proposal: Proposal) -> bool:
    """Whether the current step's window has passed while the step is still open."""
    return proposal.step_overdue


@transaction.atomic
def change_step_end(
    *, proposal: Proposal, actor: User, ends_at: dt.datetime, reason: str
) -> Proposal:
    """The facilitator moves the end of the current step (more time, usually), saying why."""
    proposal = _lock(proposal)
    circle_permissions.refuse_if_ended(proposal.circle)
    permissions.require_steer(actor, proposal)
    if proposal.state not in WINDOWED:
        raise ServiceError(
            _("Only clarifying, reactions and a consent round have an end to change."), status=409
        )
    if proposal.mode != Proposal.Mode.ASYNC:
        raise ServiceError(_("A proposal taken in a meeting has no window to change."), status=409)
    now = timezone.now()
    if ends_at <= now:
        raise ServiceError(_("The new end must be in the future."), field="ends_at")
    if ends_at - now > LONGEST_WINDOW:
        raise ServiceError(_("A step can last at most 90 days from now."), field="ends_at")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_("Say why the end changes: the circle is told."), field="reason")
    if len(reason) > 500:
        raise ServiceError(_("Keep the reason under 500 characters."), field="reason")
    before = proposal.step_ends_at
    proposal.save(update_fields=set_step_end(proposal, ends_at))
    round_ = _open_round(proposal)
    if round_ is not None:
        round_.closes_at = ends_at
        round_.save(update_fields=["closes_at"])
    _append(
        proposal, actor, "proposal.step_end_changed",
        {"state": proposal.state, "from": before.isoformat() if before else None,
         "to": ends_at.isoformat(), "reason": reason},
        notify=current_member_ids(proposal.circle),
    )  # fmt: skip
    return proposal


def _open_round(proposal: Proposal) -> ConsentRound | None:
    return proposal.rounds.filter(outcome=ConsentRound.Outcome.OPEN).first()


def not_yet_acted(proposal: Proposal) -> list[int]:
    """Who the reminder before the end of the current step is for: in a consent round, those
    asked who have not answered; in reactions, the members who have not reacted to this version;
    in clarifying, the members who have neither asked nor reacted yet (the author aside)."""
    if proposal.state == State.CONSENT:
        round_ = _open_round(proposal)
        return sorted(waiting_for(round_)) if round_ is not None else []
    members = set(current_member_ids(proposal.circle)) - {proposal.author_id}
    contributions = Contribution.objects.filter(
        proposal=proposal, version_number=proposal.version_number
    )
    if proposal.state == State.REACTING:
        contributions = contributions.filter(kind=Contribution.Kind.REACTION)
    acted = set(contributions.values_list("author_id", flat=True))
    return sorted(members - acted)


def keep_steps_moving(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Remind before each window ends, and ask the facilitator once it has passed; each once per
    window. Returns (reminders, overdue steps). Safe to run as often as you like."""
    now = now or timezone.now()
    lead = dt.timedelta(hours=settings.STEP_REMINDER_HOURS)
    open_async = Proposal.objects.filter(
        state__in=list(WINDOWED), mode=Proposal.Mode.ASYNC, step_ends_at__isnull=False,
        circle__archived_at__isnull=True, circle__ended_at__isnull=True,
    )  # fmt: skip
    reminded = overdue = 0
    due_soon = open_async.filter(
        step_reminded_at__isnull=True, step_overdue_at__isnull=True,
        step_ends_at__gt=now, step_ends_at__lte=now + lead,
    ).values_list("pk", flat=True)  # fmt: skip
    for pk in list(due_soon):
        reminded += _remind(pk, now)
    passed = open_async.filter(step_overdue_at__isnull=True, step_ends_at__lte=now)
    for pk in list(passed.values_list("pk", flat=True)):
        overdue += _mark_overdue(pk, now)
    return reminded, overdue


@transaction.atomic
def _remind(pk: int, now: dt.datetime) -> int:
    proposal = _lock(Proposal(pk=pk))
    # Read again under the lock: the step may have moved on, or another run got here first.
    ends_at = proposal.step_ends_at
    if (
        proposal.state not in WINDOWED
        or proposal.step_reminded_at is not None
        or ends_at is None
        or ends_at <= now
    ):
        return 0
    proposal.step_reminded_at = now
    proposal.save(update_fields=["step_reminded_at"])
    waiting = not_yet_acted(proposal)
    _append(
        proposal, None, "proposal.step_reminder",
        {"state": proposal.state, "ends_at": ends_at.isoformat(), "reminded": len(waiting)},
        notify=waiting,
    )  # fmt: skip
    return 1


@transaction.atomic
def _mark_overdue(pk: int, now: dt.datetime) -> int:
    proposal = _lock(Proposal(pk=pk))
    ends_at = proposal.step_ends_at
    if (
        proposal.state not in WINDOWED
        or proposal.step_overdue_at is not None
        or ends_at is None
        or ends_at > now
    ):
        return 0
    proposal.step_overdue_at = now
    if proposal.step_reminded_at is None:
        proposal.step_reminded_at = now  # past the end, a reminder to act in time is too late
    proposal.save(update_fields=["step_overdue_at", "step_reminded_at"])
    stewards = role_holder_ids(proposal.circle, Role.Kind.FACILITATOR, Role.Kind.LEADER)
    _append(
        proposal, None, "proposal.step_overdue",
        {"state": proposal.state, "ends_at": ends_at.isoformat()},
        notify=stewards,
    )  # fmt: skip
    return 1
