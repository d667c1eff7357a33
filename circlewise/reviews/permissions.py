"""Who may see and do what in a role improvement review.

A review, everything written in it and even that it exists are seen only by its three kinds of
party: the focus person (the role holder under review), its reviewers and its facilitator, each
while they are in the organisation and may see the role's circle. Everyone else (the circle's
other members, organisation admins, other organisations) is told nothing: 404 for the review's
pages and partials, and it is in none of their lists. What the circle sees is the consented plan
of a completed review, on the role (`can_view_plan_on_role`).

The focus person starts the review (holding the role now), chooses the reviewers and writes the
opening words and the summary; reviewers give feedback; the focus person or the facilitator
writes down the agreed areas and proposes or amends the plan; every reviewer and the focus
person answer it; the facilitator moves the review on and completes it.

Whatever a person may not see is missing (404); what they see but may not do is forbidden (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation, RoleAssignment
from circlewise.core.errors import ServiceError

from .models import Review

if TYPE_CHECKING:
    from circlewise.core.types import Viewer

ReviewNeed = Literal["view", "focus", "feedback", "facilitate", "answer", "plan"]


def reviewer_ids(review: Review) -> set[int]:
    """The review's reviewers, read once per review object."""
    cached: set[int] | None = getattr(review, "_reviewer_ids", None)
    if cached is None:
        cached = set(review.reviewers.values_list("person_id", flat=True))
        review._reviewer_ids = cached  # type: ignore[attr-defined]
    return cached


def forget_reviewers(review: Review) -> None:
    if hasattr(review, "_reviewer_ids"):
        del review._reviewer_ids


def _in_good_standing(user: Viewer, review: Review) -> bool:
    return circle_permissions.is_person(user) and circle_permissions.can_view_circle(
        user, review.circle
    )


def is_focus(user: Viewer, review: Review) -> bool:
    return _in_good_standing(user, review) and user.pk == review.focus_id


def is_reviewer(user: Viewer, review: Review) -> bool:
    return _in_good_standing(user, review) and user.pk in reviewer_ids(review)


def is_review_facilitator(user: Viewer, review: Review) -> bool:
    return _in_good_standing(user, review) and user.pk == review.facilitator_id


def can_view_review(user: Viewer, review: Review) -> bool:
    """The focus person, the reviewers and the facilitator: nobody else, admins neither."""
    return (
        is_focus(user, review) or is_reviewer(user, review) or is_review_facilitator(user, review)
    )


def can_answer_plan(user: Viewer, review: Review) -> bool:
    """Every reviewer and the focus person consent to the plan."""
    return is_focus(user, review) or is_reviewer(user, review)


def can_write_plan(user: Viewer, review: Review) -> bool:
    """The focus person or the facilitator writes down the areas and the plan agreed together."""
    return is_focus(user, review) or is_review_facilitator(user, review)


def can_start_review(user: Viewer, assignment: RoleAssignment) -> bool:
    """The person holding the role now, in a circle they see that is still active."""
    circle = assignment.role.circle
    return (
        circle_permissions.is_person(user)
        and user.pk == assignment.holder_id
        and assignment.ended_on is None
        and assignment.role.archived_at is None
        and not circle.is_archived
        and circle_permissions.can_view_circle(user, circle)
    )


def can_view_plan_on_role(user: Viewer, circle: Circle) -> bool:
    """A completed review's consented plan is shown on its role to whoever sees the circle."""
    return circle_permissions.can_view_circle(user, circle)


REVIEW_NEEDS: dict[ReviewNeed, Callable[[Any, Review], bool]] = {
    "view": can_view_review,
    "focus": is_focus,
    "feedback": is_reviewer,
    "facilitate": is_review_facilitator,
    "answer": can_answer_plan,
    "plan": can_write_plan,
}


def get_review_for(user: Viewer, review_id: int, *, need: ReviewNeed = "view") -> Review:
    review = (
        Review.objects.select_related(
            "circle__organisation", "role", "assignment", "focus", "facilitator"
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404
    circle_permissions.prime_permissions(user, review.circle.organisation)
    if not can_view_review(user, review):
        raise Http404
    if not REVIEW_NEEDS[need](user, review):
        raise PermissionDenied
    return review


def get_assignment_to_review_for(
    user: Viewer, organisation: Organisation, circle: Circle, assignment_id: int
) -> RoleAssignment:
    """The term whose holder starts a review of it: 404 where the circle does not hold it or
    the person may not see it, 403 for anyone but its holder."""
    assignment = (
        RoleAssignment.objects.select_related("role__circle__organisation", "holder")
        .filter(pk=assignment_id, role__circle=circle)
        .first()
    )
    if assignment is None or not circle_permissions.can_view_circle(user, assignment.role.circle):
        raise Http404
    if not can_start_review(user, assignment):
        raise PermissionDenied
    return assignment


# Rules the services check, read afresh inside their transaction -------------------------------


def _fresh(user: Any) -> Any:
    """The person with nothing remembered from before this transaction."""
    from circlewise.accounts.models import User

    return User.objects.get(pk=user.pk)


def _fresh_review(review: Review) -> Review:
    forget_reviewers(review)
    return review


def require(need: ReviewNeed, user: Viewer, review: Review) -> None:
    """Refuse with a sentence unless the person may do this in the review."""
    if REVIEW_NEEDS[need](_fresh(user), _fresh_review(review)):
        return
    if not can_view_review(_fresh(user), review):
        raise ServiceError(_("There is no such review."), status=404)
    sentences = {
        "focus": _("Only %(name)s, whose review it is, can do this."),
        "feedback": _("Only the reviewers %(name)s asked give feedback in this review."),
        "facilitate": _("Only the review's facilitator can do this."),
        "answer": _("Only the reviewers and %(name)s answer the plan."),
        "plan": _("Only %(name)s or the review's facilitator write down the areas and the plan."),
    }
    text = sentences.get(need, _("You may not do this in this review."))
    raise ServiceError(text % {"name": review.focus.name}, status=403)


def require_start(user: Viewer, assignment: RoleAssignment) -> None:
    if not can_start_review(_fresh(user), assignment):
        raise ServiceError(
            _("Only %(name)s, who holds this role now, can start a review of it.")
            % {"name": assignment.holder.name},
            status=403,
        )
