"""Reads for the review pages, in a fixed number of queries; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, CircleMembership, RoleAssignment

from . import permissions
from .models import Feedback, ImprovementPlan, PlanAnswer, Review, Reviewer, Round, Step

if TYPE_CHECKING:
    from circlewise.circles.models import Organisation, Role
    from circlewise.core.types import Viewer


@dataclass
class CircleGroup:
    """One circle the focus person works with, and the people in it they may ask."""

    circle: Circle
    people: list[User] = field(default_factory=list)


def circles_worked_with(focus: User, organisation: Organisation) -> list[Circle]:
    """The active circles where the person is a member or holds a role now: two queries."""
    member_of = CircleMembership.objects.current().filter(user=focus).values("circle_id")
    holds = RoleAssignment.objects.current().filter(holder=focus).values("role__circle_id")
    return list(
        Circle.objects.filter(organisation=organisation, archived_at__isnull=True)
        .filter(Q(pk__in=member_of) | Q(pk__in=holds))
        .order_by("name")
    )


def reviewer_choices(review: Review) -> list[CircleGroup]:
    """Whom the focus person may ask, grouped by the circles they work with: the members of
    each who may see the role's circle, but the focus person, the facilitator and those asked
    already (each person under the first circle they are in)."""
    circles = circles_worked_with(review.focus, review.circle.organisation)
    taken = {review.focus_id, review.facilitator_id, *permissions.reviewer_ids(review)}
    groups = {c.pk: CircleGroup(c) for c in circles}
    rows = (
        CircleMembership.objects.current()
        .filter(circle_id__in=groups, user__is_active=True)
        .exclude(user_id__in=taken)
        .select_related("user")
        .order_by("user__name", "pk")
    )
    seen: set[int] = set()
    for m in sorted(rows, key=lambda m: (groups[m.circle_id].circle.name, m.user.name)):
        if m.user_id in seen or not _may_see(m.user, review):
            continue
        seen.add(m.user_id)
        groups[m.circle_id].people.append(m.user)
    return [g for g in groups.values() if g.people]


def _may_see(user: User, review: Review) -> bool:
    return circle_permissions.can_view_circle(user, review.circle)


@dataclass
class ReviewPage:
    """What the review's page shows: its people, the feedback by round, the plan and its
    answers for the version asked."""

    review: Review
    reviewers: list[User]
    feedback: dict[str, list[Feedback]]
    plan: ImprovementPlan | None
    answers: list[PlanAnswer]
    previous_plan: ImprovementPlan | None


def review_page(review: Review) -> ReviewPage:
    reviewers = [
        r.person for r in review.reviewers.select_related("person").order_by("person__name")
    ]
    by_round: dict[str, list[Feedback]] = {r.value: [] for r in Round}
    for item in review.feedback.select_related("author").order_by("created_at", "pk"):
        by_round[item.round].append(item)
    plan = ImprovementPlan.objects.filter(review=review).first()
    answers = (
        list(plan.answers.filter(version=plan.version).select_related("person"))
        if plan is not None
        else []
    )
    previous_plan = None
    if review.previous_id is not None:
        previous_plan = ImprovementPlan.objects.filter(review_id=review.previous_id).first()
    return ReviewPage(
        review=review,
        reviewers=reviewers,
        feedback=by_round,
        plan=plan,
        answers=answers,
        previous_plan=previous_plan,
    )


def reviews_seen_by(
    viewer: Viewer, organisation: Organisation, *, of: User | None = None
) -> list[Review]:
    """The organisation's reviews the viewer takes part in (only those: see permissions.py),
    newest first; `of` keeps those of one focus person."""
    if not circle_permissions.is_person(viewer):
        return []
    rows = (
        Review.objects.with_party(viewer.pk)
        .filter(circle__organisation=organisation)
        .select_related("circle__organisation", "role", "focus", "facilitator")
        .order_by("-created_at", "-pk")
    )
    if of is not None:
        rows = rows.filter(focus=of)
    return [r for r in rows if permissions.can_view_review(viewer, r)]


def feedback_asked_of(viewer: Viewer, organisation: Organisation) -> list[Review]:
    """Reviews waiting for the viewer's feedback in the round open now."""
    if not circle_permissions.is_person(viewer):
        return []
    waiting = []
    rows = (
        Review.objects.filter(
            circle__organisation=organisation,
            reviewers__person_id=viewer.pk,
            step__in=[Step.WENT_WELL, Step.COULD_BE_BETTER],
        )
        .select_related("circle__organisation", "role", "focus")
        .order_by("created_at", "pk")
    )
    given = set(
        Feedback.objects.filter(author_id=viewer.pk, review__in=rows).values_list(
            "review_id", "round"
        )
    )
    for review in rows:
        if (review.pk, review.step) not in given and permissions.can_view_review(viewer, review):
            waiting.append(review)
    return waiting


def plan_on_role(role: Role) -> ImprovementPlan | None:
    """The consented plan of the role's latest completed review: kept on the role."""
    return (
        ImprovementPlan.objects.filter(
            review__role=role, review__step=Step.COMPLETED, consented_at__isnull=False
        )
        .select_related("review__focus")
        .order_by("-review__completed_at", "-pk")
        .first()
    )


