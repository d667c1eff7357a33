"""Pages of proposals and their versions: a circle's proposals, one proposal, its versions,
drafting, presenting, clarifying questions, reactions, friendly amendments, moving on and
revising.

Each step view authorises through decisions.permissions (404 for what the person may not see,
403 for what they may see but not act on), parses a form, calls one service and redirects with a
message (post/redirect/get). A ServiceError is shown on the same page, beside the form it
concerns, with the service's status; nothing changes. Forms work without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.circles.services import add_months
from circlewise.core import cache
from circlewise.core.perf.pages import whole_page
from circlewise.core.views import attempt, person

from .. import permissions, services
from ..forms import (
    PresentForm,
    ProposalForm,
    ResolveForm,
    ReviseForm,
    StepEndForm,
    TextForm,
)
from ..models import (
    Contribution,
    Objection,
    Policy,
    Proposal,
    ProposalVersion,
)
from ._common import (
    GET_POST,
    State,
    _circle,
    _organisation,
    _policies_of,
    _proposal,
    _to_proposal,
    check_org,
    circle_members,
    decorate_proposals,
    with_titles,
)
from .proposal_page import (
    ANSWER_LINKS,
    _not_allowed,
    _refused,
    _viewable_proposal,
    proposal_context,
    proposal_page,
    version_changes,
)

# A circle's proposals ----------------------------------------------------------------------


@login_required
def circle_proposals(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Open proposals first, then decided and exited ones; drafts only to their authors."""
    organisation = _organisation(request, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    user = request.user
    proposals = decorate_proposals(
        list(
            with_titles(
                Proposal.objects.filter(circle=the_circle)
                .filter(~Q(state=State.DRAFT) | Q(author_id=user.pk))
                .select_related("author")
            ).order_by("-created_at")
        )
    )
    drafts = [p for p in proposals if p.state == State.DRAFT]
    open_ = [p for p in proposals if p.state in Proposal.OPEN_STATES]
    closed = [p for p in proposals if p.state == State.DECIDED or p.state in Proposal.EXIT_STATES]
    settings = services.settings_for(the_circle)
    return render(
        request,
        "decisions/circle_proposals.html",
        {
            "organisation": organisation,
            "circle": the_circle,
            "drafts": drafts,
            "open": open_,
            "closed": closed,
            "settings": settings,
            "can_propose": permissions.can_propose(user, the_circle),
            "can_change_settings": permissions.can_change_settings(user, the_circle),
            "ended": permissions.ended_refusal(the_circle),
        },
    )


@login_required
def proposal_detail(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    """The proposal with its steps, kept whole per viewer: what they may do, their own answer and
    what is needed from them differ from one member to the next."""
    proposal, lazy_until = _viewable_proposal(request, org, proposal_id)
    # Everything the page shows is its circle's (its members, its rounds): other circles' work
    # leaves it cached.
    version = cache.circle_version(proposal.circle)
    # lazy_until: the one thing the page shows that time alone changes, whether absentees may
    # still object after a lazy consent (no ledger event marks the end of that window). An
    # email's `?answer=` preselects an answer, so it is a page of its own.
    answer = request.GET.get("answer", "")
    return whole_page(
        request,
        "decisions/proposal_detail.html",
        lambda: proposal_context(request, proposal),
        name=f"proposal-page:{proposal.pk}",
        version=version,
        # And whether the current step's window has passed (the page says it is overdue), and
        # the answer an email's button chose.
        vary=(
            lazy_until is not None and timezone.now() < lazy_until,
            services.is_overdue(proposal),
            answer if answer in ANSWER_LINKS else "",
        ),
    )


@login_required
def proposal_versions(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    """Every version, and what changed from one to the next."""
    proposal = permissions.get_proposal_for(request.user, proposal_id)
    check_org(proposal.circle.organisation, org)
    versions = list(
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("created_by")
        .order_by("number")
    )
    rows = []
    previous: ProposalVersion | None = None
    for v in versions:
        if previous is None:
            rows.append({"version": v, "changes": [], "text_diff": None, "text_changed": False})
        else:
            rows.append({"version": v, **version_changes(previous, v)})
        previous = v
    rows.reverse()
    return render(
        request,
        "decisions/proposal_versions.html",
        {
            "organisation": proposal.circle.organisation,
            "circle": proposal.circle,
            "proposal": proposal,
            "title": versions[-1].title if versions else "",
            "rows": rows,
        },
    )


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
            with attempt(form) as done:
                proposal = services.create_proposal(
                    circle=the_circle,
                    author=person(request),
                    is_policy=bool(data["is_policy"]),
                    amends=data["amends"],
                    policy_action=data["policy_action"] if data["amends"] else "",
                    quorum_percent=data["quorum_percent"],
                    extends_circle=data.get("extends_circle"),
                    extends_until=data.get("extends_until"),
                    **_draft_fields(form),
                )
            if done.ok:
                messages.success(
                    request,
                    _("Your draft is saved. Only you can see it until you present it."),
                )
                return _to_proposal(proposal)
            status = done.status
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
            with attempt(form) as done:
                services.update_draft(
                    proposal=proposal, actor=person(request), amends=data["amends"],
                    policy_action=data["policy_action"] if data["amends"] else "",
                    quorum_percent=data["quorum_percent"], **_draft_fields(form),
                )  # fmt: skip
            if done.ok:
                messages.success(request, _("Your draft is saved."))
                return _to_proposal(proposal)
            status = done.status
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
        return proposal_page(request, proposal, bound={"present": form}, status=400)
    with attempt(form) as done:
        services.present(proposal=proposal, actor=person(request), mode=form.cleaned_data["mode"])
    if not done.ok:
        return _refused(request, proposal, "present", form, done)
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
    with attempt(form) as tried:
        if allow_pass:
            call(text=form.cleaned_data.get("text", ""), passed=passed)
        else:
            call(text=form.cleaned_data.get("text", ""))
    if not tried.ok:
        return _refused(request, proposal, key, form, tried)
    messages.success(request, done)
    return _to_proposal(proposal, anchor)


@login_required
@require_POST
def question_ask(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    member = person(request)
    passed = "pass" in request.POST

    def call(text: str, passed: bool) -> Any:
        return services.ask_question(proposal=proposal, member=member, text=text, passed=passed)

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
    with attempt(form) as done:
        services.answer_question(
            question=question, actor=person(request), text=form.cleaned_data.get("text", "")
        )
    if not done.ok:
        return _refused(request, proposal, "answer", form, done)
    messages.success(request, _("Your answer is posted."))
    return _to_proposal(proposal, f"question-{question.pk}")


@login_required
@require_POST
def reaction_add(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    member = person(request)
    passed = "pass" in request.POST

    def call(text: str, passed: bool) -> Any:
        return services.react(proposal=proposal, member=member, text=text, passed=passed)

    done = _("You passed.") if passed else _("Your reaction is shared.")
    return _text_step(
        request, proposal, "react", _("Your reaction"), call, done, "reactions", allow_pass=True
    )


@login_required
@require_POST
def amendment_suggest(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, org, proposal_id)
    member = person(request)

    def call(text: str) -> Any:
        return services.suggest_amendment(proposal=proposal, member=member, text=text)

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
        return proposal_page(
            request, proposal, error=_("Choose whether to take the amendment up."), status=400
        )
    accept = form.cleaned_data["accept"]
    with attempt() as done:
        services.resolve_amendment(amendment=amendment, actor=person(request), accept=accept)
    if not done.ok:
        return proposal_page(request, proposal, error=done.text, status=done.status)
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
    with attempt() as done:
        proposal = services.advance(proposal=proposal, actor=person(request))
    if not done.ok:
        return proposal_page(request, proposal, error=done.text, status=done.status)
    messages.success(
        request,
        _("Now at the step: %(step)s.") % {"step": proposal.get_state_display()},
    )
    return _to_proposal(proposal)


@login_required
@require_POST
def step_end_change(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    """The facilitator moves the end of the current step, with a reason the circle is told."""
    proposal = _proposal(request, org, proposal_id)
    if refused := _not_allowed(request, proposal, "steer"):
        return refused
    form = StepEndForm(request.POST)
    if not form.is_valid():
        return proposal_page(request, proposal, bound={"step_end": form}, status=400)
    with attempt(form) as done:
        proposal = services.change_step_end(
            proposal=proposal, actor=person(request), ends_at=form.cleaned_data["ends_at"],
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    if not done.ok:
        return proposal_page(request, proposal, bound={"step_end": form}, status=done.status)
    ends = date_format(timezone.localtime(form.cleaned_data["ends_at"]), "j M Y, H:i")
    messages.success(
        request, _("This step now ends on %(time)s. The circle is told why.") % {"time": ends}
    )
    return _to_proposal(proposal, "about-heading")


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
    form = ReviseForm(request.POST, members=circle_members(proposal.circle), objections=standing)
    if not form.is_valid():
        return proposal_page(request, proposal, bound={"revise": form}, status=400)
    measures = form.measures_to_add()
    if form.errors:
        return proposal_page(request, proposal, bound={"revise": form}, status=400)
    with attempt(form) as done:
        version = services.revise(
            proposal=proposal,
            actor=person(request),
            change_note=form.cleaned_data["change_note"],
            measures_to_add=measures,
            integrations=form.integrations(),
            **{k: v for k, v in _draft_fields(form).items() if k != "review_on" or v},
        )
    if not done.ok:
        return _refused(request, proposal, "revise", form, done)
    messages.success(
        request,
        _("Version %(number)s is written. Answers to earlier versions no longer count.")
        % {"number": version.number},
    )
    return _to_proposal(proposal)
