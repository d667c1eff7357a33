"""The review's pages: starting one from one's own role, each step's form, bad input refused
with a message and nothing changed."""

from django.urls import reverse

from circlewise.reviews.models import Feedback, Review, Reviewer, Step

from .helpers import fay_term, in_rounds, started


def _act(review):
    return reverse("reviews:review_act", args=["willow", review.pk])


def test_the_holder_starts_a_review_from_the_role(world, client):
    # given Fay on her role's page
    client.force_login(world.facilitator)
    term = fay_term(world)
    role_page = client.get(reverse("circles:role_detail", args=["willow", "garden", term.role_id]))
    start = reverse("reviews:review_start", args=["willow", "garden", term.pk])
    assert start in role_page.content.decode()
    # when she starts a review facilitated by Ada
    answer = client.post(start, {"facilitator": world.admin.pk})
    # then she is on the review's page
    review = Review.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("reviews:review_detail", args=["willow", review.pk])


def test_someone_else_cannot_start_a_review_of_her_term(world, client):
    client.force_login(world.circle_member)
    start = reverse("reviews:review_start", args=["willow", "garden", fay_term(world).pk])
    assert client.get(start).status_code == 403
    assert client.post(start, {"facilitator": world.admin.pk}).status_code == 403
    assert not Review.objects.exists()


def test_a_start_without_a_facilitator_is_refused_with_a_message(world, client):
    client.force_login(world.facilitator)
    start = reverse("reviews:review_start", args=["willow", "garden", fay_term(world).pk])
    answer = client.post(start, {})
    assert answer.status_code == 400
    assert "Choose who facilitates the review." in answer.content.decode()
    assert not Review.objects.exists()


def test_the_focus_person_asks_a_reviewer_grouped_by_circle(world, client):
    review = started(world, reviewers=(world.circle_member,))
    Reviewer.objects.all().delete()
    client.force_login(world.facilitator)
    page = client.get(reverse("reviews:review_detail", args=["willow", review.pk])).content.decode()
    assert '<optgroup label="Garden">' in page and "Cy Circle" in page
    answer = client.post(_act(review), {"action": "add_reviewer", "person": world.circle_member.pk})
    assert answer.status_code == 302
    assert Reviewer.objects.filter(review=review, person=world.circle_member).exists()


def test_a_reviewer_gives_feedback_through_the_guided_form(world, client):
    review = in_rounds(world)
    client.force_login(world.circle_member)
    page = client.get(reverse("reviews:review_detail", args=["willow", review.pk])).content.decode()
    assert "Name one specific thing that went well" in page
    answer = client.post(_act(review), {"action": "feedback", "feedback-text": "Clear agendas."})
    assert answer.status_code == 302
    review.refresh_from_db()
    assert Feedback.objects.get().text == "Clear agendas." and review.step == Step.COULD_BE_BETTER


def test_empty_feedback_is_refused_on_the_page_and_nothing_changes(world, client):
    review = in_rounds(world)
    client.force_login(world.circle_member)
    answer = client.post(_act(review), {"action": "feedback", "feedback-text": ""})
    assert answer.status_code == 400
    assert "Write something first." in answer.content.decode()
    assert not Feedback.objects.exists()


def test_an_unknown_action_is_refused(world, client):
    review = started(world)
    client.force_login(world.facilitator)
    answer = client.post(_act(review), {"action": "explode"})
    assert answer.status_code == 400 and "Choose what to do." in answer.content.decode()


def test_a_step_not_for_now_is_refused_with_its_reason(world, client):
    review = started(world)
    client.force_login(world.admin)
    answer = client.post(_act(review), {"action": "move_on"})
    assert answer.status_code == 409
    assert "speaks first" in answer.content.decode()


def test_what_needs_me_lists_the_feedback_asked_of_the_reviewer_only(world, client):
    # given Fay's review in its first round, Cy asked
    review = in_rounds(world)
    link = reverse("reviews:review_detail", args=["willow", review.pk])
    needs = reverse("decisions:needs_me", args=["willow"])
    # then Cy's "what needs me" asks for her feedback, and Mo's and Fay's do not list it
    client.force_login(world.circle_member)
    assert link in client.get(needs).content.decode()
    for other in (world.member, world.facilitator):
        client.force_login(other)
        assert link not in client.get(needs).content.decode()
