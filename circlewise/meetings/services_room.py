"""The live room: a meeting opened, people joining, its phases, rounds in which everyone speaks in
turn, and its close.

All of it lives in the database (the meeting's phase, its open round, the turn with no end yet),
none in a process: a screen that reloads, a participant who joins late, or a server started again
after it was killed reads the state as it is. Each change runs in one transaction that appends
its ledger event, moves the meeting's `room_version`, and is broadcast to the room's group after
commit (core.events.broadcast_on_commit); the consumers then send each screen its own view.
What someone writes for their turn stays out of the ledger (the event says a turn was written).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions
from .broadcast import room_changed
from .models import AgendaItem, Attendance, Meeting, Round, Turn

Phase = Meeting.Phase
Kind = Round.Kind

# Passing, by kind of round (DOMAIN.md): fine where people think aloud, discouraged where each
# voice matters (it is allowed and shown), refused where everyone must answer.
ALLOWED, DISCOURAGED, REFUSED = "allowed", "discouraged", "refused"
PASSING = {
    Kind.CHECK_IN: DISCOURAGED,
    Kind.CLARIFYING: ALLOWED,
    Kind.REACTION: DISCOURAGED,
    Kind.NOMINATION: REFUSED,
    Kind.CHANGE: ALLOWED,
    Kind.CONSENT: REFUSED,
    Kind.EVALUATION: DISCOURAGED,
    Kind.OPEN: ALLOWED,
}
WRITTEN_LIMIT = 2_000


def _changed(meeting: Meeting) -> None:
    room_changed(meeting)


def _append(meeting: Meeting, actor: User | None, verb: str, obj: Any, **extra: Any) -> None:
    ledger.append(
        organisation=meeting.circle.organisation,
        actor=actor,
        verb=verb,
        obj=obj,
        circle=meeting.circle,
        payload={
            "meeting": meeting.pk,
            "circle_name": meeting.circle.name,
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            **extra,
        },
    )


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "circle__parent", "facilitator", "secretary")
        .get(pk=meeting.pk)
    )


def _require_live(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.LIVE:
        if meeting.status == Meeting.Status.HELD:
            raise ServiceError(_("This meeting is closed."), status=409)
        raise ServiceError(_("The meeting has not been opened yet."), status=409)


def open_round(meeting: Meeting) -> Round | None:
    return Round.objects.filter(meeting=meeting, ended_at__isnull=True).first()


@transaction.atomic
def open_room(*, meeting: Meeting, actor: User) -> Meeting:
    """Open the meeting: it is live, and begins with the check-in round's phase."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ServiceError(_("This meeting was cancelled."), status=409)
    if meeting.status != Meeting.Status.PLANNED:
        raise ServiceError(_("This meeting is open already, or closed."), status=409)
    now = timezone.now()
    meeting.status = Meeting.Status.LIVE
    meeting.started_at = meeting.phase_started_at = now
    meeting.phase = Phase.CHECK_IN
    meeting.save(update_fields=["status", "started_at", "phase_started_at", "phase"])
    _append(meeting, actor, "meeting.opened", meeting)
    _join(meeting, actor)
    _changed(meeting)
    return meeting


def _seat_from_last_time(meeting: Meeting, user: User) -> int | None:
    """Where the person sat at the circle's last meeting before this one, if they were there:
    the seat order is kept from one meeting to the next."""
    return (
        Attendance.objects.filter(
            meeting__circle_id=meeting.circle_id,
            meeting__starts_at__lt=meeting.starts_at,
            user=user,
        )
        .order_by("-meeting__starts_at")
        .values_list("seat", flat=True)
        .first()
    )


def _join(meeting: Meeting, user: User, *, recorded_by: User | None = None) -> bool:
    """Mark the person present (a new seat at the end); whether they were not yet."""
    found = Attendance.objects.filter(meeting=meeting, user=user).first()
    if found is not None:
        if found.present:
            return False
        found.present = True
        found.save(update_fields=["present"])
    else:
        seat = _seat_from_last_time(meeting, user)
        if seat is None:
            last = Attendance.objects.filter(meeting=meeting).aggregate(last=Max("seat"))["last"]
            seat = (last or 0) + 1
        Attendance.objects.create(meeting=meeting, user=user, seat=seat, recorded_by=recorded_by)
    extra = {"user": user.pk, "user_name": user.name}
    if recorded_by is not None:
        extra["recorded_by"] = recorded_by.pk
    _append(meeting, recorded_by or user, "meeting.joined", meeting, **extra)
    return True


