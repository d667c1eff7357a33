"""Hands and seats in the live room.

Outside rounds, in a free discussion (time-boxed, and closed by the next round, before which
the room does not move on), someone who wants to speak raises a hand; the facilitator sees the queue (in the
order the hands went up, or those who have spoken least in this meeting first) and gives the
floor to one of them, which lowers their hand. A round starting lowers every hand: in a round
everyone speaks in turn. The seat order is the order a round goes round in; the facilitator or
secretary moves someone a seat up or down, and a person's seat is kept for the circle's next
meeting. Each change is a service call with its ledger event, and the room is told (broadcast.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError

from . import permissions
from .models import Attendance, Meeting
from .services_room import _append, _changed, _locked, _require_live, open_round


def _attendance(meeting: Meeting, user: User) -> Attendance:
    found = (
        Attendance.objects.select_for_update()
        .filter(meeting=meeting, user=user, present=True)
        .first()
    )
    if found is None:
        raise ServiceError(
            _("%(name)s is not in the room.") % {"name": user.name}, field="user", status=409
        )
    return found


@transaction.atomic
def raise_hand(*, meeting: Meeting, user: User, up: bool = True) -> bool:
    """Raise (or lower) one's own hand; whether anything changed."""
    meeting = _locked(meeting)
    permissions.require_join_room(user, meeting)
    _require_live(meeting)
    if up and open_round(meeting) is not None:
        raise ServiceError(
            _("In a round everyone speaks in turn: raise your hand once it has ended."),
            status=409,
        )
    seat = _attendance(meeting, user)
    if (seat.hand_raised_at is not None) == up:
        return False
    seat.hand_raised_at = timezone.now() if up else None
    seat.save(update_fields=["hand_raised_at"])
    verb = "hand.raised" if up else "hand.lowered"
    _append(meeting, user, verb, meeting, user=user.pk, user_name=user.name)
    _changed(meeting)
    return True


@transaction.atomic
def give_floor(*, meeting: Meeting, actor: User, user: User) -> None:
    """The facilitator gives the floor to someone whose hand is up: their hand goes down."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    seat = _attendance(meeting, user)
    if seat.hand_raised_at is None:
        raise ServiceError(
            _("%(name)s has not raised a hand.") % {"name": user.name}, field="user", status=409
        )
    seat.hand_raised_at = None
    seat.save(update_fields=["hand_raised_at"])
    _append(meeting, actor, "hand.called", meeting, user=user.pk, user_name=user.name)
    _changed(meeting)


@transaction.atomic
def order_hands(*, meeting: Meeting, actor: User, least_first: bool) -> None:
    """Show the queue of hands in the order they went up, or those who have spoken least first."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    if meeting.hands_least_first == least_first:
        return
    meeting.hands_least_first = least_first
    meeting.save(update_fields=["hands_least_first"])
    _append(meeting, actor, "hand.queue_ordered", meeting, least_first=least_first)
    _changed(meeting)


@transaction.atomic
def move_seat(*, meeting: Meeting, actor: User, user: User, earlier: bool) -> None:
    """Move someone present a seat earlier or later in the room's order (kept for the circle's
    next meeting); the seats are numbered again from 1."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    if open_round(meeting) is not None:
        raise ServiceError(
            _("Seats move between rounds: this round goes on in its order."), status=409
        )
    seats = list(
        Attendance.objects.select_for_update()
        .filter(meeting=meeting)
        .in_room()
        .order_by("seat", "pk")
    )
    where = next((i for i, s in enumerate(seats) if s.user_id == user.pk), None)
    if where is None:
        raise ServiceError(
            _("%(name)s is not in the room.") % {"name": user.name}, field="user", status=409
        )
    other = where - 1 if earlier else where + 1
    if not 0 <= other < len(seats):
        raise ServiceError(
            _("%(name)s sits first already.") % {"name": user.name}
            if earlier
            else _("%(name)s sits last already.") % {"name": user.name},
            field="user",
            status=409,
        )
    seats[where], seats[other] = seats[other], seats[where]
    for number, seat in enumerate(seats, start=1):
        seat.seat = number
    Attendance.objects.bulk_update(seats, ["seat"])
    _append(
        meeting, actor, "meeting.seats_changed", meeting,
        user=user.pk, user_name=user.name, seat=other + 1,
    )  # fmt: skip
    _changed(meeting)


# A free discussion lasts at most this many minutes before a round closes it.
LONGEST_DISCUSSION = 60


@transaction.atomic
def start_discussion(*, meeting: Meeting, actor: User, minutes: int | None) -> None:
    """Open a free discussion, time-boxed to `minutes`: people raise hands to speak, and the next
    round closes it (the room will not move on before)."""
    meeting = _locked(meeting)
    permissions.require_run_room(actor, meeting)
    _require_live(meeting)
    if not isinstance(minutes, int) or not 1 <= minutes <= LONGEST_DISCUSSION:
        raise ServiceError(
            _("Give the discussion a time box of 1 to %(most)s minutes.")
            % {"most": LONGEST_DISCUSSION},
            field="minutes",
        )
    if open_round(meeting) is not None:
        raise ServiceError(_("End the round first: everyone in it is heard."), status=409)
    if meeting.discussion_started_at is not None:
        raise ServiceError(_("A free discussion is going on already."), status=409)
    meeting.discussion_started_at = timezone.now()
    meeting.discussion_minutes = minutes
    meeting.save(update_fields=["discussion_started_at", "discussion_minutes"])
    _append(meeting, actor, "discussion.started", meeting, minutes=minutes)
    _changed(meeting)
