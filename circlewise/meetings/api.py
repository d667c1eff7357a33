"""API operations on meetings: a circle's meetings, planning one (or a repeating series), reading,
changing and cancelling it, keeping its agenda; its minutes sent for lazy consent and objected
to, and the search through approved minutes. The same permission functions and services as the
pages."""

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.core.api import Pages, responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError
from circlewise.core.types import Viewer
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.api._common import _person_in

from . import permissions, selectors, selectors_minutes, services
from . import services_minutes as minutes_services
from .models import AgendaItem, Meeting, Minutes
from .schemas import (
    AgendaItemIn,
    CancelIn,
    ConsentIn,
    DeclineIn,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingSummaryOut,
    MinutesHitOut,
    MinutesObjectionIn,
    MinutesOut,
    MinutesTextIn,
    MoveIn,
)

router = Router(tags=["meetings"])


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name, "pronouns": user.pronouns}


def _item_out(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "position": item.position,
        "title": item.title,
        "outcome": item.outcome,
        "minutes": item.minutes,
        "presenter": _person(item.presenter),
        "details": item.details,
        "backlog_item_id": item.backlog_item_id,
        "status": item.status,
        "decline_reason": item.decline_reason,
        "added_by": _person(item.added_by),
    }


def _meeting_out(user: Viewer, meeting: Meeting) -> dict[str, Any]:
    agenda = selectors.agenda_of(meeting)
    return {
        "id": meeting.pk,
        "circle_id": meeting.circle_id,
        "series_id": meeting.series_id,
        "repeat": meeting.series.repeat if meeting.series is not None else None,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "time_zone": meeting.time_zone,
        "place": meeting.place,
        "video_url": meeting.video_url,
        "facilitator": _person(meeting.facilitator),
        "secretary": _person(meeting.secretary),
        "status": meeting.status,
        "cancel_reason": meeting.cancel_reason,
        "agenda": [_item_out(i) for i in (*agenda.items, *agenda.proposed, *agenda.declined)],
        "may_keep_agenda": permissions.can_keep_agenda(user, meeting),
        "may_propose": permissions.can_propose_item(user, meeting),
    }


def _fresh(user: User, meeting_id: int) -> dict[str, Any]:
    return _meeting_out(user, permissions.get_meeting_for(user, meeting_id))


def _member(actor: User, circle: Any, user_id: int | None, field: str) -> User | None:
    """A person named in a body, by decisions' rule: someone in the organisation (the service
    checks they are in the circle)."""
    if user_id is None:
        return None
    return _person_in(actor, circle.organisation, user_id, field=field)


@router.get(
    "/circles/{circle_id}/meetings",
    response=list[MeetingSummaryOut],
    operation_id="listMeetings",
    summary="A circle's meetings: those still to come (soonest first), or those past",
)
@paginate(Pages)
def list_meetings(
    request: HttpRequest, circle_id: int, when: Literal["upcoming", "past"] = "upcoming"
) -> list[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    meetings = selectors.meetings_of(circle)
    now = timezone.now()
    found = meetings.upcoming(now) if when == "upcoming" else meetings.past(now)
    return [
        {
            "id": m.pk,
            "circle_id": m.circle_id,
            "series_id": m.series_id,
            "title": m.title,
            "starts_at": m.starts_at,
            "ends_at": m.ends_at,
            "place": m.place,
            "status": m.status,
        }
        for m in found
    ]


@router.post(
    "/circles/{circle_id}/meetings",
    response=responses(MeetingOut, 201),
    operation_id="planMeeting",
    summary="Plan a meeting of the circle, or a repeating series starting with it",
)
def plan_meeting(
    request: HttpRequest, circle_id: int, payload: MeetingIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    circle = circle_permissions.get_circle_by_id_for(user, circle_id)
    if not permissions.can_plan_meetings(user, circle):
        raise PermissionDenied
    data = payload.dict()
    facilitator = _member(user, circle, data.pop("facilitator_id"), "facilitator_id")
    secretary = _member(user, circle, data.pop("secretary_id"), "secretary_id")
    meeting = services.plan_meeting(
        circle=circle, actor=user, facilitator=facilitator, secretary=secretary, **data
    )
    return Status(201, _fresh(user, meeting.pk))


@router.get(
    "/meetings/{meeting_id}",
    response=responses(MeetingOut),
    operation_id="getMeeting",
    summary="A meeting, with its agenda",
)
def get_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _fresh(user, meeting_id)


@router.patch(
    "/meetings/{meeting_id}",
    response=responses(MeetingOut),
    operation_id="updateMeeting",
    summary="Change a meeting still to come (the members are told when its time or place moves)",
)
def update_meeting(request: HttpRequest, meeting_id: int, payload: MeetingPatch) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="plan")
    data = payload.dict(exclude_unset=True)
    for name in ("facilitator", "secretary"):
        if f"{name}_id" in data:
            data[name] = _member(user, meeting.circle, data.pop(f"{name}_id"), f"{name}_id")
    if any(value is None for key, value in data.items() if key not in ("facilitator", "secretary")):
        raise ServiceError(_("Leave out what does not change: only the people can be set to null."))
    services.update_meeting(meeting=meeting, actor=user, **data)
    return _fresh(user, meeting_id)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response=responses(MeetingOut),
    operation_id="cancelMeeting",
    summary="Cancel a meeting still to come, saying why (the members are told)",
)
def cancel_meeting(request: HttpRequest, meeting_id: int, payload: CancelIn) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="plan")
    services.cancel_meeting(meeting=meeting, actor=user, reason=payload.reason)
    return _fresh(user, meeting_id)


