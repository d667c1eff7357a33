"""The reviews' hooks in the circles' pages: on a role, its consented improvement plan (for
whoever sees the circle) and, for its holder, the way to start a review; on a person's page,
their reviews that the viewer takes part in (nobody else sees that a review exists). What the
reviews ask of the person on "what needs me" is read by selectors.needs_of."""

from __future__ import annotations

from typing import Any

from django import template

from circlewise.circles.models import Role

from .. import permissions, selectors

register = template.Library()


@register.inclusion_tag("reviews/includes/role_plan.html", takes_context=True)
def role_plan(context: template.Context, role: Role, current: list[Any]) -> dict[str, Any]:
    """`{% role_plan role current %}`: the role's plan, and "Review my work" for its holder."""
    user = context["request"].user
    plan = (
        selectors.plan_on_role(role)
        if permissions.can_view_plan_on_role(user, role.circle)
        else None
    )
    mine = [a for a in current if permissions.can_start_review(user, a)]
    return {
        "organisation": context["organisation"],
        "circle": role.circle,
        "plan": plan,
        "mine": mine[0] if mine else None,
    }


@register.inclusion_tag("reviews/includes/person_reviews.html", takes_context=True)
def person_reviews(context: template.Context, person: Any) -> dict[str, Any]:
    """`{% person_reviews person %}`: the person's reviews the viewer takes part in."""
    user = context["request"].user
    organisation = context["organisation"]
    return {
        "organisation": organisation,
        "reviews": selectors.reviews_seen_by(user, organisation, of=person),
        "is_me": context.get("is_me", False),
    }
