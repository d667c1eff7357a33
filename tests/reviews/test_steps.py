import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent
from circlewise.reviews import services, services_plan
from circlewise.reviews.models import Feedback, ImprovementPlan, Review, Reviewer, Step

from .. import factories as f
from .helpers import at_plan, completed, fay_term, in_rounds, started


def test_the_role_holder_starts_a_review_with_a_facilitator_and_a_date(world):
    # given Fay, Garden's facilitator
    on = timezone.localdate() + dt.timedelta(days=7)
    # when she starts a review of her work, facilitated by Ada
    review = services.start_review(
        assignment=fay_term(world), actor=world.facilitator, facilitator=world.admin, meets_on=on
    )
    # then it is hers, of her role, at its first step
    assert (review.focus, review.role.name, review.step) == (
        world.facilitator,
        "Facilitator",
        Step.REVIEWERS,
    )
    assert review.meets_on == on and review.facilitator == world.admin


def test_only_the_holder_starts_a_review_of_a_term(world):
    # when Cy tries to start a review of Fay's term
    with pytest.raises(ServiceError) as refused:
        services.start_review(
            assignment=fay_term(world), actor=world.circle_member, facilitator=world.admin
        )
    # then it is refused and nothing is made
    assert refused.value.status == 403
    assert not Review.objects.exists()


def test_nobody_facilitates_their_own_review(world):
    with pytest.raises(ServiceError) as refused:
        services.start_review(
            assignment=fay_term(world), actor=world.facilitator, facilitator=world.facilitator
        )
    assert refused.value.field == "facilitator"
    assert not Review.objects.exists()


def test_a_second_review_of_the_same_term_waits_for_the_first(world):
    started(world)
    with pytest.raises(ServiceError) as refused:
        services.start_review(
            assignment=fay_term(world), actor=world.facilitator, facilitator=world.admin
        )
    assert refused.value.status == 409
    assert Review.objects.count() == 1


def test_reviewers_come_from_the_circles_the_focus_person_works_with(world):
    # given Fay's review; Mo is in no circle of hers
    review = started(world)
    # when she asks Mo
    with pytest.raises(ServiceError) as refused:
        services.add_reviewer(review=review, person=world.member, actor=world.facilitator)
    # then it is refused, with the reason
    assert "not in a circle you work with" in refused.value.text
    assert list(Reviewer.objects.values_list("person", flat=True)) == [world.circle_member.pk]


def test_someone_in_another_circle_of_hers_may_be_asked(world):
    # given Fay is also a member of Orchard, where Bo is
    orchard = f.make_circle(world.org, "Orchard", parent=world.general)
    bo = f.join(world.org, name="Bo")
    f.add(orchard, world.facilitator, bo)
    review = started(world)
    # when she asks Bo
    services.add_reviewer(review=review, person=bo, actor=world.facilitator)
    # then Bo reviews her work too
    assert set(Reviewer.objects.values_list("person", flat=True)) == {world.circle_member.pk, bo.pk}


def test_the_rounds_open_after_the_opening_words(world):
    review = started(world)
    with pytest.raises(ServiceError) as refused:
        services.move_on(review=review, actor=world.admin)
    assert refused.value.status == 409 and "speaks first" in refused.value.text
    review.refresh_from_db()
    assert review.step == Step.REVIEWERS


def test_feedback_opens_the_next_round_once_every_reviewer_has_given_it(world):
    # given the first round open with Cy asked
    review = in_rounds(world)
    assert review.step == Step.WENT_WELL
    # when Cy gives what went well
    services.give_feedback(
        review=review, author=world.circle_member, round="went_well", text="Clear agendas."
    )
    # then the second round is open
    review.refresh_from_db()
    assert review.step == Step.COULD_BE_BETTER
    assert LedgerEvent.objects.filter(verb="review.moved_on", actor=None).exists()


def test_the_facilitator_moves_on_while_someone_has_not_answered(world):
    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    review = in_rounds(world, reviewers=(world.circle_member, bo))
    services.give_feedback(
        review=review, author=world.circle_member, round="went_well", text="Kind."
    )
    review.refresh_from_db()
    assert review.step == Step.WENT_WELL
    services.move_on(review=review, actor=world.admin)
    review.refresh_from_db()
    assert review.step == Step.COULD_BE_BETTER


def test_empty_feedback_is_refused_and_nothing_changes(world):
    review = in_rounds(world)
    with pytest.raises(ServiceError) as refused:
        services.give_feedback(
            review=review, author=world.circle_member, round="went_well", text="  "
        )
    assert "one specific thing" in refused.value.text
    assert not Feedback.objects.exists()


def test_feedback_once_per_round(world):
    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    review = in_rounds(world, reviewers=(world.circle_member, bo))
    services.give_feedback(
        review=review, author=world.circle_member, round="went_well", text="One."
    )
    with pytest.raises(ServiceError) as refused:
        services.give_feedback(
            review=review, author=world.circle_member, round="went_well", text="Two."
        )
    assert refused.value.status == 409
    assert Feedback.objects.count() == 1


