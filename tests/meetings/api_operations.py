"""The meetings' API operations, for the table in tests/api/operations.py: how to build a request
for each in the `world` (in Garden, open, whose facilitator Fay plans; or Care, private, whose
secretary Cy is made to plan), and who may use it: "circle_visible" reads; the planners
("circle_meeting_planner"), the agenda's keepers ("circle_agenda_keeper") and any member
("circle_agenda_contributor") write. Minutes: their keepers (the agenda's) send them for
consent, any member of the circle ("circle_minutes_objector") objects, and any member of the
organisation searches the approved minutes of the circles they see ("org_member")."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from circlewise.circles.models import Circle
from circlewise.meetings import services
from tests import factories as f
from tests.api.operations import Op
from tests.conftest import World

SOON = {"starts_at": "2031-01-01T18:00:00+00:00"}


def _planner(w: World, c: Circle) -> Any:
    if c.pk == w.care.pk:
        f.give_role(c, "secretary", w.circle_member)
        return w.circle_member
    return w.facilitator


def _meeting(w: World, c: Circle) -> int:
    start = timezone.now() + dt.timedelta(days=3)
    return services.plan_meeting(circle=c, actor=_planner(w, c), starts_at=start).pk


def _item(w: World, c: Circle) -> int:
    meeting = services.plan_meeting(
        circle=c, actor=_planner(w, c), starts_at=timezone.now() + dt.timedelta(days=3)
    )
    return services.add_agenda_item(meeting=meeting, actor=w.circle_member, title="Tools").pk


RATINGS = {"heard": 4, "on_time": 3, "clear": 4, "respected": 5, "served_aim": 4}


def _action(w: World, c: Circle) -> int:
    from circlewise.meetings import services_actions

    return services_actions.add_action_item(
        circle=c, actor=_planner(w, c), title="Mend the gate", owner=w.circle_member
    ).pk


def _held(w: World, c: Circle) -> int:
    """A meeting of the circle, opened and closed: its minutes are drafted."""
    from circlewise.meetings import services_room

    meeting = services.plan_meeting(
        circle=c, actor=_planner(w, c), starts_at=timezone.now() + dt.timedelta(days=3)
    )
    services_room.open_room(meeting=meeting, actor=_planner(w, c))
    services_room.close_room(meeting=meeting, actor=_planner(w, c))
    return meeting.pk


def _req(method: str, path: str, body: Any = None) -> tuple[str, str, Any]:
    return method, path, body


MEETING_OPS: tuple[Op, ...] = (
    Op("listMeetings", "circle_visible", lambda w, c: _req("GET", f"/circles/{c.pk}/meetings")),
    Op(
        "planMeeting",
        "circle_meeting_planner",
        lambda w, c: _req("POST", f"/circles/{c.pk}/meetings", SOON),
    ),
    Op("getMeeting", "circle_visible", lambda w, c: _req("GET", f"/meetings/{_meeting(w, c)}")),
    Op(
        "updateMeeting",
        "circle_agenda_keeper",
        lambda w, c: _req("PATCH", f"/meetings/{_meeting(w, c)}", {"place": "The barn"}),
    ),
    Op(
        "cancelMeeting",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/meetings/{_meeting(w, c)}/cancel", {"reason": "Rain."}),
    ),
    Op(
        "addAgendaItem",
        "circle_agenda_contributor",
        lambda w, c: _req("POST", f"/meetings/{_meeting(w, c)}/agenda", {"title": "Tools"}),
    ),
    Op(
        "acceptAgendaItem",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/agenda-items/{_item(w, c)}/accept"),
    ),
    Op(
        "declineAgendaItem",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/agenda-items/{_item(w, c)}/decline", {"reason": "Later."}),
    ),
    Op(
        "moveAgendaItem",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/agenda-items/{_item(w, c)}/move", {"direction": "up"}),
    ),
    Op(
        "removeAgendaItem",
        "circle_agenda_keeper",
        lambda w, c: _req("DELETE", f"/agenda-items/{_item(w, c)}"),
    ),
    Op(
        "getMinutes", "circle_visible", lambda w, c: _req("GET", f"/meetings/{_held(w, c)}/minutes")
    ),
    Op(
        "editMinutes",
        "circle_agenda_keeper",
        lambda w, c: _req("PUT", f"/meetings/{_held(w, c)}/minutes", {"text": "# We met"}),
    ),
    Op(
        "approveMinutes",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/meetings/{_held(w, c)}/minutes/approve"),
    ),
    Op(
        "sendMinutesForConsent",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/meetings/{_meeting(w, c)}/minutes/consent", {"days": 7}),
    ),
    Op(
        "objectToMinutes",
        "circle_minutes_objector",
        lambda w, c: _req(
            "POST", f"/meetings/{_meeting(w, c)}/minutes/objections", {"reason": "Wrong date."}
        ),
    ),
    Op(
        "getRoom",
        "circle_agenda_contributor",
        lambda w, c: _req("GET", f"/meetings/{_meeting(w, c)}/room"),
    ),
    Op(
        "actInRoom",
        "circle_agenda_keeper",
        lambda w, c: _req("POST", f"/meetings/{_meeting(w, c)}/room", {"action": "open"}),
    ),
    Op(
        "listTurns", "circle_visible", lambda w, c: _req("GET", f"/meetings/{_meeting(w, c)}/turns")
    ),
    Op(
        "evaluateMeeting",
        "circle_meeting_attendee",
        lambda w, c: _req("POST", f"/meetings/{_meeting(w, c)}/evaluations", RATINGS),
    ),
    Op(
        "evaluationTrend",
        "circle_visible",
        lambda w, c: _req("GET", f"/circles/{c.pk}/evaluations"),
    ),
    Op("listActions", "circle_visible", lambda w, c: _req("GET", f"/circles/{c.pk}/actions")),
    Op(
        "addAction",
        "circle_action_giver",
        lambda w, c: _req(
            "POST",
            f"/circles/{c.pk}/actions",
            {"title": "Buy seeds", "owner_id": w.circle_member.pk},
        ),
    ),
    Op(
        "closeAction",
        "circle_action_closer",
        lambda w, c: _req("POST", f"/actions/{_action(w, c)}/close", {}),
    ),
    Op(
        "searchMinutes",
        "org_member",
        lambda w, c: _req("GET", f"/organisations/{w.org.slug}/minutes?q=harvest"),
    ),
)

MEETING_METHODS = {
    "listMeetings": "GET",
    "planMeeting": "POST",
    "getMeeting": "GET",
    "updateMeeting": "PATCH",
    "cancelMeeting": "POST",
    "addAgendaItem": "POST",
    "acceptAgendaItem": "POST",
    "declineAgendaItem": "POST",
    "moveAgendaItem": "POST",
    "removeAgendaItem": "DELETE",
    "sendMinutesForConsent": "POST",
    "objectToMinutes": "POST",
    "searchMinutes": "GET",
    "getMinutes": "GET",
    "editMinutes": "PUT",
    "approveMinutes": "POST",
    "getRoom": "GET",
    "actInRoom": "POST",
    "listTurns": "GET",
    "evaluateMeeting": "POST",
    "evaluationTrend": "GET",
    "listActions": "GET",
    "addAction": "POST",
    "closeAction": "POST",
}
