"""Role improvement reviews, step by step: started by the role's holder (the focus person), who
chooses reviewers from the circles they work with and speaks first; two rounds of written
feedback; the focus person's summary, the areas to improve and a plan consented by everyone
taking part; completed by the facilitator. The plan itself is in services_plan.py.

Every step appends to the ledger without the words written: an event says who did what in
whose review of which role, and points at the review, whose rows hold the text under
permissions.py's rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import RoleAssignment
from circlewise.core import ledger
from circlewise.core.errors import ServiceError

from . import permissions, selectors
from .models import Feedback, ImprovementPlan, Review, Reviewer, Round, Step

# Steps in which the focus person may still ask someone else.
ASKING = (Step.REVIEWERS, Step.WENT_WELL)
# What a round's feedback needs to be open for.
ROUND_STEP = {Round.WENT_WELL: Step.WENT_WELL, Round.COULD_BE_BETTER: Step.COULD_BE_BETTER}
NEXT = {Step.WENT_WELL: Step.COULD_BE_BETTER, Step.COULD_BE_BETTER: Step.PLAN}


def _append(
    review: Review, actor: User | None, verb: str, notify: Iterable[int] = (), **extra: object
) -> None:
    """One event of the review: who and which role, never what anyone wrote."""
    ledger.append(
        organisation=review.circle.organisation,
        actor=actor,
        verb=verb,
        obj=review,
        circle=review.circle,
        payload={
            "review": review.pk,
            "role": review.role_id,
            "role_name": review.role.name,
            "circle_name": review.circle.name,
            "focus": review.focus_id,
            "focus_name": review.focus.name,
            "step": review.step,
            **extra,
        },
        notify=[pk for pk in notify if actor is None or pk != actor.pk],
    )


def locked(review: Review) -> Review:
    """The review read afresh and locked for the rest of the transaction."""
    fresh = (
        Review.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "role", "focus", "facilitator", "assignment")
        .get(pk=review.pk)
    )
    permissions.forget_reviewers(review)
    return fresh


def _text(value: str, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(missing, field=field)
    return value


def _at(review: Review, *steps: Step) -> None:
    if review.step not in steps:
        if review.step == Step.COMPLETED:
            raise ServiceError(_("This review is complete: nothing in it changes now."), status=409)
        raise ServiceError(
            _("The review is at “%(step)s”: this is not for now.")
            % {"step": review.get_step_display()},
            status=409,
        )


@transaction.atomic
def start_review(
    *,
    assignment: RoleAssignment,
    actor: User,
    facilitator: User | None,
    meets_on: dt.date | None = None,
) -> Review:
    """The role's holder starts a review of their work in it, with a facilitator and a date."""
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related("role__circle__organisation", "holder")
        .get(pk=assignment.pk)
    )
    permissions.require_start(actor, assignment)
    circle = assignment.role.circle
    if facilitator is None:
        raise ServiceError(_("Choose who facilitates the review."), field="facilitator")
    if facilitator.pk == actor.pk:
        raise ServiceError(
            _("Someone else facilitates your review: choose another person."), field="facilitator"
        )
    if not facilitator.is_active or not circle_permissions.can_view_circle_now(facilitator, circle):
        raise ServiceError(
            _("%(name)s cannot see %(circle)s: choose someone who can.")
            % {"name": facilitator.name, "circle": circle.name},
            field="facilitator",
        )
    if meets_on is not None and meets_on < timezone.localdate():
        raise ServiceError(_("The review meets today or later."), field="meets_on")
    if Review.objects.open().filter(assignment=assignment).exists():
        raise ServiceError(_("A review of this term is under way already."), status=409)
    previous = (
        Review.objects.completed()
        .filter(role=assignment.role, plan__isnull=False)
        .order_by("-completed_at", "-pk")
        .first()
    )
    review = Review.objects.create(
        assignment=assignment, role=assignment.role, circle=circle, focus=actor,
        facilitator=facilitator, meets_on=meets_on, previous=previous,
    )  # fmt: skip
    _append(
        review, actor, "review.started", [facilitator.pk],
        facilitator=facilitator.pk, facilitator_name=facilitator.name,
        meets_on=meets_on.isoformat() if meets_on else None,
    )  # fmt: skip
    return review


