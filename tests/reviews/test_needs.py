"""What needs me: a review's step waiting for the viewer (feedback in the round open now, a plan
to answer, the focus person's and the facilitator's steps) is on their "what needs me" page,
counted in the navigation and listed in their daily digest, the same in all three."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from circlewise.notifications.digests import send_digest
from circlewise.notifications.models import Frequency
from circlewise.reviews import services, services_plan
from circlewise.reviews.models import Review
from tests.notifications.conftest import Inbox

from .. import factories as f
from .helpers import at_plan, fay_term

NEEDS = reverse("decisions:needs_me", args=["willow"])
COUNT = reverse("decisions:needs_me_count", args=["willow"])


def _listed(client, person) -> list[str]:
    """The review rows of the person's "what needs me" page, by what each asks."""
    client.force_login(person)
    page = client.get(NEEDS).content.decode()
    return re.findall(r'data-need="(review_[a-z_]+)"', page)


def _count(client, person) -> int:
    client.force_login(person)
    shown = re.search(r"</span>(\d+)<span", client.get(COUNT).content.decode())
    return int(shown.group(1)) if shown else 0


def _review_steps(world, client, review: Review) -> dict[str, list[str]]:
    people = {"fay": world.facilitator, "ada": world.admin, "cy": world.circle_member}
    return {name: _listed(client, p) for name, p in people.items()}


def test_each_step_is_listed_and_counted_for_whoever_takes_it(world, client):
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    # given Fay's review just started, Ada facilitating
    review = services.start_review(assignment=fay_term(world), actor=fay, facilitator=ada)
    # then Fay is asked to ask reviewers and speak first; nobody else has a step
    assert _review_steps(world, client, review) == {"fay": ["review_begin"], "ada": [], "cy": []}
    # when she asks Cy and writes her opening words
    services.add_reviewer(review=review, person=cy, actor=fay)
    services.write_opening(review=review, actor=fay, text="Time is short.")
    # then it is Ada's step to open the first round
    assert _review_steps(world, client, review) == {
        "fay": [],
        "ada": ["review_move_on"],
        "cy": [],
    }
    assert (_count(client, ada), _count(client, fay)) == (1, 0)
    # when she does, Cy's feedback is asked, and counted
    services.move_on(review=review, actor=ada)
    assert _review_steps(world, client, review) == {"fay": [], "ada": [], "cy": ["review_feedback"]}
    assert _count(client, cy) == 1


def test_the_plan_steps_go_to_whoever_takes_them_until_the_facilitator_completes(world, client):
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    # given Fay's review at its plan step
    review = at_plan(world)
    # then Fay summarises first; the areas are Fay's or Ada's to write down
    steps = _review_steps(world, client, review)
    assert steps == {"fay": ["review_summary"], "ada": ["review_areas"], "cy": []}
    # when Fay summarises and writes down the areas, and Ada proposes the plan
    services.write_summary(review=review, actor=fay, text="I heard: breaks.")
    services.agree_areas(review=review, actor=fay, text="Breaks.")
    until = timezone.localdate() + dt.timedelta(days=30)
    services_plan.propose_plan(review=review, actor=ada, text="A break.", until=until)
    # then Fay and Cy are asked to answer it
    assert _review_steps(world, client, review) == {
        "fay": ["review_plan"],
        "ada": [],
        "cy": ["review_plan"],
    }
    # when Cy objects, the plan is Fay's and Ada's to amend (and still Fay's to answer)
    services_plan.answer_plan(review=review, person=cy, consents=False, reason="Too long.")
    assert _review_steps(world, client, review) == {
        "fay": ["review_plan", "review_amend"],
        "ada": ["review_amend"],
        "cy": [],
    }
    assert _count(client, fay) == 2
    # when it is amended and everyone consents, completing it is Ada's step alone
    services_plan.amend_plan(review=review, actor=ada, text="A short break.", until=until)
    for person in (cy, fay):
        services_plan.answer_plan(review=review, person=person, consents=True)
    assert _review_steps(world, client, review) == {
        "fay": [],
        "ada": ["review_complete"],
        "cy": [],
    }
    # and once she has, nothing of the review needs anyone
    services.complete_review(review=review, actor=ada)
    assert _review_steps(world, client, review) == {"fay": [], "ada": [], "cy": []}
    assert [_count(client, p) for p in (fay, ada, cy)] == [0, 0, 0]


def test_the_count_moves_for_a_reviewer_from_another_circle(world, client):
    # given Bo, in Care only (a circle Fay works with), asked to review Fay's work in Garden
    fay = world.facilitator
    bo = f.join(world.org, name="Bo Care")
    f.add(world.care, bo, fay)
    review = services.start_review(assignment=fay_term(world), actor=fay, facilitator=world.admin)
    services.add_reviewer(review=review, person=bo, actor=fay)
    services.write_opening(review=review, actor=fay, text="Time is short.")
    # when his count is read (and kept) before the round, and again once it opens
    before = _count(client, bo)
    services.move_on(review=review, actor=world.admin)
    after = _count(client, bo)
    # then the count kept on the version of his circles moved with the review's circle
    assert (before, after) == (0, 1)
    assert _listed(client, bo) == ["review_feedback"]


def test_nobody_outside_the_review_has_its_steps_listed_or_counted(world, client):
    # given a review at its plan, and Mo, a member, and Garden's other members
    at_plan(world)
    # then Mo's page lists no review and counts none
    assert _listed(client, world.member) == []
    assert _count(client, world.member) == 0


def test_the_daily_digest_lists_what_the_reviews_ask_with_links(world, smtp: Inbox):
    # given Fay's review in its first round, Cy asked for her feedback
    from .helpers import in_rounds

    review = in_rounds(world)
    cy = world.circle_member
    # when Cy's daily digest is sent
    outcome = send_digest(
        user=cy, organisation=world.org, frequency=Frequency.DAILY, now=timezone.now()
    )
    # then it names the feedback asked of her and leads to the review
    assert outcome == "sent"
    (mail,) = smtp.to(cy.email)
    text = mail.part("text/plain")
    assert "Your feedback on “What went well” in Fay Facilitator’s review as Facilitator" in text
    assert f"https://willow.example.org/o/willow/reviews/{review.pk}/" in text
    assert "1 thing needs you" in " ".join(str(mail.message["Subject"]).split())
