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

from . import services_room as room
from .models import AgendaItem, Meeting, Round

ACTIONS = ("open", "join", "record", "phase", "start_round", "complete", "end_round", "close")


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
    if action == "open":
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
        room.start_round(
            meeting=meeting,
            actor=user,
            kind=str(data.get("kind", "")),
            prompt=str(data.get("prompt", ""))[:300],
            first=_person(data, "first"),
            clockwise=data.get("direction", "clockwise") != "anticlockwise",
        )
    elif action in ("complete", "end_round"):
        current = room.open_round(meeting)
        if current is None:
            raise ServiceError(_("No round is going on."), status=409)
        if action == "end_round":
            room.end_round(round_=current, actor=user)
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


__all__ = ["ACTIONS", "Round", "act"]