def plans_awaiting(viewer: Viewer, organisation: Organisation) -> list[Review]:
    """Reviews whose plan waits for the viewer's answer (the version asked now)."""
    if not circle_permissions.is_person(viewer):
        return []
    rows = (
        Review.objects.with_party(viewer.pk)
        .filter(
            circle__organisation=organisation,
            step=Step.PLAN,
            plan__isnull=False,
            plan__consented_at__isnull=True,
        )
        .select_related("circle__organisation", "role", "focus", "plan")
        .order_by("created_at", "pk")
    )
    answered = set(
        PlanAnswer.objects.filter(person_id=viewer.pk, plan__review__in=rows).values_list(
            "plan__review_id", "version"
        )
    )
    return [
        r
        for r in rows
        if (r.pk, r.plan.version) not in answered and permissions.can_answer_plan(viewer, r)
    ]


# What needs me ---------------------------------------------------------------------------------
#
# What the reviews ask of a person now, for "what needs me", its count in the navigation and the
# daily digest: the feedback asked in a round open now, a plan waiting for their answer, and a
# step that is theirs to take (the focus person's opening words, reviewers, summary, areas and
# plan; the facilitator's opening of the rounds and completing). Read in a fixed number of
# queries; the three cannot disagree, as all read this.


@dataclass(frozen=True)
class StepNeed:
    kind: str  # what the page's row is marked with (data-need)
    sentence: str
    action: str
    anchor: str  # the part of the review's page where the step is taken


@dataclass
class ReviewNeeds:
    feedback: list[Review] = field(default_factory=list)
    plans: list[Review] = field(default_factory=list)
    steps: list[Review] = field(default_factory=list)  # each with its `need` (StepNeed)

    @property
    def count(self) -> int:
        return len(self.feedback) + len(self.plans) + len(self.steps)

    def __bool__(self) -> bool:
        return self.count > 0


def needs_of(viewer: Viewer, organisation: Organisation) -> ReviewNeeds:
    return ReviewNeeds(
        feedback=feedback_asked_of(viewer, organisation),
        plans=plans_awaiting(viewer, organisation),
        steps=steps_waiting_for(viewer, organisation),
    )


def open_review_circle_ids(viewer: Viewer, organisation: Organisation) -> set[int]:
    """The circles of the open reviews the person takes part in: what the navigation's count
    adds to the version it is kept on, so that a step in one of them moves it."""
    if not circle_permissions.is_person(viewer):
        return set()
    return set(
        Review.objects.open()
        .with_party(viewer.pk)
        .filter(circle__organisation=organisation)
        .values_list("circle_id", flat=True)
    )


def steps_waiting_for(viewer: Viewer, organisation: Organisation) -> list[Review]:
    """Open reviews where the person has a step to take now, each with its `need`."""
    if not circle_permissions.is_person(viewer):
        return []
    rows = list(
        Review.objects.open()
        .with_party(viewer.pk)
        .filter(circle__organisation=organisation, step__in=[Step.REVIEWERS, Step.PLAN])
        .select_related("circle__organisation", "role", "focus", "facilitator")
        .order_by("created_at", "pk")
    )
    ids = [r.pk for r in rows]
    asked = set(Reviewer.objects.filter(review_id__in=ids).values_list("review_id", flat=True))
    plans = {p.review_id: p for p in ImprovementPlan.objects.filter(review_id__in=ids)}
    objected = set(
        PlanAnswer.objects.filter(plan__review_id__in=ids, consents=False).values_list(
            "plan__review_id", "version"
        )
    )
    waiting = []
    for review in rows:
        if not permissions.can_view_review(viewer, review):
            continue
        plan = plans.get(review.pk)
        is_objected = plan is not None and (review.pk, plan.version) in objected
        need = _step_need(viewer, review, review.pk in asked, plan, is_objected)
        if need is not None:
            review.need = need  # type: ignore[attr-defined]
            waiting.append(review)
    return waiting


def _step_need(
    viewer: Viewer, review: Review, asked: bool, plan: ImprovementPlan | None, objected: bool
) -> StepNeed | None:
    """The step the person takes in the review now, if any (the same rules as the services)."""
    focus = viewer.pk == review.focus_id
    facilitates = viewer.pk == review.facilitator_id
    name = review.focus.name
    if review.step == Step.REVIEWERS:
        if focus and not review.opening:
            sentence = (
                _("Write your opening words") if asked
                else _("Ask your reviewers and write your opening words")
            )  # fmt: skip
            return StepNeed("review_begin", sentence, _("Begin"), "#opening")
        if focus and not asked:
            return StepNeed("review_begin", _("Ask your reviewers"), _("Ask"), "#ask")
        if facilitates and review.opening and asked:
            return StepNeed(
                "review_move_on",
                _("%(name)s has spoken and asked reviewers: open the first round") % {"name": name},
                _("Open the first round"),
                "#facilitate",
            )
        return None
    if focus and not review.summary:
        return StepNeed("review_summary", _("Summarise what you heard"), _("Summarise"), "#summary")
    if focus or facilitates:
        if not review.areas:
            return StepNeed(
                "review_areas", _("Write down the areas to improve"), _("Write"), "#areas"
            )
        if plan is None:
            return StepNeed(
                "review_propose", _("Propose the improvement plan"), _("Propose"), "#plan"
            )
        if objected and not plan.is_consented:
            return StepNeed(
                "review_amend", _("An objection to the plan: amend it"), _("Amend"), "#plan"
            )
    if facilitates and plan is not None and plan.is_consented and review.summary:
        return StepNeed(
            "review_complete",
            _("Everyone consented to the plan: complete the review"),
            _("Complete"),
            "#facilitate",
        )
    return None
