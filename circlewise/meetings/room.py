"""What a screen in the live room asks for, read the same way whether it came over the WebSocket
(consumers.py) or as a plain form post (views.room_act, for a browser without JavaScript): one
action name and its fields, turned into one service call. Bad input is a ServiceError with a
sentence; the services decide who may."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import whole_number

from . import room_selection
from . import services_consent as consent
from . import services_hands as hands
from . import services_notes as notes
from . import services_room as room
from .models import AgendaItem, Meeting, Round
from .selectors_consent import proposal_of

ACTIONS = (
    "open", "join", "record", "phase", "start_round", "complete", "end_round", "close",
    # A proposal's consent process in the room (services_consent) and the items' notes.
    "present", "consent_close", "state_back", "amend", "notes",
    # Hands raised outside rounds, and the seat order (services_hands).
    "hand", "floor", "hands_order", "seat", "discuss",
)  # fmt: skip
HAND_ACTIONS = ("hand", "floor", "hands_order", "seat", "discuss")


def _id(data: Mapping[str, Any], name: str) -> int | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    number = whole_number(str(raw))
    if not number:  # not a whole number in the database's range, or 0
        raise ServiceError(_("That is not one of the choices."), field=name)
    return number


def _flag(data: Mapping[str, Any], name: str) -> bool:
    return data.get(name) in (True, "1", "true", "on", "yes")


def _person(data: Mapping[str, Any], name: str) -> User | None:
    pk = _id(data, name)
    if pk is None:
        return None
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise ServiceError(_("That person is not in this meeting."), field=name)
    return found


def act(meeting: Meeting, user: User, action: str, data: Mapping[str, Any]) -> None:
    """Do what the screen asked, as this person (the services check that they may)."""
    if action not in ACTIONS:
        raise ServiceError(_("The room does not know that request."))
    if action in ("start_round", "complete") and room_selection.act(meeting, user, action, data):
        return  # a round of the selection at the current item (room_selection.py)
    if action in HAND_ACTIONS:
        _hands(meeting, user, action, data)
    elif action == "open":
        room.open_room(meeting=meeting, actor=user)
    elif action == "join":
        room.join_room(meeting=meeting, user=user)
    elif action == "record":
        person = _person(data, "user")
        if person is None:
            raise ServiceError(_("Choose who is in the room."), field="user")
        room.join_room(meeting=meeting, user=person, recorded_by=user)
    elif action == "phase":
        item_id = _id(data, "item")
        item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first() if item_id else None
        if item_id and item is None:
            raise ServiceError(_("That item is not on this meeting's agenda."), field="item")
        room.move_to(meeting=meeting, actor=user, phase=str(data.get("phase", "")), item=item)
    elif action == "start_round":
        _start_round(meeting, user, data)
    elif action in ("complete", "end_round"):
        current = room.open_round(meeting)
        if current is None:
            raise ServiceError(_("No round is going on."), status=409)
        if action == "end_round":
            room.end_round(round_=current, actor=user)
        elif consent.consent_round_for(current) is not None and not _flag(data, "come_back"):
            # A turn in a proposal's consent round is the speaker's answer: no passing.
            if _flag(data, "passed"):
                raise ServiceError(
                    _("In a consent round everyone answers: passing is not possible here."),
                    status=409,
                )
            consent.answer(
                meeting=meeting,
                actor=user,
                answer=str(data.get("answer", "")),
                reason=str(data.get("reason", "")),
                expected_user=_id(data, "speaker"),
            )
        else:
            room.complete_turn(
                round_=current,
                actor=user,
                passed=_flag(data, "passed"),
                come_back=_flag(data, "come_back"),
                written=str(data.get("written", "")),
                expected_user=_id(data, "speaker"),
            )
    elif action == "close":
        room.close_room(meeting=meeting, actor=user)
    elif action == "present":
        consent.present(meeting=meeting, actor=user)
    elif action == "consent_close":
        consent.close_consent(meeting=meeting, actor=user)
    elif action == "state_back":
        consent.state_back(
            meeting=meeting,
            actor=user,
            objection_id=_id(data, "objection"),
            text=str(data.get("text", "")),
        )
    elif action == "amend":
        consent.amend(
            meeting=meeting,
            actor=user,
            text=str(data.get("text", "")),
            change_note=str(data.get("change_note", "")),
            integrations=_integrations(data),
        )
    elif action == "notes":
        notes.edit_notes(
            meeting=meeting, item_id=_id(data, "item"), actor=user, text=str(data.get("notes", ""))
        )


def _start_round(meeting: Meeting, user: User, data: Mapping[str, Any]) -> None:
    kind = str(data.get("kind", ""))
    first = _person(data, "first")
    clockwise = data.get("direction", "clockwise") != "anticlockwise"
    prompt = str(data.get("prompt", ""))[:300]
    if kind == Round.Kind.CONSENT and _carries_proposal(meeting):
        # The consent round on the item's proposal: decisions' round, asked in the room.
        consent.open_consent(
            meeting=meeting, actor=user, first=first, clockwise=clockwise, prompt=prompt
        )
        return
    room.start_round(
        meeting=meeting, actor=user, kind=kind, prompt=prompt, first=first, clockwise=clockwise
    )


def _hands(meeting: Meeting, user: User, action: str, data: Mapping[str, Any]) -> None:
    if action == "hand":
        hands.raise_hand(meeting=meeting, user=user, up=data.get("up", "1") not in ("0", False))
    elif action == "discuss":
        hands.start_discussion(meeting=meeting, actor=user, minutes=_id(data, "minutes"))
    elif action == "hands_order":
        hands.order_hands(meeting=meeting, actor=user, least_first=_flag(data, "least_first"))
    else:
        person = _person(data, "user")
        if person is None:
            raise ServiceError(_("Choose who is in the room."), field="user")
        if action == "floor":
            hands.give_floor(meeting=meeting, actor=user, user=person)
        else:
            hands.move_seat(
                meeting=meeting, actor=user, user=person, earlier=data.get("to") != "later"
            )


def _carries_proposal(meeting: Meeting) -> bool:
    if meeting.phase != Meeting.Phase.ITEMS or meeting.current_item_id is None:
        return False
    item = AgendaItem.objects.select_related("backlog_item").get(pk=meeting.current_item_id)
    return proposal_of(item) is not None


def _integrations(data: Mapping[str, Any]) -> dict[int, str]:
    """How a new version integrates each objection: `integration_<objection id>` fields."""
    found: dict[int, str] = {}
    for name in data:
        if str(name).startswith("integration_"):
            pk = _id({"objection": str(name).removeprefix("integration_")}, "objection")
            note = str(data.get(name, "")).strip()
            if pk is not None and note:
                found[pk] = note
    return found


__all__ = ["ACTIONS", "Round", "act"]
