"""How people hear of a review: its own two kinds of notification (what asks for their part, and
how it goes), chosen like any other; the notifications and emails said to their reader, naming
what happened to which review; nothing anyone wrote in them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from circlewise.notifications import services as notifications
from circlewise.notifications.models import KIND_OF_VERB, Kind, Notification
from circlewise.notifications.selectors import said_to
from circlewise.reviews import feed, services, services_plan
from tests.notifications.conftest import Inbox

from .helpers import fay_term

WENT_WELL = "Quietlyunusualword came early."
ROLE = "Facilitator of Garden"


def _of_kind(inbox: Inbox, address: str, kind: Kind) -> list:
    return [r for r in inbox.to(address) if r.message["X-Circlewise-Kind"] == kind]


def _subject(received) -> str:
    return " ".join(str(received.message["Subject"]).split())  # unfolded


def _subjects(inbox: Inbox, address: str) -> list[str]:
    return [_subject(r) for r in inbox.to(address)]


def test_every_review_verb_has_one_of_the_two_review_kinds():
    # given every verb the reviews describe
    kinds = {KIND_OF_VERB[verb] for verb in feed.DESCRIBERS}
    # then each is filed under the reviews' own kinds, and what asks comes at once
    assert kinds == {Kind.REVIEW_STEP, Kind.REVIEW}
    assert KIND_OF_VERB["review.reviewer_added"] == Kind.REVIEW_STEP
    assert KIND_OF_VERB["review.feedback_given"] == Kind.REVIEW


def test_who_is_asked_hears_at_once_in_words_said_to_them(
    world, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Fay starting a review of her work as Garden's facilitator, Ada facilitating
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    with django_capture_on_commit_callbacks(execute=True):
        review = services.start_review(assignment=fay_term(world), actor=fay, facilitator=ada)
        # when she asks Cy, speaks first, and Ada opens the first round
        services.add_reviewer(review=review, person=cy, actor=fay)
        services.write_opening(review=review, actor=fay, text="Time is short.")
        services.move_on(review=review, actor=ada)
    # then Ada is asked to facilitate, and told she may open the rounds
    assert _subjects(smtp, ada.email) == [
        f"Fay Facilitator asked you to facilitate their review as {ROLE}",
        f"Fay Facilitator wrote the opening words of their review as {ROLE}",
    ]
    asked = _of_kind(smtp, ada.email, Kind.REVIEW_STEP)[0]
    assert "You open the rounds of feedback, once Fay Facilitator has written" in asked.part(
        "text/plain"
    )
    # and Cy is asked to review, then asked for her feedback in the round
    assert _subjects(smtp, cy.email) == [
        f"Fay Facilitator asked you to review their work as {ROLE}",
        f"Ada Admin opened the round on what went well in Fay Facilitator's review as {ROLE}",
    ]
    round_mail = _of_kind(smtp, cy.email, Kind.REVIEW_STEP)[1]
    text = round_mail.part("text/plain")
    assert "opened the round on what went well in Fay Facilitator" in text
    assert "Give your feedback in this round" in text
    assert f"/o/willow/reviews/{review.pk}/" in text
    assert "Stop emails about “Role reviews asking for your part”" in text
    # and Fay hears of nothing she did herself
    assert _subjects(smtp, fay.email) == []


def test_feedback_on_ones_work_waits_for_the_digest_and_never_carries_its_words(
    world, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Fay's review in its first round, Cy asked
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    review = services.start_review(assignment=fay_term(world), actor=fay, facilitator=ada)
    services.add_reviewer(review=review, person=cy, actor=fay)
    services.write_opening(review=review, actor=fay, text="Time is short.")
    services.move_on(review=review, actor=ada)
    # when Cy gives her feedback
    with django_capture_on_commit_callbacks(execute=True):
        services.give_feedback(review=review, author=cy, text=WENT_WELL)
    # then Fay is told in the app, in words said to her, and not emailed (news: the digest)
    notification = Notification.objects.get(recipient=fay, event__verb="review.feedback_given")
    said = said_to(fay, notification.event)
    assert said.text == f"Cy Circle gave feedback on what went well in your review as {ROLE}."
    assert said.url == f"/o/willow/reviews/{review.pk}/"
    assert _of_kind(smtp, fay.email, Kind.REVIEW) == []
    # and the round that opened by itself asks Cy again, and nobody's email holds the words
    assert _subjects(smtp, cy.email) == [
        "Every reviewer has said what went well: the round on what could be better is open in "
        f"Fay Facilitator's review as {ROLE}"
    ]
    assert all("Quietlyunusualword" not in r.part("text/plain") for r in smtp.received)


def test_someone_who_turned_review_emails_off_still_finds_them_in_the_app(
    world, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Cy, who wants no email of role reviews asking for her part
    cy, fay = world.circle_member, world.facilitator
    notifications.set_email_preferences(
        user=cy, organisation=world.org, choices={Kind.REVIEW_STEP: "off"}
    )
    review = services.start_review(assignment=fay_term(world), actor=fay, facilitator=world.admin)
    # when Fay asks her to review
    with django_capture_on_commit_callbacks(execute=True):
        services.add_reviewer(review=review, person=cy, actor=fay)
    # then no email comes, and the notification is there, said to her
    assert smtp.to(cy.email) == []
    notification = Notification.objects.get(recipient=cy, event__verb="review.reviewer_added")
    assert said_to(cy, notification.event).text == (
        f"Fay Facilitator asked you to review their work as {ROLE}."
    )


def test_the_plan_asks_everyone_to_answer_and_an_objection_asks_for_an_amendment(
    world, smtp: Inbox, django_capture_on_commit_callbacks
):
    # given Fay's review at its plan, Cy the reviewer, Ada facilitating
    from .helpers import at_plan

    review = at_plan(world)
    fay, ada, cy = world.facilitator, world.admin, world.circle_member
    services.agree_areas(review=review, actor=fay, text="Breaks.")
    until = timezone.localdate() + dt.timedelta(days=60)
    # when Ada proposes the plan and Cy objects
    with django_capture_on_commit_callbacks(execute=True):
        services_plan.propose_plan(review=review, actor=ada, text="A break.", until=until)
        services_plan.answer_plan(review=review, person=cy, consents=False, reason="Too long.")
    # then Fay and Cy are asked to answer the plan, in words said to each
    assert f"Ada Admin proposed an improvement plan in your review as {ROLE}" in _subjects(
        smtp, fay.email
    )
    proposed = f"Ada Admin proposed an improvement plan in Fay Facilitator's review as {ROLE}"
    assert proposed in _subjects(smtp, cy.email)
    mail = next(r for r in smtp.to(cy.email) if _subject(r) == proposed)
    assert "Read the plan and answer it" in mail.part("text/plain")
    # and the objection asks Fay and Ada to amend it, without its reason in the email
    objected = [r for r in smtp.received if "objected to the plan" in _subject(r)]
    assert sorted(_subject(r) for r in objected) == [
        f"Cy Circle objected to the plan in Fay Facilitator's review as {ROLE}",
        f"Cy Circle objected to the plan in your review as {ROLE}",
    ]
    assert all("Too long." not in r.part("text/plain") for r in smtp.received)
    assert all("amend the plan" in r.part("text/plain") for r in objected)
