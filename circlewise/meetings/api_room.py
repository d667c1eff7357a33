"""API operations on the live room and what a meeting leaves: the room as the caller sees it and
the actions its screens send (the same `room.act` as the WebSocket and the plain forms), the
log of turns the participation figures come from, evaluation cards and the circle's trend, and
action items. The same permission functions and services as the pages."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError
from circlewise.decisions.api._common import _person_in

from . import permissions, room, selectors
from . import services_actions as actions
from . import services_evaluations as evaluations
from .models import ActionItem, Evaluation, Meeting, Turn
from .schemas_room import (
    ActionCloseIn,
    ActionIn,
    ActionOut,
    EvaluationIn,
    RoomActionIn,
    RoomOut,
    TrendOut,
    TurnOut,
)

router = Router(tags=["meeting room"])


def _seat(person: Any) -> dict[str, Any] | None:
    return None if person is None else {"id": person.pk, "name": person.name}


def _room_out(user: Any, meeting: Meeting) -> dict[str, Any]:
    state = selectors.room_state(meeting, user)
    current = state.round
    return {
        "version": meeting.room_version,
        "status": meeting.status,
        "phase": meeting.phase,
        "current_item_id": meeting.current_item_id,
        "present": [_seat(p) for p in state.present],
        "round": None
        if current is None
        else {
            "id": current.pk,
            "kind": current.kind,
            "prompt": current.prompt,
            "order": list(current.order),
            "turns_done": state.turns_done,
            "passing": state.passing,
        },
        "speaker": _seat(state.speaker),
        "next_two": [_seat(p) for p in state.next_two],
        "turn_started_at": state.turn_started_at,
        "hands": [h._asdict() | {"id": h.pk} for h in state.hands],
        "discussion_started_at": meeting.discussion_started_at,
        "discussion_minutes": meeting.discussion_minutes,
        "my_turn": state.my_turn,
        "runs": state.runs,
        "hand_up": state.hand_up,
    }


@router.get(
    "/meetings/{meeting_id}/room",
    response=responses(RoomOut),
    operation_id="getRoom",
    summary="The meeting's room as it is now, as the caller sees it (whose turn, the next two…)",
)
def get_room(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _room_out(user, permissions.get_meeting_for(user, meeting_id, need="join"))


@router.post(
    "/meetings/{meeting_id}/room",
    response=responses(RoomOut),
    operation_id="actInRoom",
    summary="Do in the room what a screen does (docs/meeting-room.md): the room as it is after",
)
def act_in_room(request: HttpRequest, meeting_id: int, payload: RoomActionIn) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="join")
    data = {k: v for k, v in payload.dict().items() if v is not None and k != "integrations"}
    data = {k: ("1" if v is True else "0" if v is False else v) for k, v in data.items()}
    for objection, note in (payload.integrations or {}).items():
        data[f"integration_{objection}"] = note
    room.act(meeting, user, payload.action, data)
    return _room_out(user, permissions.get_meeting_for(user, meeting_id, need="join"))


@router.get(
    "/meetings/{meeting_id}/turns",
    response=list[TurnOut],
    operation_id="listTurns",
    summary="Every turn of the meeting's rounds, in order: who, when, passed, written, recorded",
)
@paginate(Pages)
def list_turns(request: HttpRequest, meeting_id: int) -> list[dict[str, Any]]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id)
    return [
        {
            "round_id": t.round_id,
            "kind": t.round.kind,
            "user_id": t.user_id,
            "started_at": t.started_at,
            "ended_at": t.ended_at,
            "passed": t.passed,
            "written": bool(t.written),
            "came_back": t.came_back,
            "recorded_by_id": t.recorded_by_id,
        }
        for t in Turn.objects.filter(round__meeting=meeting)
        .select_related("round")
        .order_by("round__started_at", "started_at", "pk")
    ]


@router.post(
    "/meetings/{meeting_id}/evaluations",
    response=responses(dict[str, Any], 201),
    operation_id="evaluateMeeting",
    summary="Give one's evaluation card of a meeting one was in (ratings 1 to 5), once",
)
def evaluate_meeting(
    request: HttpRequest, meeting_id: int, payload: EvaluationIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id)
    ratings = {name: getattr(payload, name) for name, _label in Evaluation.DIMENSIONS}
    card = evaluations.evaluate(
        meeting=meeting, user=user, ratings=ratings,
        went_well=payload.went_well, could_improve=payload.could_improve,
    )  # fmt: skip
    return Status(201, {"id": card.pk, "meeting_id": meeting.pk})


@router.get(
    "/circles/{circle_id}/evaluations",
    response=list[TrendOut],
    operation_id="evaluationTrend",
    summary="The circle's last meetings with evaluation cards: the average of each rating",
)
def evaluation_trend(request: HttpRequest, circle_id: int) -> list[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    return [
        {
            "meeting_id": row.meeting.pk,
            "starts_at": row.meeting.starts_at,
            "cards": row.cards,
            "averages": row.averages,
        }
        for row in selectors.evaluation_trend(circle)
    ]


def _action_out(action: ActionItem) -> dict[str, Any]:
    return {
        "id": action.pk,
        "circle_id": action.circle_id,
        "meeting_id": action.meeting_id,
        "title": action.title,
        "owner_id": action.owner_id,
        "due_on": action.due_on,
        "status": action.status,
    }


@router.get(
    "/circles/{circle_id}/actions",
    response=list[ActionOut],
    operation_id="listActions",
    summary="The circle's open action items, the soonest due first",
)
@paginate(Pages)
def list_actions(request: HttpRequest, circle_id: int) -> list[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    found = ActionItem.objects.open().filter(circle=circle).order_by("due_on", "created_at", "pk")
    return [_action_out(a) for a in found]


@router.post(
    "/circles/{circle_id}/actions",
    response=responses(ActionOut, 201),
    operation_id="addAction",
    summary="Give an action item: what, who does it, by when (the owner is told)",
)
def add_action(request: HttpRequest, circle_id: int, payload: ActionIn) -> Status[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    if not permissions.can_add_action(user, circle):
        raise PermissionDenied
    owner = _person_in(user, circle.organisation, payload.owner_id, field="owner_id")
    meeting = None
    if payload.meeting_id is not None:
        meeting = selectors.meetings_of(circle).filter(pk=payload.meeting_id).first()
        if meeting is None:
            raise ServiceError(_("That meeting is not one of this circle's."), field="meeting_id")
    action = actions.add_action_item(
        circle=circle, actor=user, title=payload.title, owner=owner,
        due_on=payload.due_on, meeting=meeting,
    )  # fmt: skip
    return Status(201, _action_out(action))


@router.post(
    "/actions/{action_id}/close",
    response=responses(ActionOut),
    operation_id="closeAction",
    summary="Mark an action item done, or drop it saying why",
)
def close_action(request: HttpRequest, action_id: int, payload: ActionCloseIn) -> dict[str, Any]:
    user = auth_user(request)
    action = permissions.get_action_for(user, action_id, need="close")
    closed = actions.close_action_item(
        action=action, actor=user, done=payload.done, reason=payload.reason
    )
    return _action_out(closed)
