"""A review built through the services, step by step, for the reviews' tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from circlewise.circles.models import RoleAssignment
from circlewise.reviews import services, services_plan
from circlewise.reviews.models import Review


def fay_term(world: Any) -> RoleAssignment:
    """Fay's term as Garden's facilitator."""
    return RoleAssignment.objects.current().get(
        role__circle=world.garden, role__kind="facilitator", holder=world.facilitator
    )


def started(world: Any, *, reviewers: tuple[Any, ...] = ()) -> Review:
    """Fay's review of her work as Garden's facilitator, facilitated by Ada the admin, with Cy
    asked (and whoever else is named)."""
    review = services.start_review(
        assignment=fay_term(world), actor=world.facilitator, facilitator=world.admin
    )
    for person in reviewers or (world.circle_member,):
        services.add_reviewer(review=review, person=person, actor=world.facilitator)
    return review


def in_rounds(world: Any, **kwargs: Any) -> Review:
    review = started(world, **kwargs)
    services.write_opening(
        review=review, actor=world.facilitator, text="I enjoy it; time is short."
    )
    services.move_on(review=review, actor=world.admin)
    review.refresh_from_db()
    return review


def at_plan(
    world: Any, *, went_well: str = "The agendas came early.", better: str = "Breaks."
) -> Review:
    review = in_rounds(world)
    services.give_feedback(
        review=review, author=world.circle_member, round="went_well", text=went_well
    )
    services.give_feedback(
        review=review, author=world.circle_member, round="could_be_better", text=better
    )
    review.refresh_from_db()
    return review


def completed(world: Any, **kwargs: Any) -> Review:
    review = at_plan(world, **kwargs)
    fay, cy = world.facilitator, world.circle_member
    services.write_summary(review=review, actor=fay, text="I heard: breaks help.")
    services.agree_areas(review=review, actor=fay, text="Breaks in long meetings.")
    services_plan.propose_plan(
        review=review, actor=fay, text="A break every hour.", measures="Evaluation cards.",
        until=timezone.localdate() + dt.timedelta(days=90),
    )  # fmt: skip
    services_plan.answer_plan(review=review, person=cy, consents=True)
    services_plan.answer_plan(review=review, person=fay, consents=True)
    services.complete_review(review=review, actor=world.admin)
    review.refresh_from_db()
    return review