@router.post(
    "/meetings/{meeting_id}/agenda",
    response=responses(MeetingOut, 201),
    operation_id="addAgendaItem",
    summary="Put an item on the agenda (who keeps it), or propose one (any member of the circle)",
)
def add_agenda_item(
    request: HttpRequest, meeting_id: int, payload: AgendaItemIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="contribute")
    data = payload.dict()
    presenter = _member(user, meeting.circle, data.pop("presenter_id"), "presenter_id")
    backlog_id = data.pop("backlog_item_id")
    topic = None
    if backlog_id is not None:
        try:
            topic = decision_permissions.get_item_for(user, backlog_id)
        except Http404:
            raise ServiceError(
                _("There is no backlog topic %(id)d that you can see.") % {"id": backlog_id},
                field="backlog_item_id",
            ) from None
    services.add_agenda_item(
        meeting=meeting, actor=user, presenter=presenter, backlog_item=topic, **data
    )
    return Status(201, _fresh(user, meeting_id))


def _item(user: User, item_id: int) -> AgendaItem:
    return permissions.get_agenda_item_for(user, item_id, need="keep")


@router.post(
    "/agenda-items/{item_id}/accept",
    response=responses(MeetingOut),
    operation_id="acceptAgendaItem",
    summary="Take a proposed item onto the agenda (its proposer is told)",
)
def accept_agenda_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = auth_user(request)
    item = _item(user, item_id)
    services.accept_agenda_item(item=item, actor=user)
    return _fresh(user, item.meeting_id)


@router.post(
    "/agenda-items/{item_id}/decline",
    response=responses(MeetingOut),
    operation_id="declineAgendaItem",
    summary="Decline a proposed item, saying why (its proposer is told)",
)
def decline_agenda_item(request: HttpRequest, item_id: int, payload: DeclineIn) -> dict[str, Any]:
    user = auth_user(request)
    item = _item(user, item_id)
    services.decline_agenda_item(item=item, actor=user, reason=payload.reason)
    return _fresh(user, item.meeting_id)


@router.post(
    "/agenda-items/{item_id}/move",
    response=responses(MeetingOut),
    operation_id="moveAgendaItem",
    summary="Move an item of the agenda one place up or down",
)
def move_agenda_item(request: HttpRequest, item_id: int, payload: MoveIn) -> dict[str, Any]:
    user = auth_user(request)
    item = _item(user, item_id)
    services.move_agenda_item(item=item, actor=user, up=payload.direction == "up")
    return _fresh(user, item.meeting_id)


@router.delete(
    "/agenda-items/{item_id}",
    response=responses(MeetingOut),
    operation_id="removeAgendaItem",
    summary="Take an item off the agenda (the ledger keeps that it was there)",
)
def remove_agenda_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    user = auth_user(request)
    item = _item(user, item_id)
    services.remove_agenda_item(item=item, actor=user)
    return _fresh(user, item.meeting_id)


# Minutes ---------------------------------------------------------------------------------------


