"""Who may see and do what in a selection.

A selection is seen by whoever sees its circle (404 for everyone else, in lists too). Its
nominations are the exception: until they are revealed, each is seen by its author alone — not by
the facilitator, the nominee, the circle or an admin (`can_view_nominations`).

Members of the circle on the selection's roster nominate and answer; the facilitator moves the
selection on, reveals the nominations and proposes a candidate (or hands the proposal over to a
member who does: `proposer`); whoever may manage the circle's roles, or is a member of it,
starts one; the facilitator or whoever manages the circle's roles cancels it. The person
nominated in the proposal answers last.

Whatever a person may not see is missing (404); what they see but may not do is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Role, RoleAssignment
from circlewise.core.errors import ServiceError

from .models import Selection

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

SelectionNeed = Literal["view", "elect", "facilitate", "propose", "cancel"]


def elector_ids(selection: Selection) -> list[int]:
    """The roster in seat order, read once per selection object."""
    cached: list[int] | None = getattr(selection, "_elector_ids", None)
    if cached is None:
        cached = list(selection.electors.order_by("seat", "pk").values_list("person_id", flat=True))
        selection._elector_ids = cached  # type: ignore[attr-defined]
    return cached


def forget_electors(selection: Selection) -> None:
    if hasattr(selection, "_elector_ids"):
        del selection._elector_ids


def _electors_circle(selection: Selection) -> Circle:
    return selection.electing_circle or selection.circle


def can_view_selection(user: Viewer, selection: Selection) -> bool:
    """Whoever sees the role's circle; for a leader, whom the parent circle selects, also the
    parent's members on the roster."""
    if circle_permissions.can_view_circle(user, selection.circle):
        return True
    return (
        selection.electing_circle_id is not None
        and circle_permissions.is_person(user)
        and user.pk in elector_ids(selection)
        and circle_permissions.can_view_circle(user, _electors_circle(selection))
    )


def sees_selection_of(user: Viewer, circle: Circle, electors: Circle) -> bool:
    """Whether someone could follow a selection for a role of `circle` made by `electors`."""
    return circle_permissions.can_view_circle_now(user, circle) or (
        circle_permissions.can_view_circle_now(user, electors)
        and circle_permissions.is_circle_member(user, electors)
    )


def can_start_selection(user: Viewer, role: Role) -> bool:
    """A member of the circle that selects (the role's, or the parent's for a leader), or
    whoever manages the role's circle's roles, while role and circle last."""
    circle = role.circle
    electors = circle.parent if role.kind == Role.Kind.LEADER and circle.parent else circle
    return (
        circle_permissions.is_person(user)
        and role.archived_at is None
        and not circle.is_archived
        and circle_permissions.ended_refusal(circle) is None
        and (
            circle_permissions.can_manage_roles(user, circle)
            or circle_permissions.is_circle_member(user, electors)
        )
    )


def can_step_down(user: Viewer, assignment: RoleAssignment) -> bool:
    """The holder of a current term, in a circle still active, ends it early."""
    return (
        circle_permissions.is_person(user)
        and user.pk == assignment.holder_id
        and assignment.ended_on is None
        and not assignment.role.circle.is_archived
        and circle_permissions.can_view_circle(user, assignment.role.circle)
    )


def is_elector(user: Viewer, selection: Selection) -> bool:
    """On the roster and still a member of the circle: nominates and answers."""
    return (
        circle_permissions.is_person(user)
        and user.is_active
        and user.pk in elector_ids(selection)
        and circle_permissions.is_circle_member(user, _electors_circle(selection))
    )


def is_selection_facilitator(user: Viewer, selection: Selection) -> bool:
    return (
        circle_permissions.is_person(user)
        and user.pk == selection.facilitator_id
        and can_view_selection(user, selection)
    )


def can_propose(user: Viewer, selection: Selection) -> bool:
    """The facilitator, or the member they handed the proposal over to instead."""
    if selection.proposer_id is not None:
        return (
            circle_permissions.is_person(user)
            and user.pk == selection.proposer_id
            and can_view_selection(user, selection)
        )
    return is_selection_facilitator(user, selection)


def can_cancel(user: Viewer, selection: Selection) -> bool:
    return is_selection_facilitator(user, selection) or circle_permissions.can_manage_roles(
        user, selection.circle
    )


