"""The review pages: starting a review from one's own term, the review itself (its step, the
people taking part and what the viewer may do now), every step's form posted to `review_act`,
and a person's own reviews. Every page authorises through permissions.py; a review is missing
(404) for everyone not taking part in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles import selectors as circle_selectors
from circlewise.core import plainwords
from circlewise.core.errors import ServiceError
from circlewise.core.inputs import whole_number
from circlewise.core.views import attempt, person

from . import permissions, selectors, services, services_plan
from .forms import (
    AREAS_HELP,
    FEEDBACK_HELP,
    OPENING_HELP,
    SUMMARY_HELP,
    AnswerForm,
    PlanForm,
    StartForm,
    TextForm,
)
from .models import STEPS, ImprovementPlan, Review, Round, Step

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _review(
    request: HttpRequest, org: str, review_id: int, need: permissions.ReviewNeed = "view"
) -> Review:
    review = permissions.get_review_for(request.user, review_id, need=need)
    if review.circle.organisation.slug != org:
        raise Http404
    plainwords.use_for(review.circle.organisation)
    return review


@login_required
@GET_POST
def review_start(request: HttpRequest, org: str, circle: str, assignment_id: int) -> HttpResponse:
    """The role's holder starts a review of their work in it."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    assignment = permissions.get_assignment_to_review_for(
        request.user, organisation, the_circle, assignment_id
    )
    form = StartForm(
        request.POST if request.method == "POST" else None,
        people=circle_selectors.people_who_see(the_circle).exclude(pk=person(request).pk),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                review = services.start_review(
                    assignment=assignment,
                    actor=person(request),
                    facilitator=form.cleaned_data["facilitator"],
                    meets_on=form.cleaned_data.get("meets_on"),
                )
            if done.ok:
                messages.success(request, _("Your review has started: now ask your reviewers."))
                return redirect("reviews:review_detail", org=org, review_id=review.pk)
            status = done.status
    return render(
        request,
        "reviews/review_start.html",
        {"organisation": organisation, "circle": the_circle, "assignment": assignment,
         "role": assignment.role, "form": form,
         "previous": selectors.plan_on_role(assignment.role)},
        status=status,
    )  # fmt: skip


def _steps(review: Review) -> list[dict[str, Any]]:
    here = review.step_index
    return [
        {
            "key": step.value,
            "label": step.label,
            "status": "done" if i < here or review.step == Step.COMPLETED else (
                "current" if i == here else "todo"
            ),
        }
        for i, step in enumerate(STEPS)
    ]  # fmt: skip


def _forms(review: Review, viewer: User, data: Any = None, acted: str = "") -> dict[str, Any]:
    """The forms the viewer may fill now; the one just posted (`acted`) holds its data."""

    def bound(name: str) -> Any:
        return data if acted == name else None

    forms: dict[str, Any] = {}
    step = review.step
    focus = permissions.is_focus(viewer, review)
    writes_plan = permissions.can_write_plan(viewer, review)
    if focus and step == Step.REVIEWERS:
        forms["opening"] = TextForm(
            bound("opening"), prefix="opening", label=_("Your opening words"), help_text=OPENING_HELP,
            initial={"text": review.opening},
        )  # fmt: skip
    if permissions.is_reviewer(viewer, review) and step in (Step.WENT_WELL, Step.COULD_BE_BETTER):
        given = review.feedback.filter(author_id=viewer.pk, round=step).exists()
        if not given:
            forms["feedback"] = TextForm(
                bound("feedback"),
                prefix="feedback",
                label=Round(step).label,
                help_text=FEEDBACK_HELP[step],
            )
    if (
        review.previous_id is not None
        and permissions.can_answer_plan(viewer, review)
        and step in (Step.WENT_WELL, Step.COULD_BE_BETTER, Step.PLAN)
        and not review.feedback.filter(author_id=viewer.pk, round=Round.LAST_PLAN).exists()
    ):
        forms["last_plan"] = TextForm(
            bound("last_plan"), prefix="last_plan", label=_("How did the last plan go?"),
            help_text=FEEDBACK_HELP["last_plan"],
        )  # fmt: skip
    if step == Step.PLAN:
        plan = ImprovementPlan.objects.filter(review=review).first()
        if focus:
            forms["summary"] = TextForm(
                bound("summary"), prefix="summary", label=_("Your summary"), help_text=SUMMARY_HELP,
                initial={"text": review.summary},
            )  # fmt: skip
        if writes_plan and (plan is None or not plan.is_consented):
            forms["areas"] = TextForm(
                bound("areas"), prefix="areas", label=_("Areas to improve"), help_text=AREAS_HELP,
                initial={"text": review.areas},
            )  # fmt: skip
            forms["plan"] = PlanForm(bound("plan"), prefix="plan", initial=_plan_initial(plan))
        if (
            plan is not None
            and not plan.is_consented
            and permissions.can_answer_plan(viewer, review)
            and not plan.answers.filter(version=plan.version, person_id=viewer.pk).exists()
        ):
            forms["answer"] = AnswerForm(bound("answer"), prefix="answer")
    return forms


def _plan_initial(plan: ImprovementPlan | None) -> dict[str, Any]:
    if plan is None:
        return {}
    return {"text": plan.text, "measures": plan.measures, "until": plan.until}


def _render(
    request: HttpRequest,
    review: Review,
    *,
    data: Any = None,
    acted: str = "",
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    viewer = person(request)
    page = selectors.review_page(review)
    answered = {a.person_id: a for a in page.answers}
    return render(
        request,
        "reviews/review_detail.html",
        {
            "organisation": review.circle.organisation,
            "circle": review.circle,
            "review": review,
            "page": page,
            "steps": _steps(review),
            "forms": _forms(review, viewer, data, acted),
            "error": error,
            "acted": acted,  # a form sent back with its errors stays open
            "in_round": review.step in (Step.WENT_WELL, Step.COULD_BE_BETTER),
            "answered_now": {f.author_id for f in page.feedback.get(review.step, [])},
            "gave_feedback": {f.author_id for items in page.feedback.values() for f in items},
            "answer_rows": [(p, answered.get(p.pk)) for p in [review.focus, *page.reviewers]],
            "my_answer": answered.get(viewer.pk),
            "is_focus": permissions.is_focus(viewer, review),
            "is_reviewer": permissions.is_reviewer(viewer, review),
            "is_facilitator": permissions.is_review_facilitator(viewer, review),
            "choices": selectors.reviewer_choices(review)
            if permissions.is_focus(viewer, review) and review.step in services.ASKING
            else [],
        },
        status=status,
    )


@login_required
@require_safe
def review_detail(request: HttpRequest, org: str, review_id: int) -> HttpResponse:
    """The review: where it is, who takes part, what was written, what the viewer may do."""
    review = _review(request, org, review_id)
    return _render(request, review)


def _someone(request: HttpRequest, review: Review) -> User:
    """The person a reviewer action names (`person`): one of the organisation's."""
    user_id = whole_number(request.POST.get("person"))
    found = (
        User.objects.filter(
            pk=user_id, org_memberships__organisation=review.circle.organisation
        ).first()
        if user_id is not None
        else None
    )
    if found is None:
        raise ServiceError(_("Choose someone to ask."), field="person")
    return found


def _text_of(form: Any) -> str:
    return str(form.cleaned_data["text"])


def _act_answer(review: Review, viewer: User, form: Any) -> Any:
    data = form.cleaned_data
    return services_plan.answer_plan(
        review=review, person=viewer, consents=data["answer"] == "consent",
        reason=data.get("reason", ""),
    )  # fmt: skip


def _act_plan(review: Review, viewer: User, form: Any) -> Any:
    data = form.cleaned_data
    exists = ImprovementPlan.objects.filter(review=review).exists()
    change = services_plan.amend_plan if exists else services_plan.propose_plan
    return change(
        review=review, actor=viewer, text=data["text"], measures=data.get("measures", ""),
        until=data.get("until"),
    )  # fmt: skip


# What each form posted to review_act does: the form it fills, the service it calls, and what
# the person is told when it is done.
FORM_ACTIONS: dict[str, tuple[type[Any], Callable[[Review, User, Any], Any], str]] = {
    "opening": (
        TextForm,
        lambda r, u, f: services.write_opening(review=r, actor=u, text=_text_of(f)),
        _("Your opening words are written: your reviewers read them first."),
    ),
    "feedback": (
        TextForm,
        lambda r, u, f: services.give_feedback(review=r, author=u, text=_text_of(f)),
        _("Thank you: your feedback is in."),
    ),
    "last_plan": (
        TextForm,
        lambda r, u, f: services.give_feedback(
            review=r, author=u, round=Round.LAST_PLAN, text=_text_of(f)
        ),
        _("Thank you: how the last plan went is written down."),
    ),
    "summary": (
        TextForm,
        lambda r, u, f: services.write_summary(review=r, actor=u, text=_text_of(f)),
        _("Your summary is written."),
    ),
    "areas": (
        TextForm,
        lambda r, u, f: services.agree_areas(review=r, actor=u, text=_text_of(f)),
        _("The areas to improve are written down."),
    ),
    "plan": (PlanForm, _act_plan, _("The plan is out for everyone's answer.")),
    "answer": (AnswerForm, _act_answer, _("Your answer is in.")),
}
PLAIN_ACTIONS: dict[str, tuple[Callable[[HttpRequest, Review, User], Any], str]] = {
    "add_reviewer": (
        lambda q, r, u: services.add_reviewer(review=r, person=_someone(q, r), actor=u),
        _("Asked: they can give feedback once the round opens."),
    ),
    "remove_reviewer": (
        lambda q, r, u: services.remove_reviewer(review=r, person=_someone(q, r), actor=u),
        _("They are no longer asked."),
    ),
    "move_on": (
        lambda q, r, u: services.move_on(review=r, actor=u),
        _("The review moved on to its next step."),
    ),
    "complete": (
        lambda q, r, u: services.complete_review(review=r, actor=u),
        _("The review is complete: its plan stays with the role."),
    ),
}


@login_required
@require_POST
def review_act(request: HttpRequest, org: str, review_id: int) -> HttpResponse:
    """Every step's form posts here, naming its `action`; each service checks its own rule."""
    review = _review(request, org, review_id)
    viewer = person(request)
    action = request.POST.get("action", "")
    if action in PLAIN_ACTIONS:
        run, said = PLAIN_ACTIONS[action]
        with attempt() as done:
            run(request, review, viewer)
        if done.ok:
            messages.success(request, said)
            return redirect("reviews:review_detail", org=org, review_id=review.pk)
        return _render(request, review, status=done.status, error=done.text)
    if action not in FORM_ACTIONS:
        return _render(request, review, status=400, error=_("Choose what to do."))
    make, call, said = FORM_ACTIONS[action]
    form = make(request.POST, prefix=action)
    if form.is_valid():
        with attempt(form) as done:
            call(review, viewer, form)
        if done.ok:
            messages.success(request, said)
            return redirect("reviews:review_detail", org=org, review_id=review.pk)
        status, error = done.status, done.text
    else:
        status, error = 400, " ".join(str(e) for errs in form.errors.values() for e in errs)
    review = _review(request, org, review_id)
    return _render(request, review, data=request.POST, acted=action, status=status, error=error)


@login_required
@require_safe
def my_reviews(request: HttpRequest, org: str) -> HttpResponse:
    """The reviews the person takes part in, and the feedback asked of them now."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    viewer = person(request)
    return render(
        request,
        "reviews/my_reviews.html",
        {
            "organisation": organisation,
            "reviews": selectors.reviews_seen_by(viewer, organisation),
            "asked": selectors.feedback_asked_of(viewer, organisation),
            "terms": _my_terms(viewer, organisation),
        },
    )


def _my_terms(viewer: User, organisation: Any) -> list[Any]:
    """The person's own current terms, each a review can be started from."""
    from circlewise.circles.models import RoleAssignment

    return [
        a
        for a in RoleAssignment.objects.current()
        .filter(holder=viewer, role__circle__organisation=organisation)
        .select_related("role__circle__organisation")
        .order_by("role__circle__name", "role__name")
        if permissions.can_start_review(viewer, a)
    ]