@transaction.atomic
def add_reviewer(*, review: Review, person: User, actor: User) -> Reviewer:
    review = locked(review)
    permissions.require("focus", actor, review)
    _at(review, *ASKING)
    if person.pk in permissions.reviewer_ids(review):
        raise ServiceError(
            _("%(name)s is a reviewer already.") % {"name": person.name}, field="person"
        )
    allowed = {p.pk for g in selectors.reviewer_choices(review) for p in g.people}
    if person.pk not in allowed:
        raise ServiceError(
            _(
                "%(name)s is not in a circle you work with, or cannot see %(circle)s: ask "
                "someone from your circles."
            )
            % {"name": person.name, "circle": review.circle.name},
            field="person",
        )
    reviewer = Reviewer.objects.create(review=review, person=person)
    permissions.forget_reviewers(review)
    notify = [person.pk]
    _append(
        review, actor, "review.reviewer_added", notify,
        reviewer=person.pk, reviewer_name=person.name,
    )  # fmt: skip
    return reviewer


@transaction.atomic
def remove_reviewer(*, review: Review, person: User, actor: User) -> None:
    review = locked(review)
    permissions.require("focus", actor, review)
    _at(review, *ASKING)
    row = Reviewer.objects.filter(review=review, person=person).first()
    if row is None:
        raise ServiceError(
            _("%(name)s is not a reviewer here.") % {"name": person.name}, field="person"
        )
    if Feedback.objects.filter(review=review, author=person).exists():
        raise ServiceError(
            _("%(name)s has given feedback already, and stays a reviewer.") % {"name": person.name},
            status=409,
        )
    row.delete()
    permissions.forget_reviewers(review)
    _append(
        review, actor, "review.reviewer_removed", [],
        reviewer=person.pk, reviewer_name=person.name,
    )  # fmt: skip


@transaction.atomic
def write_opening(*, review: Review, actor: User, text: str) -> Review:
    """The focus person speaks first: how they see their work in the role."""
    review = locked(review)
    permissions.require("focus", actor, review)
    _at(review, Step.REVIEWERS)
    review.opening = _text(text, "text", _("Write your opening words: how the role goes for you."))
    review.save(update_fields=["opening"])
    _append(review, actor, "review.opening_written", [review.facilitator_id])
    return review


def _open_step(review: Review, step: Step, actor: User | None) -> None:
    review.step = step
    review.save(update_fields=["step"])
    asked = list(permissions.reviewer_ids(review)) if step in ROUND_STEP.values() else []
    if step == Step.PLAN:
        asked = [review.focus_id]
    _append(review, actor, "review.moved_on", asked)


@transaction.atomic
def move_on(*, review: Review, actor: User) -> Review:
    """The facilitator opens the next step: the first round once the focus person has spoken
    and someone is asked; the next even while a round waits for someone."""
    review = locked(review)
    permissions.require("facilitate", actor, review)
    _at(review, Step.REVIEWERS, Step.WENT_WELL, Step.COULD_BE_BETTER)
    if review.step == Step.REVIEWERS:
        if not review.opening:
            raise ServiceError(
                _("%(name)s speaks first: the rounds open after their opening words.")
                % {"name": review.focus.name},
                status=409,
            )
        if not permissions.reviewer_ids(review):
            raise ServiceError(_("Nobody is asked yet: a review needs a reviewer."), status=409)
        _open_step(review, Step.WENT_WELL, actor)
    else:
        _open_step(review, NEXT[Step(review.step)], actor)
    return review


