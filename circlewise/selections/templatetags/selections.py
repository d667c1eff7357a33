"""The selections' hook in the circles' pages: on a role, its selection under way (or the way to
start one, for the circle's members), its last completed one and its consented qualifications."""

from __future__ import annotations

from typing import Any

from django import template

from circlewise.circles.models import Role

from .. import permissions
from ..models import Selection, Step

register = template.Library()


@register.inclusion_tag("selections/includes/role_selection.html", takes_context=True)
def role_selection(context: template.Context, role: Role, current: list[Any]) -> dict[str, Any]:
    """`{% role_selection role current %}`: the role's selections, for whoever sees its circle,
    and, for the holder of a current term, the way to step down."""
    user = context["request"].user
    found = list(
        Selection.objects.filter(role=role)
        .exclude(step=Step.CANCELLED)
        .select_related("outcome__holder")
        .order_by("-created_at", "-pk")[:2]
    )
    under_way = next((s for s in found if s.is_open), None)
    last = next((s for s in found if s.step == Step.COMPLETED), None)
    return {
        "organisation": context["organisation"],
        "circle": role.circle,
        "role": role,
        "under_way": under_way,
        "last": last,
        "can_start": under_way is None and permissions.can_start_selection(user, role),
        "mine": next((a for a in current if permissions.can_step_down(user, a)), None),
    }
