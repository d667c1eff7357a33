"""Every step of the consent process as a page action.

Each view authorises through decisions.permissions (404 for what the person may not see, 403 for
what they may see but not act on), parses a form, calls one service and redirects with a message
(post/redirect/get). A ServiceError is shown on the same page, beside the form it concerns, with
the service's status; nothing changes. Forms work without JavaScript; answering in a consent round
with htmx refreshes the round alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.circles.services import add_months
from circlewise.core.errors import ServiceError

from .. import permissions, services
from ..forms import (
    BacklogItemForm,
    PresentForm,
    ProposalForm,
    ReasonForm,
    ResolveForm,
    ReviseForm,
    RoundAnswerForm,
    RoundCloseForm,
    RoundOpenForm,
    SettingsForm,
    TextForm,
)
from ..models import BacklogItem, Contribution, Objection, Policy, Proposal
from . import browse

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


# Helpers -----------------------------------------------------------------------------------


def _person(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required has already sent anonymous people away
        raise PermissionDenied
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _show_error(form: Form, error: ServiceError) -> None:
    """Put the service's message beside the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.text)


def _refused(
    request: HttpRequest, proposal: Proposal, key: str, form: Form, error: ServiceError,
    partial: str = "",
) -> HttpResponse:  # fmt: skip
    """Show a refused step on the proposal page: beside its form, or, when the person may not
    take that step at all (403) or the circle has ended (its forms are gone), at the top where
    the page says what is needed from them."""
    if (error.status == 403 or proposal.circle.has_ended) and not partial:
        return browse.proposal_page(
            request, proposal, error=error.text, status=error.status, partial=partial
        )
    _show_error(form, error)
    status = 200 if partial else error.status
    return browse.proposal_page(
        request, proposal, bound={key: form}, status=status, partial=partial
    )


def _proposal(
    request: HttpRequest, org: str, proposal_id: int, need: permissions.ProposalNeed = "take_part"
) -> Proposal:
    proposal = permissions.get_proposal_for(request.user, proposal_id, need=need)
    browse.check_org(proposal.circle.organisation, org)
    return proposal


STEER_ONLY = _lazy("Only the circle's facilitator or leader can move the process along.")
SYNTHESIS_ONLY = _lazy("Only the person who synthesises can do that.")


def _not_allowed(
    request: HttpRequest, proposal: Proposal, need: permissions.ProposalNeed
) -> HttpResponse | None:
    """The proposal page with a 403 and why, when a member may not take a step that needs the
    facilitator (or whoever synthesises); None when they may."""
    check = permissions.can_steer if need == "steer" else permissions.can_synthesise
    if check(request.user, proposal):
        return None
    message = STEER_ONLY if need == "steer" else SYNTHESIS_ONLY
    return browse.proposal_page(request, proposal, error=str(message), status=403)