@transaction.atomic
def give_feedback(*, review: Review, author: User, text: str, round: str | None = None) -> Feedback:
    """A reviewer's feedback in the round open now (`round` None) or in `round`; or, at a review
    after an earlier plan, how that plan went (`Round.LAST_PLAN`: the focus person and the
    reviewers)."""
    review = locked(review)
    if round is None:
        if review.step not in (Round.WENT_WELL, Round.COULD_BE_BETTER):
            raise ServiceError(_("No round of feedback is open in this review now."), status=409)
        round = review.step
    if round not in Round.values:
        raise ServiceError(_("Choose a round of feedback."), field="round")
    if round == Round.LAST_PLAN:
        permissions.require("answer", author, review)
        _at(review, Step.WENT_WELL, Step.COULD_BE_BETTER, Step.PLAN)
        if review.previous_id is None:
            raise ServiceError(_("There was no earlier plan for this role."), status=409)
    else:
        permissions.require("feedback", author, review)
        if review.step != ROUND_STEP[Round(round)]:
            _at(review, ROUND_STEP[Round(round)])
    if Feedback.objects.filter(review=review, author=author, round=round).exists():
        raise ServiceError(_("You have given your feedback in this round already."), status=409)
    words = _text(
        text, "text", _("Write your feedback: one specific thing, and the need behind it.")
    )
    feedback = Feedback.objects.create(review=review, author=author, round=round, text=words)
    _append(
        review, author, "review.feedback_given", [review.focus_id],
        round=round, author=author.pk, author_name=author.name,
    )  # fmt: skip
    if round != Round.LAST_PLAN and _round_complete(review, round):
        _open_step(review, NEXT[Step(review.step)], None)
    return feedback


def _round_complete(review: Review, round: str) -> bool:
    given = set(
        Feedback.objects.filter(review=review, round=round).values_list("author_id", flat=True)
    )
    return permissions.reviewer_ids(review) <= given


@transaction.atomic
def write_summary(*, review: Review, actor: User, text: str) -> Review:
    """The focus person summarises last: what they heard, in their own words."""
    review = locked(review)
    permissions.require("focus", actor, review)
    _at(review, Step.PLAN)
    review.summary = _text(text, "text", _("Write your summary: what you heard and take with you."))
    review.save(update_fields=["summary"])
    _append(review, actor, "review.summary_written", [review.facilitator_id])
    return review


@transaction.atomic
def agree_areas(*, review: Review, actor: User, text: str) -> Review:
    """The areas to improve the review agreed on, written down by the focus person or the
    facilitator."""
    review = locked(review)
    permissions.require("plan", actor, review)
    _at(review, Step.PLAN)
    if ImprovementPlan.objects.filter(review=review, consented_at__isnull=False).exists():
        raise ServiceError(
            _(
                "Everyone has consented to the plan that answers these areas: they stay as they are."
            ),
            status=409,
        )
    review.areas = _text(text, "text", _("Write down the areas to improve you agreed on."))
    review.save(update_fields=["areas"])
    notify = [review.focus_id, review.facilitator_id]
    _append(review, actor, "review.areas_agreed", notify)
    return review


@transaction.atomic
def complete_review(*, review: Review, actor: User) -> Review:
    """The facilitator closes the review once the focus person has summarised and the plan is
    consented: the plan stays with the role."""
    review = locked(review)
    permissions.require("facilitate", actor, review)
    _at(review, Step.PLAN)
    if not review.summary:
        raise ServiceError(
            _("%(name)s summarises last: the review completes after their summary.")
            % {"name": review.focus.name},
            status=409,
        )
    plan = ImprovementPlan.objects.filter(review=review).first()
    if plan is None or not plan.is_consented:
        raise ServiceError(
            _("The review completes once everyone has consented to the plan."), status=409
        )
    review.step = Step.COMPLETED
    review.completed_at = timezone.now()
    review.save(update_fields=["step", "completed_at"])
    _append(review, actor, "review.completed", [review.focus_id, *permissions.reviewer_ids(review)])
    return review
