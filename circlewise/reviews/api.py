"""API operations on role improvement reviews: the caller's reviews, starting one from one's own
term, reading one (only its focus person, reviewers and facilitator: 404 for anyone else), and
each step. The same permission functions and services as the pages."""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import RoleAssignment
from circlewise.core.api import responses
from circlewise.core.api_auth import auth_user
from circlewise.core.errors import ServiceError

from . import permissions, selectors, services, services_plan
from .models import ImprovementPlan, Review, Round
from .schemas import (
    AnswerIn,
    PlanIn,
    ReviewerIn,
    ReviewOut,
    ReviewSummaryOut,
    StartIn,
    TextIn,
)

router = Router(tags=["reviews"])


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.name, "pronouns": user.pronouns}


def _summary(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk, "role_id": review.role_id, "role_name": review.role.name,
        "circle_id": review.circle_id, "focus": _person(review.focus),
        "facilitator": _person(review.facilitator), "step": review.step,
        "meets_on": review.meets_on, "created_at": review.created_at,
        "completed_at": review.completed_at,
    }  # fmt: skip


def _plan(plan: ImprovementPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    answers = plan.answers.filter(version=plan.version).select_related("person")
    return {
        "version": plan.version, "text": plan.text, "measures": plan.measures,
        "until": plan.until, "consented_at": plan.consented_at,
        "answers": [
            {"person": _person(a.person), "answer": "consent" if a.consents else "objection",
             "reason": a.reason}
            for a in answers
        ],
    }  # fmt: skip


def _out(review_id: int, user: Any) -> dict[str, Any]:
    review = permissions.get_review_for(user, review_id)
    page = selectors.review_page(review)
    feedback = [f for items in page.feedback.values() for f in items]
    return {
        **_summary(review),
        "reviewers": [_person(p) for p in page.reviewers],
        "opening": review.opening, "summary": review.summary, "areas": review.areas,
        "feedback": [
            {"id": f.pk, "author": _person(f.author), "round": f.round, "text": f.text,
             "created_at": f.created_at}
            for f in sorted(feedback, key=lambda f: (f.created_at, f.pk))
        ],
        "plan": _plan(page.plan), "previous_plan": _plan(page.previous_plan),
    }  # fmt: skip


def _someone(review: Review, user_id: int, field: str) -> User:
    found = User.objects.filter(
        pk=user_id, org_memberships__organisation=review.circle.organisation
    ).first()
    if found is None:
        raise ServiceError(
            _("There is no one with id %(id)d in this organisation.") % {"id": user_id},
            field=field,
        )
    return found


@router.get(
    "/organisations/{slug}/reviews",
    response=responses(list[ReviewSummaryOut]),
    operation_id="listMyReviews",
    summary="The role improvement reviews the caller takes part in, newest first",
)
def list_reviews(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    user = auth_user(request)
    organisation = circle_permissions.get_organisation_for(user, slug)
    return [_summary(r) for r in selectors.reviews_seen_by(user, organisation)]


@router.post(
    "/assignments/{assignment_id}/reviews",
    response=responses(ReviewOut, 201),
    operation_id="startReview",
    summary="Start a review of your own work in a role you hold (its term), with a facilitator",
)
def start_review(
    request: HttpRequest, assignment_id: int, payload: StartIn
) -> Status[dict[str, Any]]:
    user = auth_user(request)
    assignment = (
        RoleAssignment.objects.select_related("role__circle__organisation")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404
    assignment = permissions.get_assignment_to_review_for(
        user, assignment.role.circle.organisation, assignment.role.circle, assignment_id
    )
    facilitator = User.objects.filter(
        pk=payload.facilitator_id,
        org_memberships__organisation=assignment.role.circle.organisation,
    ).first()
    if facilitator is None:
        raise ServiceError(
            _("There is no one with id %(id)d in this organisation.")
            % {"id": payload.facilitator_id},
            field="facilitator_id",
        )
    review = services.start_review(
        assignment=assignment, actor=user, facilitator=facilitator, meets_on=payload.meets_on
    )
    return Status(201, _out(review.pk, user))


@router.get(
    "/reviews/{review_id}",
    response=responses(ReviewOut),
    operation_id="getReview",
    summary="A review with its feedback and plan: for its focus person, reviewers and facilitator",
)
def get_review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    return _out(review_id, auth_user(request))


@router.post(
    "/reviews/{review_id}/reviewers",
    response=responses(ReviewOut),
    operation_id="addReviewer",
    summary="Ask someone from a circle you work with to review your work (the focus person)",
)
def add_reviewer(request: HttpRequest, review_id: int, payload: ReviewerIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="focus")
    someone = _someone(review, payload.person_id, "person_id")
    services.add_reviewer(review=review, person=someone, actor=user)
    return _out(review_id, user)


@router.delete(
    "/reviews/{review_id}/reviewers/{person_id}",
    response=responses(ReviewOut),
    operation_id="removeReviewer",
    summary="No longer ask a reviewer who has given no feedback yet (the focus person)",
)
def remove_reviewer(request: HttpRequest, review_id: int, person_id: int) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="focus")
    services.remove_reviewer(
        review=review, person=_someone(review, person_id, "person_id"), actor=user
    )
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/opening",
    response=responses(ReviewOut),
    operation_id="writeReviewOpening",
    summary="The focus person's opening words, before the rounds",
)
def write_opening(request: HttpRequest, review_id: int, payload: TextIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="focus")
    services.write_opening(review=review, actor=user, text=payload.text)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/move-on",
    response=responses(ReviewOut),
    operation_id="moveReviewOn",
    summary="Open the next step of the review (its facilitator)",
)
def move_on(request: HttpRequest, review_id: int) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="facilitate")
    services.move_on(review=review, actor=user)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/feedback",
    response=responses(ReviewOut),
    operation_id="giveReviewFeedback",
    summary="A reviewer's feedback in the round open now (what went well, what could be better)",
)
def give_feedback(request: HttpRequest, review_id: int, payload: TextIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="feedback")
    services.give_feedback(review=review, author=user, text=payload.text)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/last-plan",
    response=responses(ReviewOut),
    operation_id="sayHowLastPlanWent",
    summary="How the role's last plan went (the focus person and the reviewers)",
)
def last_plan(request: HttpRequest, review_id: int, payload: TextIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="answer")
    services.give_feedback(review=review, author=user, round=Round.LAST_PLAN, text=payload.text)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/summary",
    response=responses(ReviewOut),
    operation_id="writeReviewSummary",
    summary="The focus person's summary, last",
)
def write_summary(request: HttpRequest, review_id: int, payload: TextIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="focus")
    services.write_summary(review=review, actor=user, text=payload.text)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/areas",
    response=responses(ReviewOut),
    operation_id="agreeReviewAreas",
    summary="The areas to improve agreed (the focus person or the facilitator writes them down)",
)
def agree_areas(request: HttpRequest, review_id: int, payload: TextIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="plan")
    services.agree_areas(review=review, actor=user, text=payload.text)
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/plan",
    response=responses(ReviewOut),
    operation_id="proposeReviewPlan",
    summary="Propose the improvement plan, or amend it (a new version: everyone is asked again)",
)
def propose_plan(request: HttpRequest, review_id: int, payload: PlanIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="plan")
    exists = ImprovementPlan.objects.filter(review=review).exists()
    change = services_plan.amend_plan if exists else services_plan.propose_plan
    change(
        review=review, actor=user, text=payload.text, measures=payload.measures,
        until=payload.until,
    )  # fmt: skip
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/plan/answer",
    response=responses(ReviewOut),
    operation_id="answerReviewPlan",
    summary="Consent to the plan, or object with a reason (every reviewer and the focus person)",
)
def answer_plan(request: HttpRequest, review_id: int, payload: AnswerIn) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="answer")
    services_plan.answer_plan(
        review=review, person=user, consents=payload.answer == "consent", reason=payload.reason
    )
    return _out(review_id, user)


@router.post(
    "/reviews/{review_id}/complete",
    response=responses(ReviewOut),
    operation_id="completeReview",
    summary="Complete the review once summarised and its plan consented (its facilitator)",
)
def complete_review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    user = auth_user(request)
    review = permissions.get_review_for(user, review_id, need="facilitate")
    services.complete_review(review=review, actor=user)
    return _out(review_id, user)
