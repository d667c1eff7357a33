"""The reviews' API: the same rules and services as the pages."""

import datetime as dt

from django.utils import timezone

from circlewise.reviews.models import Review, Step

from .helpers import at_plan, fay_term, in_rounds


def test_the_holder_starts_a_review_through_the_api(world, client):
    client.force_login(world.facilitator)
    answer = client.post(
        f"/api/v1/assignments/{fay_term(world).pk}/reviews",
        {"facilitator_id": world.admin.pk},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert answer.json()["step"] == "reviewers" and Review.objects.count() == 1


def test_a_reviewer_gives_feedback_and_the_outsider_gets_404(world, client):
    review = in_rounds(world)
    url = f"/api/v1/reviews/{review.pk}/feedback"
    client.force_login(world.outsider)
    assert client.post(url, {"text": "x"}, content_type="application/json").status_code == 404
    client.force_login(world.facilitator)  # the focus person gives no feedback
    assert client.post(url, {"text": "x"}, content_type="application/json").status_code == 403
    client.force_login(world.circle_member)
    answer = client.post(url, {"text": "Calm."}, content_type="application/json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["step"] == "could_be_better" and body["feedback"][0]["text"] == "Calm."


def test_the_plan_through_the_api(world, client):
    review = at_plan(world)
    client.force_login(world.facilitator)
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    post = lambda path, body: client.post(  # noqa: E731
        f"/api/v1/reviews/{review.pk}/{path}", body, content_type="application/json"
    )
    assert post("plan", {"text": "A", "until": until}).status_code == 409  # no areas yet
    assert post("areas", {"text": "Breaks."}).status_code == 200
    assert post("plan", {"text": "A", "until": until}).status_code == 200
    assert post("plan/answer", {"answer": "objection"}).status_code == 400
    assert post("plan/answer", {"answer": "consent"}).json()["plan"]["answers"][0]["answer"] == (
        "consent"
    )
    client.force_login(world.circle_member)
    assert post("plan/answer", {"answer": "consent"}).json()["plan"]["consented_at"]
    review.refresh_from_db()
    assert review.step == Step.PLAN