@transaction.atomic
def join_room(*, meeting: Meeting, user: User, recorded_by: User | None = None) -> bool:
    """Someone is in the room: they opened it on their device, or the facilitator or secretary
    records them (in the room without a device). Once; whether this made them present."""
    meeting = _locked(meeting)
    _require_live(meeting)
    if recorded_by is not None:
        permissions.require_run_room(recorded_by, meeting)
        permissions.require_join_room(user, meeting)
    else:
        permissions.require_join_room(user, meeting)
    if not _join(meeting, user, recorded_by=recorded_by):
        return False
    _changed(meeting)
    return True


@transaction.atomic
def move_to(
    *, meeting: Meeting, actor: User, phase: str, item: AgendaItem | None = None
) -> Meeting:
    """Move the meeting to a phase (and, for the items, to one of them)."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    if phase not in Phase.values or phase == Phase.CLOSED:
        raise ServiceError(_("Choose a part of the meeting from the list."), field="phase")
    if open_round(meeting) is not None:
        raise ServiceError(_("End the round first: everyone in it is heard."), status=409)
    if meeting.discussion_started_at is not None:
        raise ServiceError(
            _("A free discussion is closed by a round: start one (a reaction round, say) first."),
            status=409,
        )
    if item is not None and (
        item.meeting_id != meeting.pk or item.status != AgendaItem.Status.ON_AGENDA
    ):
        raise ServiceError(_("That item is not on this meeting's agenda."), field="item")
    meeting.phase = phase
    meeting.current_item = item if phase == Phase.ITEMS else None
    meeting.phase_started_at = timezone.now()
    meeting.save(update_fields=["phase", "current_item", "phase_started_at"])
    extra: dict[str, Any] = {"phase": phase}
    if meeting.current_item is not None:
        extra |= {"item": item.pk, "topic": item.title}  # type: ignore[union-attr]
    _append(meeting, actor, "meeting.moved_on", meeting, **extra)
    _changed(meeting)
    return meeting


def speaking_order(present: list[int], first: int | None, clockwise: bool) -> list[int]:
    """The present people in seat order, from the first speaker round in the direction chosen."""
    order = list(present) if clockwise else list(reversed(present))
    if first is not None and first in order:
        at = order.index(first)
        order = order[at:] + order[:at]
    return order


@transaction.atomic
def start_round(
    *,
    meeting: Meeting,
    actor: User,
    kind: str,
    prompt: str = "",
    first: User | None = None,
    clockwise: bool = True,
) -> Round:
    """Start a round: everyone present speaks in turn, from `first` (the facilitator's choice;
    the first seat by default) round in the direction chosen."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    if kind not in Kind.values:
        raise ServiceError(_("Choose the kind of round from the list."), field="kind")
    if open_round(meeting) is not None:
        raise ServiceError(_("A round is going on: end it first."), status=409)
    present = list(
        Attendance.objects.filter(meeting=meeting)
        .in_room()
        .order_by("seat", "pk")
        .values_list("user_id", flat=True)
    )
    if not present:
        raise ServiceError(_("Nobody is in the room yet."), status=409)
    if first is not None and first.pk not in present:
        raise ServiceError(
            _("%(name)s is not in the room: choose someone present to start.")
            % {"name": first.name},
            field="first",
        )
    order = speaking_order(present, first.pk if first else None, clockwise)
    round_ = Round.objects.create(
        meeting=meeting,
        item=meeting.current_item,
        kind=kind,
        prompt=(prompt or "").strip(),
        order=order,
        clockwise=clockwise,
        started_by=actor,
    )
    Turn.objects.create(round=round_, user_id=order[0])
    # In a round everyone speaks in turn: the hands raised before it go down, and a free
    # discussion going on is closed by it.
    Attendance.objects.filter(meeting=meeting, hand_raised_at__isnull=False).update(
        hand_raised_at=None
    )
    closes = meeting.discussion_started_at is not None
    if closes:
        meeting.discussion_started_at = meeting.discussion_minutes = None
        meeting.save(update_fields=["discussion_started_at", "discussion_minutes"])
    _append(
        meeting, actor, "round.started", round_,
        round=round_.pk, kind=kind, **({"closes_discussion": True} if closes else {}),
    )  # fmt: skip
    _changed(meeting)
    return round_


def _locked_round(round_: Round) -> tuple[Round, Meeting]:
    meeting = _locked(round_.meeting)
    return Round.objects.select_for_update(of=("self",)).get(pk=round_.pk), meeting


