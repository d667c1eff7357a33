"""A holder stepping down early: the term ends ("stepped_down", recorded on the role's history
and in the ledger with the reason, if given, as the event's note) and a selection opens for the
role in the same transaction, so that the circle chooses who takes it on."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import services as circle_services
from circlewise.circles.models import RoleAssignment
from circlewise.core.errors import ServiceError

from . import permissions, services
from .models import Selection


@transaction.atomic
def step_down(*, assignment: RoleAssignment, actor: User, reason: str = "") -> Selection | None:
    """The holder ends their own term before it is due; returns the selection opened for the
    role (the one under way, if there is one already)."""
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("role__circle__organisation", "holder")
        .get(pk=assignment.pk)
    )
    permissions.require_step_down(actor, assignment)
    role = assignment.role
    why = (reason or "").strip()
    if len(why) > 2000:
        raise ServiceError(_("Keep the reason under 2,000 characters."), field="reason")
    circle_services.end_assignment(
        assignment=assignment, actor=actor, reason="stepped_down", note=why
    )
    under_way = Selection.objects.open().filter(role=role).first()
    if under_way is not None:
        return under_way
    if not permissions.can_start_selection(actor, role):
        return None
    return services.start_selection(role=role, actor=actor)