def _to_proposal(proposal: Proposal, anchor: str = "") -> HttpResponse:
    url = reverse(
        "decisions:proposal_detail", args=[proposal.circle.organisation.slug, proposal.pk]
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _circle(request: HttpRequest, org: str, circle: str) -> Circle:
    organisation = circle_permissions.get_organisation_for(request.user, org)
    return circle_permissions.get_circle_for(request.user, organisation, circle)


def _policies_of(circle: Circle) -> Any:
    return Policy.objects.filter(
        circle=circle, retired_at__isnull=True, superseded_by__isnull=True
    ).order_by("title")


# Drafting ----------------------------------------------------------------------------------


def _draft_fields(form: ProposalForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    return {k: data[k] for k in services.DRAFT_FIELDS if k in data}


def ended_page(request: HttpRequest, the_circle: Circle, refusal: str) -> HttpResponse:
    """An ended helping circle takes no new work: say so, change nothing, and offer what can
    be done (its parent may extend its mandate)."""
    return render(
        request,
        "decisions/circle_ended.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "refusal": refusal,
         "can_extend": circle_permissions.can_propose_extension(request.user, the_circle)},
        status=409,
    )  # fmt: skip


def _extension_initial(request: HttpRequest, form: ProposalForm, helping: Any) -> None:
    """From a helping circle's page: "Propose extending the mandate" (?extend=<its slug>)."""
    slug = request.GET.get("extend")
    child = helping.filter(slug=slug).first() if slug and "extends_circle" in form.fields else None
    if child is None:
        return
    today = timezone.localdate()
    form.initial.update(
        {"title": _("Extend the mandate of %(circle)s") % {"circle": child.name},
         "extends_circle": child.pk, "is_policy": False,
         "extends_until": add_months(max(today, child.ends_on or today), 3)}
    )  # fmt: skip


@login_required
@GET_POST
def proposal_create(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if (refusal := permissions.ended_refusal(the_circle)) is not None:
        return ended_page(request, the_circle, refusal)
    if not permissions.can_propose(request.user, the_circle):
        raise PermissionDenied
    policies = _policies_of(the_circle)
    helping = permissions.extendable_circles(request.user, the_circle)
    form = ProposalForm(request.POST or None, policies=policies, helping=helping)
    status = 200
    target: Policy | None = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = services.create_proposal(
                    circle=the_circle,
                    author=_person(request),
                    is_policy=bool(data["is_policy"]),
                    amends=data["amends"],
                    policy_action=data["policy_action"] if data["amends"] else "",
                    quorum_percent=data["quorum_percent"],
                    extends_circle=data.get("extends_circle"),
                    extends_until=data.get("extends_until"),
                    **_draft_fields(form),
                )
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Your draft is saved. Only you can see it until you present it."),
                )
                return _to_proposal(proposal)
    else:
        form.initial["review_on"] = add_months(
            timezone.localdate(), services.settings_for(the_circle).default_review_months
        )
        if request.GET.get("change") == "quorum":
            # From the circle's way of deciding: the quorum changes only by consent.
            form.initial.update(
                {"title": _("Change our quorum"),
                 "quorum_percent": services.settings_for(the_circle).quorum_percent,
                 "is_policy": False}
            )  # fmt: skip
        _extension_initial(request, form, helping)
        # From a policy's page: "Propose a change / a replacement / to retire it".
        target, action = _target_from(request, policies)
        if target is not None:
            form.initial.update({"amends": target.pk, "policy_action": action})
            if action == Proposal.PolicyAction.RETIRE:
                form.initial["title"] = _("Retire “%(title)s”") % {"title": target.title}
                # Retiring sets no rule of its own: the box shows what will be saved.
                form.initial["is_policy"] = False
    return render(
        request,
        "decisions/proposal_form.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "form": form,
         "proposal": None, "target": target,
         "target_action": form.initial.get("policy_action", "")},
        status=status,
    )  # fmt: skip


def _target_from(request: HttpRequest, policies: Any) -> tuple[Policy | None, str]:
    """The policy (in force, of this circle) and action named in the address, if any."""
    try:
        policy_id = int(request.GET.get("amends", ""))
    except ValueError:
        return None, ""
    action = request.GET.get("action", "")
    if action not in Proposal.PolicyAction.values:
        action = Proposal.PolicyAction.AMEND
    return policies.filter(pk=policy_id).first(), action


@login_required
@GET_POST
def proposal_edit(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id, need="edit_draft")
    version = proposal.current_version
    initial = {k: getattr(version, k) for k in services.DRAFT_FIELDS}
    initial.update(
        {"amends": proposal.amends_id,
         "policy_action": proposal.target_action or Proposal.PolicyAction.AMEND,
         "quorum_percent": proposal.quorum_percent}
    )  # fmt: skip
    form = ProposalForm(
        request.POST or None, initial=initial, policies=_policies_of(proposal.circle)
    )
    del form.fields["is_policy"]
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_draft(
                    proposal=proposal, actor=_person(request), amends=data["amends"],
                    policy_action=data["policy_action"] if data["amends"] else "",
                    quorum_percent=data["quorum_percent"], **_draft_fields(form),
                )  # fmt: skip
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your draft is saved."))
                return _to_proposal(proposal)
    return render(
        request,
        "decisions/proposal_form.html",
        {"organisation": proposal.circle.organisation, "circle": proposal.circle, "form": form,
         "proposal": proposal},
        status=status,
    )  # fmt: skip