def test_only_reviewers_give_feedback_and_only_in_the_round_open(world):
    review = in_rounds(world)
    with pytest.raises(ServiceError) as not_a_reviewer:
        services.give_feedback(review=review, author=world.admin, round="went_well", text="Hm.")
    with pytest.raises(ServiceError) as not_now:
        services.give_feedback(
            review=review, author=world.circle_member, round="could_be_better", text="Hm."
        )
    assert not_a_reviewer.value.status == 403 and not_now.value.status == 409
    assert not Feedback.objects.exists()


def test_an_objection_needs_a_reason_and_an_amended_plan_is_asked_again(world):
    # given a plan proposed after the areas
    review = at_plan(world)
    fay, cy = world.facilitator, world.circle_member
    services.agree_areas(review=review, actor=fay, text="Breaks.")
    until = timezone.localdate() + dt.timedelta(days=60)
    plan = services_plan.propose_plan(review=review, actor=fay, text="Breaks.", until=until)
    # when Cy objects without a reason, then with one
    with pytest.raises(ServiceError) as refused:
        services_plan.answer_plan(review=review, person=cy, consents=False)
    assert refused.value.field == "reason"
    services_plan.answer_plan(review=review, person=cy, consents=False, reason="Too vague.")
    services_plan.answer_plan(review=review, person=fay, consents=True)
    # then the plan is not consented; amended, everyone answers the new version
    plan.refresh_from_db()
    assert not plan.is_consented
    services_plan.amend_plan(
        review=review, actor=fay, text="A ten-minute break every hour.", until=until
    )
    services_plan.answer_plan(review=review, person=cy, consents=True)
    plan.refresh_from_db()
    assert plan.version == 2 and not plan.is_consented
    services_plan.answer_plan(review=review, person=fay, consents=True)
    plan.refresh_from_db()
    assert plan.is_consented


def test_a_plan_has_a_term_after_today(world):
    review = at_plan(world)
    services.agree_areas(review=review, actor=world.facilitator, text="Breaks.")
    with pytest.raises(ServiceError) as refused:
        services_plan.propose_plan(
            review=review, actor=world.facilitator, text="Breaks.", until=timezone.localdate()
        )
    assert refused.value.field == "until"
    assert not ImprovementPlan.objects.exists()


def test_the_review_completes_after_the_summary_and_the_consented_plan(world):
    review = at_plan(world)
    with pytest.raises(ServiceError) as refused:
        services.complete_review(review=review, actor=world.admin)
    assert "summarises last" in refused.value.text
    review.refresh_from_db()
    assert review.step == Step.PLAN


def test_a_completed_review_changes_no_more(world):
    review = completed(world)
    assert review.step == Step.COMPLETED and review.completed_at is not None
    with pytest.raises(ServiceError) as refused:
        services.write_summary(review=review, actor=world.facilitator, text="More.")
    assert refused.value.status == 409


def test_the_next_review_of_the_role_measures_the_last_plan(world):
    # given Fay's completed review with its consented plan
    first = completed(world)
    # when she starts another review of the role
    second = started(world)
    services.write_opening(review=second, actor=world.facilitator, text="Again.")
    services.move_on(review=second, actor=world.admin)
    # then it measures the last plan: she and her reviewers say how it went
    assert second.previous == first
    services.give_feedback(
        review=second, author=world.facilitator, round="last_plan", text="Breaks helped."
    )
    services.give_feedback(
        review=second, author=world.circle_member, round="last_plan", text="Yes."
    )
    assert Feedback.objects.filter(review=second, round="last_plan").count() == 2


def test_a_reviewer_who_gave_feedback_stays(world):
    bo = f.join(world.org, name="Bo")
    f.add(world.garden, bo)
    review = in_rounds(world, reviewers=(world.circle_member, bo))
    services.give_feedback(
        review=review, author=world.circle_member, round="went_well", text="Kind."
    )
    with pytest.raises(ServiceError):
        services.remove_reviewer(review=review, person=world.circle_member, actor=world.facilitator)
    services.remove_reviewer(review=review, person=bo, actor=world.facilitator)
    assert list(Reviewer.objects.values_list("person", flat=True)) == [world.circle_member.pk]


def test_the_areas_stay_as_they_are_once_everyone_consented_to_the_plan(world, client):
    # given Fay's review whose plan everyone consented to, not yet completed
    review = at_plan(world)
    fay, cy = world.facilitator, world.circle_member
    services.write_summary(review=review, actor=fay, text="I heard: breaks.")
    services.agree_areas(review=review, actor=fay, text="Breaks.")
    until = timezone.localdate() + dt.timedelta(days=30)
    services_plan.propose_plan(review=review, actor=fay, text="A break.", until=until)
    for person in (cy, fay):
        services_plan.answer_plan(review=review, person=person, consents=True)
    # when Fay tries to change the areas, the service refuses and nothing changes
    with pytest.raises(ServiceError) as refused:
        services.agree_areas(review=review, actor=fay, text="Something else.")
    assert refused.value.status == 409
    review.refresh_from_db()
    assert review.areas == "Breaks."
    # and the page no longer offers the areas' form, nor the plan's
    client.force_login(fay)
    page = client.get(reverse("reviews:review_detail", args=["willow", review.pk])).content
    assert b'name="areas-text"' not in page and b'name="plan-text"' not in page