def can_view_nominations(user: Viewer, selection: Selection) -> bool:
    """Everyone's nominations: for whoever sees the selection, once they are revealed."""
    return selection.is_revealed and can_view_selection(user, selection)


def can_view_selections_of(user: Viewer, circle: Circle) -> bool:
    return circle_permissions.can_view_circle(user, circle)


SELECTION_NEEDS: dict[SelectionNeed, Callable[[Any, Selection], bool]] = {
    "view": can_view_selection,
    "elect": is_elector,
    "facilitate": is_selection_facilitator,
    "propose": can_propose,
    "cancel": can_cancel,
}


def get_selection_for(
    user: Viewer, selection_id: int, *, need: SelectionNeed = "view"
) -> Selection:
    selection = (
        Selection.objects.select_related(
            "circle__organisation", "role", "facilitator", "proposer", "outcome", "electing_circle"
        )
        .filter(pk=selection_id)
        .first()
    )
    if selection is None:
        raise Http404
    circle_permissions.prime_permissions(user, selection.circle.organisation)
    if not can_view_selection(user, selection):
        raise Http404
    if not SELECTION_NEEDS[need](user, selection):
        raise PermissionDenied
    return selection


def get_role_to_select_for(user: Viewer, circle: Circle, role_id: int) -> Role:
    """The role a selection starts for: 404 where the circle does not hold it or the person may
    not see it, 403 for those who may not start one."""
    role = (
        Role.objects.select_related("circle__organisation", "circle__parent")
        .filter(pk=role_id, circle=circle)
        .first()
    )
    if role is None or not circle_permissions.can_view_circle(user, role.circle):
        raise Http404
    if not can_start_selection(user, role):
        raise PermissionDenied
    return role


# Rules the services check, read afresh inside their transaction -------------------------------


def _fresh(user: Any) -> Any:
    from circlewise.accounts.models import User

    return User.objects.get(pk=user.pk)


def require(need: SelectionNeed, user: Viewer, selection: Selection) -> None:
    """Refuse with a sentence unless the person may do this in the selection."""
    forget_electors(selection)
    fresh = _fresh(user)
    if SELECTION_NEEDS[need](fresh, selection):
        return
    if not can_view_selection(fresh, selection):
        raise ServiceError(_("There is no such selection."), status=404)
    sentences = {
        "elect": _("Only the members of %(electors)s who were in the circle when it started take "
                   "part in this selection."),
        "facilitate": _("Only the selection's facilitator, %(name)s, can do this."),
        "propose": _("Only the person the facilitator asked proposes the candidate."),
        "cancel": _("Only the selection's facilitator, or whoever manages the roles of "
                    "%(circle)s, can cancel it."),
    }  # fmt: skip
    text = sentences.get(need, _("You may not do this in this selection."))
    raise ServiceError(
        text
        % {
            "circle": selection.circle.name,
            "name": selection.facilitator.name,
            "electors": _electors_circle(selection).name,
        },
        status=403,
    )


def require_start(user: Viewer, role: Role) -> None:
    if not can_start_selection(_fresh(user), role):
        raise ServiceError(
            _("Only the members of %(circle)s, or whoever manages its roles, start a selection.")
            % {"circle": role.circle.name},
            status=403,
        )


def require_step_down(user: Viewer, assignment: RoleAssignment) -> None:
    if not can_step_down(_fresh(user), assignment):
        raise ServiceError(
            _("Only %(name)s, who holds this term now, can step down from it.")
            % {"name": assignment.holder.name},
            status=403,
        )


def get_assignment_to_step_down_for(
    user: Viewer, circle: Circle, assignment_id: int
) -> RoleAssignment:
    """The term its holder steps down from: 404 where the circle does not hold it or the person
    may not see it, 403 for anyone but its holder."""
    assignment = (
        RoleAssignment.objects.select_related("role__circle__organisation", "holder")
        .filter(pk=assignment_id, role__circle=circle)
        .first()
    )
    if assignment is None or not circle_permissions.can_view_circle(user, assignment.role.circle):
        raise Http404
    if not can_step_down(user, assignment):
        raise PermissionDenied
    return assignment
