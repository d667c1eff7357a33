"""The selection pages: starting one from a role, the selection itself (its step, the roster,
the grid once revealed, the proposal and its answers, and what the viewer may do now), every
step's form posted to `selection_act`, and the organisation's selections. Every page authorises
through permissions.py; a selection in a circle the viewer may not see is missing (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles import selectors as circle_selectors
from circlewise.circles.models import Role
from circlewise.core import plainwords
from circlewise.core.views import attempt, person

from . import permissions, selectors, services, services_consent, services_terms
from .forms import (
    AnswerForm,
    CancelForm,
    ChangeForm,
    HandOverForm,
    IntegrateForm,
    NominateForm,
    PrepareForm,
    ProposeForm,
    QualificationForm,
    RenewForm,
    StartForm,
    StartManyForm,
    StepDownForm,
    StepEndForm,
)
from .models import STEPS, Nomination, Selection, Step

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _selection(
    request: HttpRequest, org: str, selection_id: int, need: permissions.SelectionNeed = "view"
) -> Selection:
    selection = permissions.get_selection_for(request.user, selection_id, need=need)
    if selection.circle.organisation.slug != org:
        raise Http404
    plainwords.use_for(selection.circle.organisation)
    return selection


@login_required
@GET_POST
def selection_start(request: HttpRequest, org: str, circle: str, role_id: int) -> HttpResponse:
    """Start selecting a role's holder: the facilitator, the term and the qualifications."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    role = permissions.get_role_to_select_for(request.user, the_circle, role_id)
    under_way = Selection.objects.open().filter(role=role).first()
    initial = {
        "facilitator": services.default_facilitator(services.electing_circle(role))
        or request.user.pk,
        "term_months": role.default_term_months,
        "qualifications": role.qualifications,
    }
    form = StartForm(
        request.POST if request.method == "POST" else None,
        people=circle_selectors.people_who_see(the_circle),
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            with attempt(form) as done:
                selection = services.start_selection(
                    role=role, actor=person(request), facilitator=data["facilitator"],
                    term_months=data["term_months"], qualifications=data.get("qualifications", ""),
                    step_ends_at=data.get("step_ends_at"),
                )  # fmt: skip
            if done.ok:
                messages.success(
                    request,
                    _("The selection has started: the circle first consents to the term and "
                      "the qualifications."),
                )  # fmt: skip
                return redirect("selections:selection_detail", org=org, selection_id=selection.pk)
            status = done.status
    return render(
        request,
        "selections/selection_start.html",
        {"organisation": organisation, "circle": the_circle, "role": role, "form": form,
         "under_way": under_way},
        status=status,
    )  # fmt: skip


def _steps(selection: Selection) -> list[dict[str, Any]]:
    here = selection.step_index
    return [
        {
            "key": step.value,
            "label": step.label,
            "status": "done" if (i < here or selection.step == Step.COMPLETED) else (
                "current" if i == here else "todo"
            ),
        }
        for i, step in enumerate(STEPS)
    ]  # fmt: skip


def _roster_people(page: selectors.Page) -> Any:
    return User.objects.filter(pk__in=page.voting).order_by("name")


def _forms(
    selection: Selection, viewer: User, page: selectors.Page, data: Any = None, acted: str = ""
) -> dict[str, Any]:
    """The forms the viewer may fill now; the one just posted (`acted`) holds its data."""

    def bound(name: str) -> Any:
        return data if acted == name else None

    forms: dict[str, Any] = {}
    step = selection.step
    elector = permissions.is_elector(viewer, selection)
    facilitates = permissions.is_selection_facilitator(viewer, selection)
    proposes = permissions.can_propose(viewer, selection)
    local_end = timezone.localtime(selection.step_ends_at) if selection.step_ends_at else None
    if step == Step.PREPARE:
        if facilitates:
            forms["prepare"] = PrepareForm(
                bound("prepare"), prefix="prepare",
                initial={"term_months": selection.term_months,
                         "qualifications": selection.qualifications, "step_ends_at": local_end},
            )  # fmt: skip
        if elector:
            forms["qualification"] = QualificationForm(
                bound("qualification"), prefix="qualification"
            )
            if viewer.pk not in page.prepare_answers:
                forms["prepare_answer"] = AnswerForm(
                    bound("prepare_answer"), prefix="prepare_answer"
                )
        if proposes and selection.role.assignments.current().exists():
            forms["renew"] = RenewForm(bound("renew"), prefix="renew")
    people = _roster_people(page)
    if step == Step.NOMINATE and elector:
        forms["nominate"] = NominateForm(
            bound("nominate"), prefix="nominate", people=people,
            initial={"nominee": page.mine.nominee_id, "reason": page.mine.reason} if page.mine
            else None,
        )  # fmt: skip
    if step == Step.CHANGE and elector and page.my_change is None:
        forms["change"] = ChangeForm(bound("change"), prefix="change", people=people)
    if facilitates and step in (Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.PROPOSE):
        forms["hand_over"] = HandOverForm(
            bound("hand_over"), prefix="hand_over", people=people.exclude(pk=viewer.pk),
            initial={"proposer": selection.proposer_id},
        )  # fmt: skip
    nominees = User.objects.filter(pk__in=[u.pk for u in page.nominees]).order_by("name")
    objected = page.candidate is not None and any(
        a is not None and a.stands for _p, a in page.answers
    )
    if proposes and (step == Step.PROPOSE or (step == Step.CONSENT and objected)) and page.nominees:
        forms["propose"] = ProposeForm(
            bound("propose"), prefix="propose", people=nominees,
            initial={"term_months": selection.term_months},
        )  # fmt: skip
    if proposes and step == Step.CONSENT and objected and page.candidate is not None:
        forms["integrate"] = IntegrateForm(
            bound("integrate"), prefix="integrate",
            initial={"term_months": page.candidate.term_months,
                     "measures": page.candidate.measures},
        )  # fmt: skip
    if step == Step.CONSENT and page.candidate is not None:
        mine = next((a for p, a in page.answers if p.pk == viewer.pk), None)
        if (elector and mine is None) or facilitates:
            forms["answer"] = AnswerForm(
                bound("answer"), prefix="answer", people=people if facilitates else None
            )
    if facilitates and step in (Step.PREPARE, Step.NOMINATE, Step.CHANGE, Step.CONSENT):
        forms["step_end"] = StepEndForm(
            bound("step_end"), prefix="step_end", initial={"step_ends_at": local_end}
        )
    if selection.is_open and permissions.can_cancel(viewer, selection):
        forms["cancel"] = CancelForm(bound("cancel"), prefix="cancel")
    return forms


def _render(
    request: HttpRequest,
    selection: Selection,
    *,
    data: Any = None,
    acted: str = "",
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    viewer = person(request)
    page = selectors.selection_page(selection, viewer)
    objections = services.standing_prepare_objections(selection)
    return render(
        request,
        "selections/selection_detail.html",
        {
            "organisation": selection.circle.organisation,
            "circle": selection.circle,
            "selection": selection,
            "page": page,
            "steps": _steps(selection),
            "forms": _forms(selection, viewer, page, data, acted),
            "error": error,
            "prepare_objections": objections,
            "is_elector": permissions.is_elector(viewer, selection),
            "is_facilitator": permissions.is_selection_facilitator(viewer, selection),
            "can_propose": permissions.can_propose(viewer, selection),
            "sees_grid": permissions.can_view_nominations(viewer, selection),
            "prepare_rows": [
                (p, page.prepare_answers.get(p.pk)) for p in page.roster if p.pk in page.voting
            ],
            "counting": selection.step in (Step.PREPARE, Step.NOMINATE, Step.CHANGE),
            "renewal": page.candidate is not None and not page.grid and not page.nominees,
        },
        status=status,
    )


@login_required
@require_safe
def selection_detail(request: HttpRequest, org: str, selection_id: int) -> HttpResponse:
    """The selection: where it is, who takes part, what the viewer may do now."""
    return _render(request, _selection(request, org, selection_id))


def _answer(s: Selection, u: User, f: Any) -> Any:
    data = f.cleaned_data
    return services_consent.answer(
        selection=s, actor=u, consents=data["answer"] == "consent", reason=data.get("reason", ""),
        for_person=data.get("for_person"),
    )  # fmt: skip


def _prepare_answer(s: Selection, u: User, f: Any) -> Any:
    data = f.cleaned_data
    return services.answer_preparation(
        selection=s, actor=u, consents=data["answer"] == "consent", reason=data.get("reason", "")
    )


def _c(f: Any, name: str, default: Any = "") -> Any:
    return f.cleaned_data.get(name, default)


# What each form posted to selection_act does: the form it fills, the service it calls, and
# what the person is told when it is done.
FORM_ACTIONS: dict[str, tuple[Callable[[Selection, User, Any], Any], str]] = {
    "prepare": (
        lambda s, u, f: services.prepare(
            selection=s,
            actor=u,
            term_months=_c(f, "term_months"),
            qualifications=_c(f, "qualifications"),
            step_ends_at=_c(f, "step_ends_at", None),
        ),
        _("The term and the qualifications are written down."),
    ),
    "qualification": (
        lambda s, u, f: services.add_qualification(
            selection=s, actor=u, qualification=_c(f, "qualification")
        ),
        _("Your qualification is on the list: everyone answers the list again."),
    ),
    "prepare_answer": (_prepare_answer, _("Your answer to the term and qualifications is in.")),
    "nominate": (
        lambda s, u, f: services.nominate(
            selection=s, actor=u, nominee=_c(f, "nominee", None), reason=_c(f, "reason")
        ),
        _("Your nomination is in. Nobody sees it until the nominations are revealed."),
    ),
    "change": (
        lambda s, u, f: services.change_nomination(
            selection=s, actor=u, nominee=_c(f, "nominee", None), reason=_c(f, "reason")
        ),
        _("Your answer in the change round is in."),
    ),
    "hand_over": (
        lambda s, u, f: services.hand_over(selection=s, actor=u, proposer=_c(f, "proposer", None)),
        _("Who proposes the candidate is changed."),
    ),
    "propose": (
        lambda s, u, f: services_consent.propose(
            selection=s,
            actor=u,
            nominee=_c(f, "nominee", None),
            reasons=_c(f, "reasons"),
            term_months=_c(f, "term_months", None),
            measures=_c(f, "measures"),
        ),
        _("Your proposal is out: the consent round is open."),
    ),
    "renew": (
        lambda s, u, f: services_consent.propose_renewal(
            selection=s, actor=u, reasons=_c(f, "reasons")
        ),
        _("Renewing the term is proposed: the consent round is open."),
    ),
    "integrate": (
        lambda s, u, f: services_consent.integrate(
            selection=s,
            actor=u,
            reasons=_c(f, "reasons"),
            term_months=_c(f, "term_months", None),
            measures=_c(f, "measures"),
        ),
        _("The changed proposal is out: everyone answers it again."),
    ),
    "answer": (_answer, _("The answer is in.")),
    "step_end": (
        lambda s, u, f: services.set_step_end(
            selection=s, actor=u, step_ends_at=_c(f, "step_ends_at", None)
        ),
        _("When this step ends is changed, and the circle is told."),
    ),
    "cancel": (
        lambda s, u, f: services.cancel(selection=s, actor=u, reason=_c(f, "reason")),
        _("The selection is cancelled."),
    ),
}
PLAIN_ACTIONS: dict[str, tuple[Callable[[Selection, User], Any], str]] = {
    "open_nominations": (
        lambda s, u: services.open_nominations(selection=s, actor=u),
        _("The nominations are open: everyone nominates, in secret until they are revealed."),
    ),
    "reveal": (
        lambda s, u: services.reveal(selection=s, actor=u),
        _("The nominations are revealed: the change round is open."),
    ),
    "close_change_round": (
        lambda s, u: services.close_change_round(selection=s, actor=u),
        _("The change round is closed: the candidate is proposed next."),
    ),
    "withdraw": (
        lambda s, u: services_consent.withdraw_objection(selection=s, actor=u),
        _("Your objection is withdrawn."),
    ),
}


def _said_after(action: str, said: str, selection_id: int) -> str:
    """What the person is told, where their action also moved the selection on."""
    after = Selection.objects.select_related("outcome__holder", "role").get(pk=selection_id)
    if action == "nominate" and after.step == Step.CHANGE:
        return _("Yours was the last nomination: they are revealed, and the change round is open.")
    if action == "change" and after.step == Step.PROPOSE:
        return _("Everyone has answered in the change round: a candidate is proposed next.")
    if action == "answer" and after.outcome is not None:
        return _("Everyone has consented: %(name)s holds %(role)s.") % {
            "name": after.outcome.holder.name, "role": after.role.name,
        }  # fmt: skip
    return said


FORM_TYPES: dict[str, type[Any]] = {
    "prepare": PrepareForm, "qualification": QualificationForm, "prepare_answer": AnswerForm,
    "nominate": NominateForm, "change": ChangeForm, "hand_over": HandOverForm,
    "propose": ProposeForm, "renew": RenewForm, "integrate": IntegrateForm, "answer": AnswerForm,
    "step_end": StepEndForm, "cancel": CancelForm,
}  # fmt: skip
WITH_PEOPLE = {"nominate", "change", "hand_over", "propose"}


def _bare_form(action: str, data: Any, page: selectors.Page) -> Any:
    kwargs = {"people": _roster_people(page)} if action in WITH_PEOPLE else {}
    return FORM_TYPES[action](data, prefix=action, **kwargs)


@login_required
@require_POST
def selection_act(request: HttpRequest, org: str, selection_id: int) -> HttpResponse:
    """Every step's form posts here, naming its `action`; each service checks its own rule."""
    selection = _selection(request, org, selection_id)
    viewer = person(request)
    action = request.POST.get("action", "")
    if action in PLAIN_ACTIONS:
        run, said = PLAIN_ACTIONS[action]
        with attempt() as done:
            run(selection, viewer)
        if done.ok:
            messages.success(request, said)
            return redirect("selections:selection_detail", org=org, selection_id=selection.pk)
        return _render(request, selection, status=done.status, error=done.text)
    page = selectors.selection_page(selection, viewer)
    forms = _forms(selection, viewer, page, request.POST, action)
    if action not in FORM_ACTIONS:
        return _render(request, selection, status=400, error=_("Choose what to do."))
    # A form the viewer is not offered still goes to its service, which says why not.
    form = forms.get(action) or _bare_form(action, request.POST, page)
    call, said = FORM_ACTIONS[action]
    if form.is_valid():
        with attempt(form) as done:
            call(selection, viewer, form)
        if done.ok:
            messages.success(request, _said_after(action, said, selection.pk))
            return redirect("selections:selection_detail", org=org, selection_id=selection.pk)
        status, error = done.status, done.text
    else:
        status, error = 400, " ".join(str(e) for errs in form.errors.values() for e in errs)
    selection = _selection(request, org, selection_id)
    return _render(request, selection, data=request.POST, acted=action, status=status, error=error)


@login_required
@require_safe
def selection_list(request: HttpRequest, org: str) -> HttpResponse:
    """The organisation's selections, in the circles the person sees: under way, then done."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    viewer = person(request)
    found = selectors.selections_seen_by(viewer, organisation)
    return render(
        request,
        "selections/selection_list.html",
        {
            "organisation": organisation,
            "open": [s for s in found if s.is_open],
            "closed": [s for s in found if not s.is_open],
            "waiting": {s.pk for s in selectors.waiting_on(viewer, organisation)},
            "round": Nomination.Round,
        },
    )


@login_required
@GET_POST
def step_down(request: HttpRequest, org: str, circle: str, assignment_id: int) -> HttpResponse:
    """The holder steps down before the term ends; a selection opens for the role."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    assignment = permissions.get_assignment_to_step_down_for(
        request.user, the_circle, assignment_id
    )
    form = StepDownForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with attempt(form) as done:
                opened = services_terms.step_down(
                    assignment=assignment, actor=person(request),
                    reason=form.cleaned_data.get("reason", ""),
                )  # fmt: skip
            if done.ok:
                messages.success(
                    request,
                    _("You have stepped down as %(role)s. Thank you for your work in it.")
                    % {"role": assignment.role.name},
                )
                if opened is not None:
                    return redirect("selections:selection_detail", org=org, selection_id=opened.pk)
                return redirect(
                    "circles:role_detail", org=org, circle=circle, role_id=assignment.role_id
                )
            status = done.status
    return render(
        request,
        "selections/step_down.html",
        {"organisation": organisation, "circle": the_circle, "assignment": assignment,
         "role": assignment.role, "form": form},
        status=status,
    )  # fmt: skip


@login_required
@GET_POST
def selection_start_many(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Start selecting the holders of several of a circle's roles at once."""
    organisation = circle_permissions.get_organisation_for(request.user, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    viewer = person(request)
    startable = [
        r
        for r in the_circle.roles.filter(archived_at__isnull=True).select_related("circle__parent")
        if permissions.can_start_selection(viewer, r)
    ]
    if not startable:
        raise PermissionDenied
    open_ids = set(
        Selection.objects.open().filter(circle=the_circle).values_list("role_id", flat=True)
    )
    candidates = [r for r in startable if r.pk not in open_ids]
    roles = Role.objects.filter(pk__in=[r.pk for r in candidates]).order_by("kind", "name")
    form = StartManyForm(
        request.POST if request.method == "POST" else None,
        roles=roles,
        people=circle_selectors.people_who_see(the_circle),
        initial={"facilitator": services.default_facilitator(the_circle) or viewer.pk},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            with attempt(form) as done, transaction.atomic():
                started = [
                    services.start_selection(
                        role=role,
                        actor=viewer,
                        facilitator=data["facilitator"],
                        step_ends_at=data.get("step_ends_at"),
                    )
                    for role in data["roles"]
                ]
            if done.ok:
                messages.success(
                    request,
                    ngettext(
                        "A selection has started: %(roles)s.",
                        "%(count)d selections have started: %(roles)s.",
                        len(started),
                    )
                    % {"count": len(started), "roles": ", ".join(s.role.name for s in started)},
                )
                return redirect("selections:selection_list", org=org)
            status = done.status
    return render(
        request,
        "selections/selection_start_many.html",
        {"organisation": organisation, "circle": the_circle, "form": form,
         "nothing": not candidates},
        status=status if candidates or request.method != "POST" else 409,
    )  # fmt: skip
