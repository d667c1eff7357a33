"""What a screen asks for at an item that carries a selection, read like every other request
(room.py): `start_round` of kind nomination, change or consent starts the selection's round
(services_selection), and `complete` in the change or the consent round is the speaker's answer
(`nominee` and `reason`; `answer` and `reason`). Anything else is the room's ordinary request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.core.errors import ServiceError

from . import services_room as room
from . import services_selection as selection_room
from .models import Meeting, Round
from .selectors_selection import SELECTION_ROUNDS


def act(meeting: Meeting, user: User, action: str, data: Mapping[str, Any]) -> bool:
    """Do what the screen asked if it is the selection's to do; whether it was."""
    from .room import _flag, _id, _person

    if action == "start_round":
        kind = str(data.get("kind", ""))
        if kind not in SELECTION_ROUNDS or not selection_room.carries_selection(meeting):
            return False
        selection_room.start_selection_round(
            meeting=meeting,
            actor=user,
            kind=kind,
            prompt=str(data.get("prompt", ""))[:300],
            first=_person(data, "first"),
            clockwise=data.get("direction", "clockwise") != "anticlockwise",
        )
        return True
    current = room.open_round(meeting) if action == "complete" else None
    if current is None or current.item_id is None or current.kind not in SELECTION_ROUNDS:
        return False
    if current.kind == Round.Kind.NOMINATION or not selection_room.carries_selection(meeting):
        return False  # a nomination turn is spoken: the ordinary turn, and no passing
    if current.kind == Round.Kind.CHANGE:
        selection_room.change_turn(
            meeting=meeting,
            actor=user,
            nominee=_person(data, "nominee"),
            reason=str(data.get("reason", "")),
            passed=_flag(data, "passed"),
            come_back=_flag(data, "come_back"),
            expected_user=_id(data, "speaker"),
        )
        return True
    if _flag(data, "passed") or _flag(data, "come_back"):
        raise ServiceError(
            _("In this consent round everyone answers in turn, the nominee last: no passing."),
            status=409,
        )
    selection_room.consent_turn(
        meeting=meeting,
        actor=user,
        answer=str(data.get("answer", "")),
        reason=str(data.get("reason", "")),
        expected_user=_id(data, "speaker"),
    )
    return True
