"""The reviews' API operations, for the table in tests/api/operations.py: each builds a request
about Fay's review of her work as Garden's facilitator, which Ada (the admin) facilitates and Cy
reviews, so that the admin's token reads it. Who may use each: "review_party" (the focus person,
reviewers and facilitator), "review_focus", "reviewer", "review_writer" (focus or facilitator),
"review_answerer" (reviewers and focus), "review_facilitator"; "role_holder" starts one;
"org_member" lists one's own."""

from __future__ import annotations

from typing import Any

from tests.api.operations import Op
from tests.conftest import World

from .helpers import fay_term, started


def _req(method: str, path: str, body: Any = None) -> tuple[str, str, Any]:
    return method, path, body


def _review(w: World, c: Any) -> int:
    """The review under way, started on first use (a test may build several requests)."""
    from circlewise.reviews.models import Review

    found = Review.objects.filter(assignment=fay_term(w), completed_at__isnull=True).first()
    return found.pk if found is not None else started(w).pk


TEXT = {"text": "Words."}

REVIEW_OPS: tuple[Op, ...] = (
    Op(
        "listMyReviews",
        "org_member",
        lambda w, c: _req("GET", f"/organisations/{w.org.slug}/reviews"),
    ),
    Op(
        "startReview",
        "role_holder",
        lambda w, c: _req(
            "POST", f"/assignments/{fay_term(w).pk}/reviews", {"facilitator_id": w.admin.pk}
        ),
    ),
    Op("getReview", "review_party", lambda w, c: _req("GET", f"/reviews/{_review(w, c)}")),
    Op(
        "addReviewer",
        "review_focus",
        lambda w, c: _req(
            "POST", f"/reviews/{_review(w, c)}/reviewers", {"person_id": w.member.pk}
        ),
    ),
    Op(
        "removeReviewer",
        "review_focus",
        lambda w, c: _req("DELETE", f"/reviews/{_review(w, c)}/reviewers/{w.circle_member.pk}"),
    ),
    Op(
        "writeReviewOpening",
        "review_focus",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/opening", TEXT),
    ),
    Op(
        "moveReviewOn",
        "review_facilitator",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/move-on"),
    ),
    Op(
        "giveReviewFeedback",
        "reviewer",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/feedback", TEXT),
    ),
    Op(
        "sayHowLastPlanWent",
        "review_answerer",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/last-plan", TEXT),
    ),
    Op(
        "writeReviewSummary",
        "review_focus",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/summary", TEXT),
    ),
    Op(
        "agreeReviewAreas",
        "review_writer",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/areas", TEXT),
    ),
    Op(
        "proposeReviewPlan",
        "review_writer",
        lambda w, c: _req(
            "POST", f"/reviews/{_review(w, c)}/plan", {"text": "A plan.", "until": "2031-01-01"}
        ),
    ),
    Op(
        "answerReviewPlan",
        "review_answerer",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/plan/answer", {"answer": "consent"}),
    ),
    Op(
        "completeReview",
        "review_facilitator",
        lambda w, c: _req("POST", f"/reviews/{_review(w, c)}/complete"),
    ),
)

REVIEW_METHODS = {
    "listMyReviews": "GET",
    "startReview": "POST",
    "getReview": "GET",
    "addReviewer": "POST",
    "removeReviewer": "DELETE",
    "writeReviewOpening": "POST",
    "moveReviewOn": "POST",
    "giveReviewFeedback": "POST",
    "sayHowLastPlanWent": "POST",
    "writeReviewSummary": "POST",
    "agreeReviewAreas": "POST",
    "proposeReviewPlan": "POST",
    "answerReviewPlan": "POST",
    "completeReview": "POST",
}
