"""Feedback and everything written in a review are seen by its focus person, its reviewers and
its facilitator only: nobody else finds the review, on a page, in a list, a feed, a notification,
the API or the ledger."""

import json

from django.urls import reverse

from circlewise.core import feed
from circlewise.core.models import LedgerEvent
from circlewise.notifications.models import Notification
from circlewise.reviews.models import Step

from .. import factories as f
from .helpers import at_plan, completed

SECRET = "Quietlyunusualword"


def _pages(review):
    org = review.circle.organisation.slug
    return [
        reverse("reviews:review_detail", args=[org, review.pk]),
        f"/api/v1/reviews/{review.pk}",
    ]


def test_the_review_is_missing_for_everyone_not_taking_part(world, client):
    # given Fay's review, Cy reviewing and Ada facilitating; Bo is in Garden too
    review = at_plan(world, went_well=SECRET)
    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    # when people outside it ask for its page, its htmx partial and the API
    for outsider in (bo, world.member, world.outsider):
        client.force_login(outsider)
        for url in _pages(review):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                answer = client.get(url, **headers)
                # then it is not found, and the words are nowhere
                assert answer.status_code == 404, (outsider, url)
                assert SECRET not in answer.content.decode()


def test_an_org_admin_outside_the_review_does_not_see_it(world, client):
    # given a review Ada (the admin) takes no part in: Cy facilitates... Bo reviews
    from circlewise.reviews import services

    from .helpers import fay_term

    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    review = services.start_review(
        assignment=fay_term(world), actor=world.facilitator, facilitator=world.circle_member
    )
    client.force_login(world.admin)
    # then Ada gets 404 for it, and it is not in her list
    for url in _pages(review):
        assert client.get(url).status_code == 404
    mine = client.get(reverse("reviews:my_reviews", args=["willow"])).content.decode()
    assert reverse("reviews:review_detail", args=["willow", review.pk]) not in mine
    assert client.get("/api/v1/organisations/willow/reviews").json() == []


def test_those_taking_part_read_the_feedback(world, client):
    review = at_plan(world, went_well=SECRET)
    for party in (world.facilitator, world.circle_member, world.admin):
        client.force_login(party)
        for url in _pages(review):
            answer = client.get(url)
            assert answer.status_code == 200 and SECRET in answer.content.decode()


def test_no_ledger_event_holds_what_was_written(world):
    # given a completed review, every text in it the secret word
    completed(world, went_well=SECRET, better=SECRET + "Too")
    events = LedgerEvent.objects.filter(verb__startswith="review.")
    assert events.count() >= 10
    # then no payload and no sentence holds any of it
    for event in events:
        assert SECRET not in json.dumps(event.payload)
        assert SECRET not in feed.sentence(event).html
        assert "breaks" not in json.dumps(event.payload).lower()
    # and every event is out of the feeds
    assert {e.verb for e in events} <= feed.HIDDEN_VERBS


def test_the_circles_feed_and_the_ledger_export_leave_the_review_out(world, client):
    completed(world, went_well=SECRET)
    client.force_login(world.circle_member)  # a reviewer, even
    for url in ("/o/willow/feed/", "/o/willow/c/garden/feed/", "/o/willow/feed/export/"):
        answer = client.get(url)
        body = b"".join(answer.streaming_content) if answer.streaming else answer.content
        assert b"review." not in body and b"s review of" not in body, url
    client.force_login(world.member)
    export = b"".join(client.get("/o/willow/feed/export/").streaming_content)
    assert b'"review.' not in export


def test_the_focus_person_is_told_when_feedback_arrives_without_its_words(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        at_plan(world, went_well=SECRET)
    told = Notification.objects.filter(
        recipient=world.facilitator, event__verb="review.feedback_given"
    )
    assert told.count() == 2
    said = {feed.sentence(n.event).text for n in told}
    assert (
        "Cy Circle gave feedback on what went well in Fay Facilitator's review of Facilitator."
        in said
    )
    # and the reviewer was told they were asked, and when the round opened
    asked = Notification.objects.filter(recipient=world.circle_member).values_list(
        "event__verb", flat=True
    )
    assert {"review.reviewer_added", "review.moved_on"} <= set(asked)
    assert not Notification.objects.filter(recipient=world.member).exists()


def test_the_consented_plan_is_shown_on_the_role_to_the_circle_not_the_feedback(world, client):
    # given Fay's completed review
    review = completed(world, went_well=SECRET)
    assert review.step == Step.COMPLETED
    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    client.force_login(bo)
    # when Bo, in Garden but not in the review, opens the role
    page = client.get(
        reverse("circles:role_detail", args=["willow", "garden", review.role_id])
    ).content.decode()
    # then he reads the plan, and nothing else of the review
    assert "A break every hour." in page and "Evaluation cards." in page
    assert SECRET not in page and "I heard: breaks help." not in page
    assert reverse("reviews:review_detail", args=["willow", review.pk]) not in page


def test_a_persons_page_lists_only_the_reviews_the_viewer_takes_part_in(world, client):
    review = completed(world)
    url = reverse("circles:person_detail", args=["willow", world.facilitator.pk])
    link = reverse("reviews:review_detail", args=["willow", review.pk])
    client.force_login(world.circle_member)
    assert link in client.get(url).content.decode()
    client.force_login(world.member)
    assert link not in client.get(url).content.decode()
