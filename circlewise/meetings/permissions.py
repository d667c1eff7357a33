"""Who may see and plan which meeting.

A meeting is seen by whoever sees its circle (the whole organisation for an open circle, a private
circle's members only), in lists too. Meetings are planned, changed and cancelled, and their
agendas kept, by the circle's planners: its leader or facilitator (or its parent's: those who may
change the circle), an organisation admin, and the circle's secretary; the facilitator and the
secretary a meeting names keep that meeting's agenda too. Every member of the circle may propose
an item for the agenda; the planners take it on or decline it.

Whatever a person may not see is missing (404); what they see but may not do is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Role
from circlewise.core.errors import ServiceError
from circlewise.decisions import permissions as decision_permissions

from .models import AgendaItem, Meeting

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

MeetingNeed = Literal["view", "plan", "contribute", "join", "evaluate", "keep_minutes"]
ItemNeed = Literal["view", "keep"]


def can_view_meeting(user: Viewer, meeting: Meeting) -> bool:
    return circle_permissions.can_view_circle(user, meeting.circle)


def can_plan_meetings(user: Viewer, circle: Circle) -> bool:
    """The circle's leader or facilitator (or its parent's), an organisation admin, or the
    circle's secretary being a member of it."""
    if not circle_permissions.is_person(user) or not circle_permissions.can_view_circle(
        user, circle
    ):
        return False
    if circle_permissions.can_edit_circle(user, circle):
        return True
    return circle_permissions.is_circle_member(
        user, circle
    ) and user.pk in decision_permissions.role_holder_ids(circle, Role.Kind.SECRETARY)


def can_keep_agenda(user: Viewer, meeting: Meeting) -> bool:
    """The circle's planners, and the facilitator and secretary the meeting names, being
    members of the circle."""
    if can_plan_meetings(user, meeting.circle):
        return True
    named = {pk for pk in (meeting.facilitator_id, meeting.secretary_id) if pk is not None}
    return (
        circle_permissions.is_person(user)
        and user.pk in named
        and circle_permissions.is_circle_member(user, meeting.circle)
    )


def can_propose_item(user: Viewer, meeting: Meeting) -> bool:
    """Any member of the circle proposes an item for a meeting that is still to come."""
    return (
        circle_permissions.is_person(user)
        and can_view_meeting(user, meeting)
        and circle_permissions.is_circle_member(user, meeting.circle)
    )


# Rules the services check, read afresh inside their transaction -------------------------------


def _fresh(user: Any) -> Any:
    """The person with nothing remembered from before this transaction."""
    from circlewise.accounts.models import User

    return User.objects.get(pk=user.pk)


def require_plan(user: Viewer, circle: Circle) -> None:
    if not can_plan_meetings(_fresh(user), circle):
        raise ServiceError(
            _(
                "Only the leader, the facilitator or the secretary of %(circle)s, or an admin, "
                "can plan its meetings."
            )
            % {"circle": circle.name},
            status=403,
        )


def require_keep_agenda(user: Viewer, meeting: Meeting) -> None:
    if not can_keep_agenda(_fresh(user), meeting):
        raise ServiceError(
            _(
                "Only the meeting's facilitator or secretary, or who plans the meetings of "
                "%(circle)s, can change it or its agenda."
            )
            % {"circle": meeting.circle.name},
            status=403,
        )


def require_propose_item(user: Viewer, meeting: Meeting) -> None:
    if not can_propose_item(_fresh(user), meeting):
        raise ServiceError(
            _("Only members of %(circle)s can propose items for its meetings.")
            % {"circle": meeting.circle.name},
            status=403,
        )


# Fetch and authorise in one call -----------------------------------------------------------