@transaction.atomic
def complete_turn(
    *,
    round_: Round,
    actor: User,
    passed: bool = False,
    written: str = "",
    come_back: bool = False,
    expected_user: int | None = None,
) -> Turn | None:
    """End the current speaker's turn (theirs to end; the facilitator or secretary may, for
    someone without a device: recorded as theirs). Passing follows the round's kind; asking to
    be come back to moves them to the end of the round, once. The next speaker's turn starts;
    after the last, the round ends. `expected_user`: the speaker the screen showed, so that a
    second tap on a turn that has moved on does nothing. The next turn, or None at the end."""
    round_, meeting = _locked_round(round_)
    _require_live(meeting)
    if round_.ended_at is not None:
        raise ServiceError(_("This round has ended."), status=409)
    turn = (
        Turn.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(round=round_, ended_at__isnull=True)
    )
    if expected_user is not None and turn.user_id != expected_user:
        raise ServiceError(_("That turn is over already: the round has moved on."), status=409)
    speaker = turn.user
    recorded_by = None
    if actor.pk != turn.user_id:
        permissions.require_run_room(actor, meeting)
        recorded_by = actor
    rule = PASSING[Kind(round_.kind)]
    written = (written or "").strip()
    if len(written) > WRITTEN_LIMIT:
        raise ServiceError(
            _("A written turn can be at most %(limit)s characters.") % {"limit": WRITTEN_LIMIT},
            field="written",
        )
    if passed and rule == REFUSED:
        raise ServiceError(
            _("In a %(kind)s round everyone answers: passing is not possible here.")
            % {"kind": round_.get_kind_display().lower()},
            status=409,
        )
    ended = Turn.objects.filter(round=round_, ended_at__isnull=False).count()
    if come_back:
        if Turn.objects.filter(round=round_, user_id=turn.user_id, came_back=True).exists():
            raise ServiceError(
                _("You were come back to already: this is your turn now."), status=409
            )
        round_.order = [*round_.order, turn.user_id]
        round_.save(update_fields=["order"])
    turn.ended_at = timezone.now()
    turn.passed = passed and not come_back
    turn.came_back = come_back
    turn.written = "" if come_back else written
    turn.recorded_by = recorded_by
    turn.save(update_fields=["ended_at", "passed", "came_back", "written", "recorded_by"])
    _append(
        meeting, actor, "round.turn_taken", turn, round=round_.pk, kind=round_.kind,
        user=speaker.pk, user_name=speaker.name, passed=turn.passed, came_back=come_back,
        written=bool(turn.written), **({"recorded_by": actor.pk} if recorded_by else {}),
    )  # fmt: skip
    following = None
    if ended + 1 < len(round_.order):
        following = Turn.objects.create(round=round_, user_id=round_.order[ended + 1])
    else:
        _end(round_, meeting, None)
    _changed(meeting)
    return following


def _end(round_: Round, meeting: Meeting, actor: User | None) -> None:
    now = timezone.now()
    Turn.objects.filter(round=round_, ended_at__isnull=True).update(ended_at=now)
    round_.ended_at = now
    round_.save(update_fields=["ended_at"])
    taken = round_.turns.count()
    _append(meeting, actor, "round.ended", round_, round=round_.pk, kind=round_.kind, turns=taken)


@transaction.atomic
def end_round(*, round_: Round, actor: User) -> Round:
    """End a round before everyone has spoken (the facilitator's call)."""
    round_, meeting = _locked_round(round_)
    permissions.require_run_room(actor, meeting)
    if round_.ended_at is not None:
        raise ServiceError(_("This round has ended."), status=409)
    _end(round_, meeting, actor)
    _close_selection_change_round(round_, actor)
    _changed(meeting)
    return round_


def _close_selection_change_round(round_: Round, actor: User) -> None:
    """A change round of a selection's item ended early by the selection's facilitator ends the
    selection's change round too: whoever has not answered keeps their nomination."""
    if round_.kind != Round.Kind.CHANGE or round_.item_id is None:
        return
    from circlewise.selections import permissions as selection_permissions
    from circlewise.selections import services as selections
    from circlewise.selections.models import Step

    selection = AgendaItem.objects.get(pk=round_.item_id).selection
    if (
        selection is not None
        and selection.step == Step.CHANGE
        and selection_permissions.is_selection_facilitator(actor, selection)
    ):
        selections.close_change_round(selection=selection, actor=actor)


@transaction.atomic
def close_room(*, meeting: Meeting, actor: User) -> Meeting:
    """Close the meeting: any round ends, and it is held."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    found = open_round(meeting)
    if found is not None:
        _end(found, meeting, actor)
    now = timezone.now()
    meeting.status = Meeting.Status.HELD
    meeting.phase = Phase.CLOSED
    meeting.closed_at = meeting.phase_started_at = now
    meeting.current_item = None
    meeting.save(update_fields=["status", "phase", "closed_at", "phase_started_at", "current_item"])
    present = Attendance.objects.filter(meeting=meeting, present=True).count()
    _append(meeting, actor, "meeting.closed", meeting, present=present)
    from .services_minutes import ensure_draft

    ensure_draft(meeting)
    _changed(meeting)
    return meeting