def _minutes_out(user: Viewer, meeting: Meeting) -> dict[str, Any]:
    minutes = (
        Minutes.objects.select_related("meeting__circle", "approved_by")
        .filter(meeting=meeting)
        .first()
    )
    if minutes is None:  # drafted when the meeting closes
        return {
            "meeting_id": meeting.pk, "status": "none", "text": None, "consent_round": 0,
            "consent_until": None, "approved_at": None, "approved_by": None,
            "approved_by_consent": False,
        }  # fmt: skip
    return {
        "meeting_id": meeting.pk,
        "status": minutes.status,
        "text": minutes.text if permissions.can_read_minutes(user, minutes) else None,
        "consent_round": minutes.consent_round,
        "consent_until": minutes.consent_until,
        "approved_at": minutes.approved_at,
        "approved_by": _person(minutes.approved_by),
        "approved_by_consent": minutes.approved_by_consent,
    }


@router.get(
    "/meetings/{meeting_id}/minutes",
    response=responses(MinutesOut),
    operation_id="getMinutes",
    summary="A held meeting's minutes (the text for those who may read them)",
)
def get_minutes(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = auth_user(request)
    return _minutes_out(user, permissions.get_meeting_for(user, meeting_id))


@router.put(
    "/meetings/{meeting_id}/minutes",
    response=responses(MinutesOut),
    operation_id="editMinutes",
    summary="Write up the minutes (Markdown), while they are not approved",
)
def edit_minutes(request: HttpRequest, meeting_id: int, payload: MinutesTextIn) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="keep_minutes")
    minutes_services.edit_minutes(meeting=meeting, actor=user, text=payload.text)
    return _minutes_out(user, meeting)


@router.post(
    "/meetings/{meeting_id}/minutes/approve",
    response=responses(MinutesOut),
    operation_id="approveMinutes",
    summary="Approve the minutes: from then on they do not change (their hash is in the ledger)",
)
def approve_minutes(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="keep_minutes")
    minutes_services.approve_minutes(meeting=meeting, actor=user)
    return _minutes_out(user, meeting)


@router.post(
    "/meetings/{meeting_id}/minutes/consent",
    response=responses(MinutesOut),
    operation_id="sendMinutesForConsent",
    summary="Send the minutes to the circle's members for lazy consent, with a time to object",
)
def send_minutes_for_consent(
    request: HttpRequest, meeting_id: int, payload: ConsentIn
) -> dict[str, Any]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id, need="keep_minutes")
    minutes_services.send_for_consent(meeting=meeting, actor=user, days=payload.days)
    return _minutes_out(user, meeting)


@router.post(
    "/meetings/{meeting_id}/minutes/objections",
    response=responses(MinutesOut, 201),
    operation_id="objectToMinutes",
    summary="Object to minutes out for consent, saying why (they go back to draft)",
)
def object_to_minutes(
    request: HttpRequest, meeting_id: int, payload: MinutesObjectionIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    meeting = permissions.get_meeting_for(user, meeting_id)
    if not permissions.can_object_to_minutes(user, meeting):
        raise PermissionDenied
    minutes_services.object_to_minutes(meeting=meeting, user=user, reason=payload.reason)
    return Status(201, _minutes_out(user, meeting))


@router.get(
    "/organisations/{slug}/minutes",
    response=list[MinutesHitOut],
    operation_id="searchMinutes",
    summary="Search the approved minutes of the circles the caller sees (newest meeting first)",
)
@paginate(Pages)
def search_minutes(request: HttpRequest, slug: str, q: str = "") -> list[dict[str, Any]]:
    from circlewise.core.links import path_to

    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    if not permissions.can_search_minutes(user, organisation):
        raise PermissionDenied
    problem = selectors_minutes.query_problem(q)
    if problem is not None:
        raise ServiceError(problem, field="q")
    hits = selectors_minutes.search_minutes(user, organisation, q, limit=500)
    return [
        {
            "meeting_id": hit.meeting.pk,
            "circle_id": hit.meeting.circle_id,
            "circle_name": hit.meeting.circle.name,
            "title": hit.meeting.title,
            "starts_at": hit.meeting.starts_at,
            "excerpt": str(hit.excerpt),
            "url": path_to("meetings:meeting_minutes", organisation.slug, hit.meeting.pk),
        }
        for hit in hits
    ]