# Steps on one proposal ---------------------------------------------------------------------


@login_required
@require_POST
def proposal_present(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    form = PresentForm(request.POST)
    if not form.is_valid():
        return browse.proposal_page(request, proposal, bound={"present": form}, status=400)
    try:
        services.present(proposal=proposal, actor=_person(request), mode=form.cleaned_data["mode"])
    except ServiceError as error:
        return _refused(request, proposal, "present", form, error)
    messages.success(request, _("Presented. The circle can now ask clarifying questions."))
    return _to_proposal(proposal)


def _text_step(
    request: HttpRequest,
    proposal: Proposal,
    key: str,
    label: str,
    call: Any,
    done: str,
    anchor: str,
    *,
    allow_pass: bool = False,
) -> HttpResponse:
    form = TextForm(request.POST, label=label)
    form.is_valid()
    passed = allow_pass and "pass" in request.POST
    try:
        if allow_pass:
            call(text=form.cleaned_data.get("text", ""), passed=passed)
        else:
            call(text=form.cleaned_data.get("text", ""))
    except ServiceError as error:
        return _refused(request, proposal, key, form, error)
    messages.success(request, done)
    return _to_proposal(proposal, anchor)


@login_required
@require_POST
def question_ask(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    person = _person(request)
    passed = "pass" in request.POST

    def call(text: str, passed: bool) -> Any:
        return services.ask_question(proposal=proposal, member=person, text=text, passed=passed)

    done = _("You passed.") if passed else _("Your question is asked.")
    return _text_step(
        request, proposal, "ask", _("Your question"), call, done, "questions", allow_pass=True
    )


@login_required
@require_POST
def question_answer(
    request: HttpRequest, org: str, proposal_id: int, question_id: int
) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    question = permissions.get_contribution_for(request.user, question_id, need="take_part")
    if question.proposal_id != proposal.pk or question.kind != Contribution.Kind.QUESTION:
        raise Http404
    form = TextForm(request.POST, label=_("Your answer"))
    form.question_id = question.pk  # type: ignore[attr-defined]
    form.is_valid()
    try:
        services.answer_question(
            question=question, actor=_person(request), text=form.cleaned_data.get("text", "")
        )
    except ServiceError as error:
        return _refused(request, proposal, "answer", form, error)
    messages.success(request, _("Your answer is posted."))
    return _to_proposal(proposal, f"question-{question.pk}")


@login_required
@require_POST
def reaction_add(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    person = _person(request)
    passed = "pass" in request.POST

    def call(text: str, passed: bool) -> Any:
        return services.react(proposal=proposal, member=person, text=text, passed=passed)

    done = _("You passed.") if passed else _("Your reaction is shared.")
    return _text_step(
        request, proposal, "react", _("Your reaction"), call, done, "reactions", allow_pass=True
    )


@login_required
@require_POST
def amendment_suggest(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    person = _person(request)

    def call(text: str) -> Any:
        return services.suggest_amendment(proposal=proposal, member=person, text=text)

    return _text_step(
        request, proposal, "amend", _("The amendment you suggest"), call,
        _("Your amendment is suggested."), "amendments",
    )  # fmt: skip


@login_required
@require_POST
def amendment_resolve(
    request: HttpRequest, org: str, proposal_id: int, amendment_id: int
) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    amendment = permissions.get_contribution_for(request.user, amendment_id, need="take_part")
    if amendment.proposal_id != proposal.pk:
        raise Http404
    if refused := _not_allowed(request, proposal, "synthesise"):
        return refused
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return browse.proposal_page(
            request, proposal, error=_("Choose whether to take the amendment up."), status=400
        )
    accept = form.cleaned_data["accept"]
    try:
        services.resolve_amendment(amendment=amendment, actor=_person(request), accept=accept)
    except ServiceError as error:
        return browse.proposal_page(request, proposal, error=error.text, status=error.status)
    messages.success(
        request,
        _("The amendment is taken up: write it into a new version.")
        if accept
        else _("The amendment is not taken up."),
    )
    return _to_proposal(proposal, "amendments")


@login_required
@require_POST
def proposal_advance(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    try:
        proposal = services.advance(proposal=proposal, actor=_person(request))
    except ServiceError as error:
        return browse.proposal_page(request, proposal, error=error.text, status=error.status)
    messages.success(
        request,
        _("Now at the step: %(step)s.") % {"step": proposal.get_state_display()},
    )
    return _to_proposal(proposal)


@login_required
@GET_POST
def proposal_revise(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    if request.method != "POST":
        return _to_proposal(proposal, "revise")
    if refused := _not_allowed(request, proposal, "synthesise"):
        return refused
    standing = list(
        proposal.objections.filter(status=Objection.Status.OPEN).select_related("objector")
    )
    form = ReviseForm(
        request.POST, members=browse.circle_members(proposal.circle), objections=standing
    )
    if not form.is_valid():
        return browse.proposal_page(request, proposal, bound={"revise": form}, status=400)
    measures = form.measures_to_add()
    if form.errors:
        return browse.proposal_page(request, proposal, bound={"revise": form}, status=400)
    try:
        version = services.revise(
            proposal=proposal,
            actor=_person(request),
            change_note=form.cleaned_data["change_note"],
            measures_to_add=measures,
            integrations=form.integrations(),
            **{k: v for k, v in _draft_fields(form).items() if k != "review_on" or v},
        )
    except ServiceError as error:
        return _refused(request, proposal, "revise", form, error)
    messages.success(
        request,
        _("Version %(number)s is written. Answers to earlier versions no longer count.")
        % {"number": version.number},
    )
    return _to_proposal(proposal)


@login_required
@require_POST
def round_open(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    helping = permissions.hand_over_circles(request.user, proposal.circle.organisation)
    form = RoundOpenForm(request.POST, helping=helping)
    if not form.is_valid():
        return browse.proposal_page(request, proposal, bound={"round_open": form}, status=400)
    try:
        services.open_consent_round(
            proposal=proposal,
            actor=_person(request),
            subject=form.cleaned_data["subject"],
            handed_to=form.cleaned_data["handed_to"],
            version_number=form.cleaned_data["version"],
        )
    except ServiceError as error:
        return _refused(request, proposal, "round_open", form, error)
    messages.success(request, _("The consent round is open. Everyone in the circle is asked."))
    return _to_proposal(proposal, "consent-round")


@login_required
@require_POST
def round_answer(request: HttpRequest, org: str, round_id: int) -> HttpResponse:
    round_ = permissions.get_round_for(request.user, round_id, need="take_part")
    proposal = _proposal(request, org, round_.proposal_id)
    settings = services.settings_for(proposal.circle)
    form = RoundAnswerForm(request.POST, allow_concerns=settings.allow_concerns)
    htmx = _is_htmx(request)
    partial = "round" if htmx else ""
    if not form.is_valid():
        return browse.proposal_page(
            request, proposal, bound={"round_answer": form}, status=200 if htmx else 400,
            partial=partial,
        )  # fmt: skip
    try:
        services.respond(
            round_=round_,
            user=_person(request),
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
        )
    except services.LateAnswerError as late:
        # Nothing was recorded, but what they wrote is kept: offered as the reason of an early
        # review (includes/late_answer.html). htmx swaps only a 2xx answer.
        return browse.proposal_page(
            request, proposal, status=200 if htmx else late.status, partial=partial,
            extra={"late_answer": browse.late_answer_context(request, proposal, late)},
        )  # fmt: skip
    except ServiceError as error:
        return _refused(request, proposal, "round_answer", form, error, partial=partial)
    proposal.refresh_from_db()
    if htmx and proposal.state == Proposal.State.CONSENT:
        return browse.proposal_page(
            request, proposal, partial="round", extra={"announce": _("Your answer is recorded.")}
        )
    messages.success(request, _("Your answer is recorded."))
    if htmx:  # the round has closed: the whole page changes
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse(
            "decisions:proposal_detail", args=[proposal.circle.organisation.slug, proposal.pk]
        )
        return response
    return _to_proposal(proposal, "consent-round")


@login_required
@require_POST
def round_close(request: HttpRequest, org: str, round_id: int) -> HttpResponse:
    round_ = permissions.get_round_for(request.user, round_id, need="take_part")
    proposal = _proposal(request, org, round_.proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    form = RoundCloseForm(request.POST)
    form.is_valid()
    try:
        services.close_round(
            round_=round_, actor=_person(request), reason=form.cleaned_data.get("reason", "")
        )
    except ServiceError as error:
        if error.status == 403:
            return browse.proposal_page(request, proposal, error=error.text, status=error.status)
        # Beside the reason, in the round (includes/round_close.html), with what it wrote.
        _show_error(form, error)
        return browse.proposal_page(
            request, proposal, bound={"round_close": form}, status=error.status
        )
    messages.success(request, _("The consent round is closed."))
    return _to_proposal(proposal)


# Objections --------------------------------------------------------------------------------


def _objection(request: HttpRequest, org: str, objection_id: int) -> Objection:
    objection = permissions.get_objection_for(request.user, objection_id, need="take_part")
    browse.check_org(objection.proposal.circle.organisation, org)
    return objection


def _to_objection(objection: Objection, anchor: str = "") -> HttpResponse:
    url = reverse(
        "decisions:objection_detail",
        args=[objection.proposal.circle.organisation.slug, objection.pk],
    )
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def objection_discuss(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = _objection(request, org, objection_id)
    form = TextForm(request.POST, label=_("Your message"))
    form.is_valid()
    try:
        services.discuss_objection(
            objection=objection, author=_person(request), text=form.cleaned_data.get("text", "")
        )
    except ServiceError as error:
        if error.status == 403:
            return browse.objection_page(request, objection, error=error.text, status=403)
        _show_error(form, error)
        return browse.objection_page(
            request, objection, bound={"discuss": form}, status=error.status
        )
    messages.success(request, _("Your message is posted."))
    return _to_objection(objection, "discussion")


@login_required
@require_POST
def objection_state_back(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = _objection(request, org, objection_id)
    form = TextForm(request.POST, label=_("The objection, in your own words"))
    form.is_valid()
    try:
        services.state_back(
            objection=objection, actor=_person(request), text=form.cleaned_data.get("text", "")
        )
    except ServiceError as error:
        if error.status == 403:
            return browse.objection_page(request, objection, error=error.text, status=403)
        _show_error(form, error)
        return browse.objection_page(
            request, objection, bound={"state_back": form}, status=error.status
        )
    messages.success(request, _("Stated back. The objector is asked to confirm it."))
    return _to_objection(objection, "stated-back")


@login_required
@require_POST
def objection_confirm(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    browse.check_org(objection.proposal.circle.organisation, org)
    try:
        services.confirm_heard(objection=objection, objector=_person(request))
    except ServiceError as error:
        return browse.objection_page(request, objection, error=error.text, status=error.status)
    messages.success(request, _("Confirmed: you were heard."))
    return _to_objection(objection, "stated-back")


@login_required
@require_POST
def objection_withdraw(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    browse.check_org(objection.proposal.circle.organisation, org)
    try:
        services.withdraw_objection(objection=objection, actor=_person(request))
    except ServiceError as error:
        return browse.objection_page(request, objection, error=error.text, status=error.status)
    messages.success(request, _("Your objection is withdrawn."))
    return _to_proposal(objection.proposal)


# Policies ----------------------------------------------------------------------------------


def _policy_step(
    request: HttpRequest, org: str, policy_id: int, key: str, call: Any, done: str
) -> HttpResponse:
    policy = permissions.get_policy_for(request.user, policy_id, need="review")
    browse.check_org(policy.circle.organisation, org)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        call(policy=policy, actor=_person(request), reason=form.cleaned_data.get("reason", ""))
    except ServiceError as error:
        _show_error(form, error)
        return render(
            request,
            "decisions/policy_detail.html",
            browse.policy_context(request, policy, bound={key: form}),
            status=error.status,
        )
    messages.success(request, done)
    return redirect(
        "decisions:policy_detail", org=policy.circle.organisation.slug, policy_id=policy.pk
    )


@login_required
@require_POST
def policy_review(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    return _policy_step(
        request, org, policy_id, "review", services.call_early_review,
        _("A review is called: it is on the circle's backlog."),
    )  # fmt: skip


@login_required
@require_POST
def policy_withdraw_consent(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    return _policy_step(
        request, org, policy_id, "withdraw", services.withdraw_consent,
        _("Your consent is withdrawn. The policy stays in force until the circle reviews it."),
    )  # fmt: skip


# The backlog and settings ------------------------------------------------------------------


@login_required
@GET_POST
def backlog_add(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if (refusal := permissions.ended_refusal(the_circle)) is not None:
        return ended_page(request, the_circle, refusal)
    if not permissions.can_raise_item(request.user, the_circle):
        raise PermissionDenied
    is_member = the_circle.pk in circle_permissions.circle_ids_of(
        request.user, the_circle.organisation
    )
    form = BacklogItemForm(
        request.POST or None, members=browse.circle_members(the_circle) if is_member else None
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.add_backlog_item(
                    circle=the_circle, actor=_person(request), **form.cleaned_data
                )
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(
                    request,
                    _("It is on the backlog.")
                    if is_member
                    else _("It is raised with %(circle)s: it is on their backlog.")
                    % {"circle": the_circle.name},
                )
                return redirect("decisions:backlog", org=org, circle=the_circle.slug)
    return render(
        request,
        "decisions/backlog_add.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "form": form,
         "is_member": is_member},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def backlog_close(request: HttpRequest, org: str, item_id: int) -> HttpResponse:
    item = permissions.get_item_for(request.user, item_id, need="close")
    browse.check_org(item.circle.organisation, org)
    status = request.POST.get("status", BacklogItem.Status.DONE)
    try:
        # "dropped" is held to the drop's own rule and needs a reason (the service sees to it):
        # the page for it is backlog_drop; this old door stays shut without one.
        services.close_backlog_item(
            item=item, actor=_person(request), status=status,
            reason=request.POST.get("reason", ""),
        )  # fmt: skip
    except ServiceError as error:
        return browse.backlog_page(request, item.circle, error=error.text, status=error.status)
    messages.success(request, _("“%(topic)s” is closed.") % {"topic": item.topic})
    return redirect("decisions:backlog", org=org, circle=item.circle.slug)


@login_required
@GET_POST
def decision_settings(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    the_circle = _circle(request, org, circle)
    if not permissions.can_change_settings(request.user, the_circle):
        raise PermissionDenied
    current = services.settings_for(the_circle)
    names = ["default_review_months", "synthesis_by", "allow_concerns", "absentee_policy",
             "lazy_consent_hours"]  # fmt: skip
    form = SettingsForm(request.POST or None, initial={n: getattr(current, n) for n in names})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.update_settings(
                    circle=the_circle, actor=_person(request), **form.cleaned_data
                )
            except ServiceError as error:
                _show_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The circle's way of deciding is saved."))
                return redirect("decisions:circle_proposals", org=org, circle=the_circle.slug)
    return render(
        request,
        "decisions/decision_settings.html",
        {"organisation": the_circle.organisation, "circle": the_circle, "form": form,
         "settings": current, "can_propose": permissions.can_propose(request.user, the_circle)},
        status=status,
    )  # fmt: skip