MEETING_NEEDS: dict[MeetingNeed, Callable[[Any, Meeting], bool]] = {
    "view": can_view_meeting,
    "plan": can_keep_agenda,
    "contribute": lambda user, meeting: (
        can_keep_agenda(user, meeting) or can_propose_item(user, meeting)
    ),
    "join": lambda user, meeting: can_join_room(user, meeting),
    "evaluate": lambda user, meeting: can_evaluate(user, meeting),
    "keep_minutes": lambda user, meeting: can_keep_minutes(user, meeting),
}
ITEM_NEEDS: dict[ItemNeed, Callable[[Any, AgendaItem], bool]] = {
    "view": lambda user, item: can_view_meeting(user, item.meeting),
    "keep": lambda user, item: can_keep_agenda(user, item.meeting),
}


def get_meeting_for(user: Viewer, meeting_id: int, *, need: MeetingNeed = "view") -> Meeting:
    meeting = (
        Meeting.objects.select_related(
            "circle__organisation", "circle__parent", "facilitator", "secretary", "series"
        )
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise Http404
    circle_permissions.prime_permissions(user, meeting.circle.organisation)
    if not can_view_meeting(user, meeting):
        raise Http404
    if not MEETING_NEEDS[need](user, meeting):
        raise PermissionDenied
    return meeting


def get_agenda_item_for(user: Viewer, item_id: int, *, need: ItemNeed = "view") -> AgendaItem:
    item = (
        AgendaItem.objects.select_related(
            "meeting__circle__organisation", "meeting__circle__parent", "presenter", "added_by"
        )
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404
    circle_permissions.prime_permissions(user, item.meeting.circle.organisation)
    if not can_view_meeting(user, item.meeting):
        raise Http404
    if not ITEM_NEEDS[need](user, item):
        raise PermissionDenied
    return item


# The live room -------------------------------------------------------------------------------


def can_join_room(user: Viewer, meeting: Meeting) -> bool:
    """The circle's members, and whoever keeps the meeting's agenda (an admin planning it)."""
    return can_keep_agenda(user, meeting) or can_propose_item(user, meeting)


def can_run_room(user: Viewer, meeting: Meeting) -> bool:
    """Opening and closing the meeting, moving it on, starting and ending rounds, recording
    someone's turn: who keeps its agenda."""
    return can_keep_agenda(user, meeting)


def require_join_room(user: Viewer, meeting: Meeting) -> None:
    if not can_join_room(_fresh(user), meeting):
        raise ServiceError(
            _("Only members of %(circle)s take part in its meetings.")
            % {"circle": meeting.circle.name},
            status=403,
        )


def require_run_room(user: Viewer, meeting: Meeting) -> None:
    if not can_run_room(_fresh(user), meeting):
        raise ServiceError(
            _("Only the meeting's facilitator or secretary can do this."),
            status=403,
        )


def attended(user: Viewer, meeting: Meeting) -> bool:
    from .models import Attendance

    return (
        circle_permissions.is_person(user)
        and Attendance.objects.filter(meeting=meeting, user_id=user.pk, present=True).exists()
    )


def can_evaluate(user: Viewer, meeting: Meeting) -> bool:
    """Who was in the room fills an evaluation card, while the meeting goes on or once held."""
    return (
        can_view_meeting(user, meeting)
        and meeting.status in (Meeting.Status.LIVE, Meeting.Status.HELD)
        and attended(user, meeting)
    )


def can_read_evaluation_words(user: Viewer, circle: Circle) -> bool:
    """What participants wrote on their cards is read by the circle's members; the averages by
    whoever sees the circle."""
    return circle_permissions.is_person(user) and circle_permissions.is_circle_member(user, circle)


def can_send_improvement(user: Viewer, circle: Circle) -> bool:
    """A point to improve, written on a card, is sent to the circle's backlog by a member (who
    reads the cards) of a circle that takes new items."""
    from circlewise.decisions import permissions as decision_permissions

    return can_read_evaluation_words(user, circle) and decision_permissions.can_raise_item(
        user, circle
    )


def require_evaluate(user: Viewer, meeting: Meeting) -> None:
    if not can_evaluate(_fresh(user), meeting):
        raise ServiceError(
            _("Only those who were in the meeting evaluate it, once it has begun."), status=403
        )


# Action items --------------------------------------------------------------------------------


def can_add_action(user: Viewer, circle: Circle) -> bool:
    """The circle's members give each other action items (an admin planning its meetings too)."""
    return circle_permissions.is_person(user) and (
        circle_permissions.is_circle_member(user, circle) or can_plan_meetings(user, circle)
    )


def can_close_action(user: Viewer, action: Any) -> bool:
    """Its owner marks it done or drops it; so do the circle's facilitator and secretary (who
    keep its backlog) and its planners."""
    if not circle_permissions.is_person(user) or not circle_permissions.can_view_circle(
        user, action.circle
    ):
        return False
    if action.owner_id == user.pk:
        return True
    return can_plan_meetings(user, action.circle) or (
        circle_permissions.is_circle_member(user, action.circle)
        and user.pk
        in decision_permissions.role_holder_ids(
            action.circle, Role.Kind.FACILITATOR, Role.Kind.SECRETARY
        )
    )


def require_add_action(user: Viewer, circle: Circle) -> None:
    if not can_add_action(_fresh(user), circle):
        raise ServiceError(
            _("Only members of %(circle)s give its action items.") % {"circle": circle.name},
            status=403,
        )


def require_close_action(user: Viewer, action: Any) -> None:
    if not can_close_action(_fresh(user), action):
        raise ServiceError(
            _("Only its owner, or the circle's facilitator or secretary, can close it."),
            status=403,
        )


def get_action_for(user: Viewer, action_id: int, *, need: Literal["view", "close"] = "view") -> Any:
    from .models import ActionItem

    action = (
        ActionItem.objects.select_related("circle__organisation", "circle__parent", "owner")
        .filter(pk=action_id)
        .first()
    )
    if action is None:
        raise Http404
    circle_permissions.prime_permissions(user, action.circle.organisation)
    if not circle_permissions.can_view_circle(user, action.circle):
        raise Http404
    if need == "close" and not can_close_action(user, action):
        raise PermissionDenied
    return action


# Minutes -------------------------------------------------------------------------------------


def can_keep_minutes(user: Viewer, meeting: Meeting) -> bool:
    """Writing up the minutes, approving them, sending them to the members for lazy consent:
    who runs the meeting's room (its facilitator and secretary, the circle's planners)."""
    return can_run_room(user, meeting)


def can_read_minutes(user: Viewer, minutes: Any) -> bool:
    """Approved minutes are the circle's record: whoever sees the circle reads them. Minutes out
    for consent are read by the circle's members (they are asked) and their keepers; a draft by
    its keepers alone."""
    meeting = minutes.meeting
    if not can_view_meeting(user, meeting):
        return False
    if minutes.is_approved:
        return True
    if minutes.is_out_for_consent and can_propose_item(user, meeting):
        return True
    return can_keep_minutes(user, meeting)


def can_object_to_minutes(user: Viewer, meeting: Meeting) -> bool:
    """Any member of the circle objects to minutes out for consent (the service checks that they
    are)."""
    return can_propose_item(user, meeting)


def can_search_minutes(user: Viewer, organisation: Any) -> bool:
    """A member of the organisation searches the approved minutes of the circles they see."""
    return circle_permissions.can_view_organisation(user, organisation)


def require_keep_minutes(user: Viewer, meeting: Meeting) -> None:
    if not can_keep_minutes(_fresh(user), meeting):
        raise ServiceError(
            _("Only the meeting's facilitator or secretary can do this."),
            status=403,
        )


def require_object_to_minutes(user: Viewer, meeting: Meeting) -> None:
    if not can_object_to_minutes(_fresh(user), meeting):
        raise ServiceError(
            _("Only members of %(circle)s can object to the minutes of its meetings.")
            % {"circle": meeting.circle.name},
            status=403,
        )
