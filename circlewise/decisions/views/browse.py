"""Pages that show the consent process: what needs me, a circle's proposals, one proposal with
its steps, versions and objections, decision records, the policy register and the backlog.

Each view authorises through decisions.permissions (or circles.permissions), reads with a fixed
number of queries, and renders. Nothing here changes state. `proposal_page` is shared with the
step views, which show a refused step on the same page with the service's message.

The proposal page, the decision record and the policy register keep what they render in
circlewise.core.cache under the organisation's ledger version (every step of the process appends
to the ledger, so the version moves with anything they show) and what differs between viewers;
the permission check runs first, on every request.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core import cache
from circlewise.core.pages import shared_body_page, whole_page

from .. import permissions, selectors, services
from ..forms import (
    PresentForm,
    ReasonForm,
    ReviseForm,
    RoundAnswerForm,
    RoundCloseForm,
    RoundOpenForm,
    TextForm,
)
from ..models import (
    BacklogItem,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Decision,
    Measure,
    Objection,
    ObjectionMessage,
    Policy,
    Proposal,
    ProposalVersion,
    RosterEntry,
)

State = Proposal.State


# Helpers -----------------------------------------------------------------------------------


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    return circle_permissions.get_organisation_for(request.user, slug)


def check_org(obj_org: Organisation, slug: str) -> None:
    """Something reached through another organisation's address is not found there."""
    if obj_org.slug != slug:
        raise Http404


def circle_members(circle: Circle) -> QuerySet[User]:
    return User.objects.filter(
        circle_memberships__circle=circle, circle_memberships__ended_on__isnull=True
    ).order_by("name")


def _title_subquery() -> Subquery:
    return Subquery(
        ProposalVersion.objects.filter(
            proposal=OuterRef("pk"), number=OuterRef("version_number")
        ).values("title")[:1]
    )


def with_titles(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """The current version's title on each proposal, in the same query."""
    return proposals.annotate(title=_title_subquery())


# Status words, icons and colours: never colour alone.
ANSWER_LOOK = {
    "consent": ("current", "check", gettext_lazy("consented")),
    "concern": ("ending", "info", gettext_lazy("consented with a concern")),
    "objection": ("expired", "alert", gettext_lazy("objected")),
    "waiting": ("neutral", "clock", gettext_lazy("not yet")),
    "left": ("ended", "out", gettext_lazy("left the circle during the round")),
    "absent": ("ended", "minus", gettext_lazy("absent: lazy consent")),
    "joined": ("neutral", "info", gettext_lazy("joined after it opened: not asked")),
    "unknown": ("ended", "minus", gettext_lazy("no answer recorded")),
}

POLICY_LOOK = {
    Policy.Status.ACTIVE: ("current", "check"),
    Policy.Status.REVIEW_DUE: ("ending", "clock"),
    Policy.Status.EXPIRED: ("expired", "alert"),
    Policy.Status.SUPERSEDED: ("ended", "minus"),
    Policy.Status.RETIRED: ("ended", "archive"),
}

STATE_LOOK = {
    State.DRAFT: ("neutral", "edit"),
    State.CLARIFYING: ("primary", "info"),
    State.REACTING: ("primary", "activity"),
    State.SYNTHESIS: ("primary", "edit"),
    State.CONSENT: ("accent", "check"),
    State.OBJECTIONS: ("ending", "alert"),
    State.DECIDED: ("current", "check"),
    State.POSTPONED: ("ended", "clock"),
    State.DROPPED: ("ended", "minus"),
    State.HANDED_OVER: ("ended", "arrow-right"),
    State.ESCALATED: ("ended", "arrow-right"),
    State.HANDED_BACK: ("ended", "arrow-right"),
}


def decorate_proposals(proposals: list[Proposal]) -> list[Proposal]:
    for p in proposals:
        p.look = STATE_LOOK.get(State(p.state), ("neutral", "info"))  # type: ignore[attr-defined]
    return proposals


def decorate_policy(policy: Policy, today: dt.date) -> Policy:
    status = policy.status(today)
    css, icon = POLICY_LOOK[status]
    policy.status_key = status.value  # type: ignore[attr-defined]
    policy.status_label = status.label  # type: ignore[attr-defined]
    policy.status_css = css  # type: ignore[attr-defined]
    policy.status_icon = icon  # type: ignore[attr-defined]
    return policy


# What needs me -----------------------------------------------------------------------------


@login_required
def needs_me(request: HttpRequest, org: str) -> HttpResponse:
    """Rounds waiting for my answer, objections stated back to me, the proposals where I have a
    step to take (the step the proposal's own page names: selectors.needs_me) and the backlog."""
    organisation = _organisation(request, org)
    user = request.user
    assert isinstance(user, User)
    found = selectors.needs_me(user, circle_permissions.circle_ids_of(user, organisation))
    proposals = found["proposals"]
    ids = {r.proposal_id for r in found["rounds"]} | {p.pk for p in proposals}
    ids |= {o.proposal_id for o in found["objections_to_confirm"]}
    titles = {
        v.proposal_id: v.title
        for v in ProposalVersion.objects.filter(
            proposal_id__in=ids, number=F("proposal__version_number")
        ).only("proposal_id", "title")
    }
    for row in [*found["rounds"], *found["objections_to_confirm"]]:
        row.title = titles.get(row.proposal_id, "")
    for p in proposals:
        p.title = titles.get(p.pk, "")
        p.need = _listed_need(p.next_step, organisation.slug, p.pk)
    return render(
        request,
        "decisions/needs_me.html",
        {
            "organisation": organisation,
            "rounds": found["rounds"],
            "objections": found["objections_to_confirm"],
            "proposals": decorate_proposals(proposals),
            "backlog": found["backlog"],
            "nothing": not (
                found["rounds"] or found["objections_to_confirm"] or proposals or found["backlog"]
            ),
            "today": timezone.localdate(),
        },
    )


def _listed_need(step: selectors.NextStep, org: str, proposal_id: int) -> Need:
    """A step as "what needs me" lists it: the label the proposal's panel gives it, and a link
    to that panel (or to the objection it concerns)."""
    page = reverse("decisions:proposal_detail", args=[org, proposal_id])
    need = Need(step.sentence, kind=step.kind, href=page + "#now")
    if step.kind in NEED_LABELS:
        need.action = str(NEED_LABELS[step.kind][0])
    elif step.kind in OBJECTION_LABELS and step.target is not None:
        need.action = str(OBJECTION_LABELS[step.kind])
        need.href = reverse("decisions:objection_detail", args=[org, step.target])
    elif step.kind == "advance":
        need.action = _("Move on")
    elif step.kind == "close_round":
        need.action = _("Close the round")
    return need


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


# One proposal ------------------------------------------------------------------------------


@dataclass
class Step:
    key: str
    label: str
    status: str  # done, current or upcoming


def steps_for(proposal: Proposal) -> list[Step]:
    return [Step(s["key"], s["label"], s["status"]) for s in selectors.process_steps(proposal)]


@dataclass
class Need:
    """What is needed from the viewer now: one sentence and at most one primary action."""

    sentence: str
    kind: str = ""  # selectors.next_step's kind, the same the API names
    action: str = ""  # the label of the primary action
    href: str = ""  # an anchor on the page (a form), or another page
    post: str = ""  # or a URL to POST to with one button
    hidden: list[tuple[str, str]] = field(default_factory=list)  # what that button sends
    detail: list[str] = field(default_factory=list)


@dataclass
class RosterRow:
    user: User
    state: str
    css: str
    icon: str
    label: str
    reason: str = ""
    at: dt.datetime | None = None
    objection_id: int | None = None
    left_at: dt.datetime | None = None


def roster_rows(
    round_: ConsentRound, entries: Sequence[RosterEntry], responses: Sequence[ConsentResponse]
) -> list[RosterRow]:
    by_user = {r.user_id: r for r in responses}
    rows = []
    for entry in entries:
        response = by_user.get(entry.user_id)
        if response is not None:
            state = response.answer
        elif entry.left_circle_at is not None:
            state = "left"
        elif entry.absent:
            state = "absent"
        else:
            state = "waiting"
        css, icon, label = ANSWER_LOOK[state]
        objection = getattr(response, "objection_pk", None) if response else None
        rows.append(
            RosterRow(
                user=entry.user,
                state=state,
                css=css,
                icon=icon,
                label=str(label),
                reason=response.reason if response else "",
                at=response.created_at if response else entry.left_circle_at,
                objection_id=objection,
                left_at=entry.left_circle_at,
            )
        )
    order = {"waiting": 0, "objection": 1, "concern": 2, "consent": 3, "absent": 4, "left": 5}
    rows.sort(key=lambda r: (order[r.state], r.user.name.lower()))
    return rows


def _load_round(round_: ConsentRound, member_ids: set[int]) -> dict[str, Any]:
    entries = list(
        RosterEntry.objects.filter(round=round_)
        .select_related("user")
        .only("id", "round_id", "user_id", "required", "left_circle_at", "absent",
              "user__id", "user__name", "user__email", "user__pronouns")
    )  # fmt: skip
    responses = list(
        ConsentResponse.objects.filter(round=round_).annotate(
            objection_pk=Subquery(
                Objection.objects.filter(response=OuterRef("pk")).values("pk")[:1]
            )
        )
    )
    rows = roster_rows(round_, entries, responses)
    answered = {r.user_id for r in responses}
    waiting = [
        e.user for e in entries if e.required and e.user_id not in answered
    ]  # the same rule as services.waiting_for, on rows already loaded
    waiting.sort(key=lambda u: u.name.lower())
    # "2 of 5 answered" and the quorum count those asked less anyone who left without answering.
    quorum = services.count_quorum(
        round_.quorum_percent,
        ((e.user_id, e.left_circle_at) for e in entries),
        {r.user_id for r in responses if not r.after_round_closed},
        member_ids if round_.is_open else None,
    )
    return {
        "round": round_,
        "rows": rows,
        "waiting": waiting,
        "answered_count": quorum.answered,
        "asked_count": quorum.asked,
        "quorum": quorum,
        "roster_ids": {e.user_id for e in entries},
        "my_entry": None,
        "responses": responses,
    }


# The page's label and place for each kind of step (selectors.next_step decides which).
NEED_LABELS = {
    "present": (gettext_lazy("Present to the circle"), "#present"),
    "ask_question": (gettext_lazy("Ask a clarifying question"), "#ask"),
    "answer_questions": (gettext_lazy("Answer the questions"), "#questions"),
    "react": (gettext_lazy("Give your reaction"), "#react"),
    "resolve_amendments": (gettext_lazy("Consider the amendments"), "#amendments"),
    "revise": (gettext_lazy("Write a new version"), "#revise"),
    "open_round": (gettext_lazy("Open the consent round"), ""),  # a button in the panel
    "answer_round": (gettext_lazy("Give your answer"), "#answer"),
}
OBJECTION_LABELS = {
    "confirm_objection": gettext_lazy("Check and confirm"),
    "discuss_objection": gettext_lazy("Open your objection"),
    "state_back": gettext_lazy("Open the objection"),
}


def situation_for(ctx: dict[str, Any], user: User) -> selectors.Situation:
    """The facts the page has read, for selectors.next_step."""
    p: Proposal = ctx["proposal"]
    round_info = ctx["round_info"]
    late_until = None
    if p.state == State.DECIDED and ctx["can_answer"] and round_info is not None:
        late_until = round_info["round"].lazy_until
    return selectors.situation(
        p,
        user.pk,
        take_part=ctx["can_take_part"],
        steer=ctx["can_steer"],
        synthesise=ctx["can_synthesise"],
        questions=ctx["questions"],
        reactions=ctx["reactions"],
        amendments=ctx["amendments"],
        objections=ctx["objections"],
        round_id=round_info["round"].pk if round_info else None,
        round_lazy=bool(round_info and round_info["round"].lazy),
        waiting_ids=[u.pk for u in round_info["waiting"]] if round_info else (),
        quorum_short=round_info["quorum"].short if round_info else 0,
        answered=ctx["my_answer"] is not None,
        late_until=late_until,
        decision_id=ctx["decision"].pk if ctx["decision"] is not None else None,
    )


def _need_for(ctx: dict[str, Any], user: User) -> Need:
    step = selectors.next_step(situation_for(ctx, user))
    need = Need(step.sentence, kind=step.kind)
    if step.kind in NEED_LABELS:
        label, need.href = NEED_LABELS[step.kind]
        need.action = str(label)
    if step.kind == "open_round":
        # A button right in the panel, on the version this page shows: the service refuses a
        # stale one, so nobody opens the round on a version they have not seen.
        need.post, need.href = ctx["urls"]["round_open"], ""
        need.hidden = [("subject", "proposal"), ("version", str(ctx["version"].number))]
        need.detail = [
            _("Everyone now in the circle is asked, and the list is fixed when the round opens.")
        ]
    elif step.kind == "read_decision":
        need.action, need.href = _("Read the decision record"), ctx["decision_url"]
    elif step.kind == "advance":
        need.post = ctx["urls"]["advance"]
        need.action = (
            _("Move on to reactions")
            if ctx["proposal"].state == State.CLARIFYING
            else _("Move on to synthesis")
        )
    elif step.kind == "close_round":
        # Closing early needs a reason: the round's own form (includes/round_close.html).
        need.action, need.href = _("Close the round"), "#close-round"
    elif step.kind in OBJECTION_LABELS and step.target is not None:
        need.action = str(OBJECTION_LABELS[step.kind])
        need.href = _with_id(ctx["urls"]["objection_base"], step.target)
    return need


ID = 987654321  # a placeholder id: one reverse() per page, replaced for each row


def _with_id(url: str, pk: int) -> str:
    return url.replace(str(ID), str(pk))


def _urls(proposal: Proposal) -> dict[str, str]:

    org = proposal.circle.organisation.slug
    pid = proposal.pk
    names = [
        "proposal_detail", "proposal_versions", "proposal_edit", "proposal_present",
        "question_ask", "reaction_add", "amendment_suggest", "proposal_advance",
        "proposal_revise", "round_open",
    ]  # fmt: skip
    urls = {n: reverse(f"decisions:{n}", args=[org, pid]) for n in names}
    urls["advance"] = urls["proposal_advance"]
    urls["answer_base"] = reverse("decisions:question_answer", args=[org, pid, ID])
    urls["resolve_base"] = reverse("decisions:amendment_resolve", args=[org, pid, ID])
    urls["objection_base"] = reverse("decisions:objection_detail", args=[org, ID])
    urls["round_answer"] = ""
    urls["round_close"] = ""
    return urls


def proposal_context(
    request: HttpRequest,
    proposal: Proposal,
    *,
    bound: dict[str, django_forms.Form] | None = None,
    error: str = "",
) -> dict[str, Any]:

    user = request.user
    assert isinstance(user, User)
    bound = bound or {}
    circle = proposal.circle
    organisation = circle.organisation
    version = (
        ProposalVersion.objects.filter(proposal=proposal, number=proposal.version_number)
        .select_related("created_by")
        .get()
    )
    proposal._current_version = version
    decorate_proposals([proposal])
    measures = list(Measure.objects.filter(version=version).select_related("owner"))
    can_take_part = permissions.can_take_part(user, proposal)
    can_steer = can_take_part and permissions.can_steer_circle(user, circle)
    circle_settings = services.settings_for(circle)
    can_synthesise = can_take_part and (
        can_steer
        or (
            circle_settings.synthesis_by == circle_settings.Synthesis.AUTHOR
            and proposal.author_id == user.pk
        )
    )
    contributions = list(
        Contribution.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    questions = [c for c in contributions if c.kind == Contribution.Kind.QUESTION]
    answers: dict[int, list[Contribution]] = {}
    for c in contributions:
        if c.kind == Contribution.Kind.ANSWER and c.reply_to_id:
            answers.setdefault(c.reply_to_id, []).append(c)
    for q in questions:
        q.answers = answers.get(q.pk, [])  # type: ignore[attr-defined]
    current = proposal.version_number
    reactions = [
        c
        for c in contributions
        if c.kind == Contribution.Kind.REACTION and c.version_number == current
    ]
    amendments = [c for c in contributions if c.kind == Contribution.Kind.AMENDMENT]
    members = list(circle_members(circle).only("id", "name", "email", "pronouns"))
    reaction_by = {r.author_id: r for r in reactions}
    reaction_rows = [(m, reaction_by.get(m.pk)) for m in members]
    reaction_rows += [
        (r.author, r) for r in reactions if r.author_id not in {m.pk for m in members}
    ]
    objections = list(
        Objection.objects.filter(proposal=proposal)
        .select_related("objector", "stated_back_by")
        .annotate(message_count=Count("messages"))
        .order_by("created_at", "pk")
    )
    rounds = list(ConsentRound.objects.filter(proposal=proposal).order_by("opened_at", "pk"))
    open_round = next((r for r in rounds if r.is_open), None)
    shown_round = open_round
    now = timezone.now()
    late_window = bool(
        rounds
        and rounds[-1].lazy_until is not None
        and rounds[-1].outcome == ConsentRound.Outcome.CONSENTED
        and now < rounds[-1].lazy_until
    )
    if shown_round is None and rounds and (proposal.state == State.OBJECTIONS or late_window):
        shown_round = rounds[-1]
    member_ids = {m.pk for m in members}
    round_info = _load_round(shown_round, member_ids) if shown_round is not None else None
    urls = _urls(proposal)
    if shown_round is not None:
        urls["round_answer"] = reverse(
            "decisions:round_answer", args=[organisation.slug, shown_round.pk]
        )
    if open_round is not None:
        urls["round_close"] = reverse(
            "decisions:round_close", args=[organisation.slug, open_round.pk]
        )
    my_answer = None
    joined_late: list[User] = []
    if round_info is not None:
        my_answer = next((r for r in round_info["responses"] if r.user_id == user.pk), None)
        joined_late = [m for m in members if m.pk not in round_info["roster_ids"]]
    my_row = next(
        (r for r in round_info["rows"] if r.user.pk == user.pk), None
    ) if round_info else None  # fmt: skip
    can_answer = can_take_part and my_answer is None and my_row is not None
    if can_answer and open_round is not None:
        can_answer = my_row is not None and my_row.state == "waiting"
    elif can_answer:
        can_answer = late_window and my_row is not None and my_row.state == "absent"
    decision = None
    decision_url = ""
    if proposal.state == State.DECIDED:
        decision = Decision.objects.filter(proposal=proposal).select_related("policy").first()
        if decision is not None:
            decision_url = reverse(
                "decisions:decision_detail", args=[organisation.slug, decision.pk]
            )
    helping = permissions.hand_over_circles(user, organisation)
    standing = [o for o in objections if o.status == Objection.Status.OPEN]
    blocking = [o for o in standing if o.version_number == proposal.version_number]
    revise_initial = {
        "title": version.title, "driver": version.driver, "text": version.text, "aim": version.aim,
        "review_on": version.review_on, "measures": version.measures,
        "feedback_channel": version.feedback_channel,
    }  # fmt: skip
    member_qs = circle_members(circle)
    forms: dict[str, Any] = {
        "present": PresentForm(),
        "ask": TextForm(label=_("Your question")),
        "react": TextForm(label=_("Your reaction")),
        "amend": TextForm(label=_("The amendment you suggest")),
        "revise": None,
        "round_open": RoundOpenForm(helping=helping),
        "round_answer": RoundAnswerForm(allow_concerns=circle_settings.allow_concerns),
        "round_close": RoundCloseForm(),
        "answer": TextForm(label=_("Your answer")),
    }
    if can_synthesise and proposal.state in (State.REACTING, State.SYNTHESIS, State.CONSENT,
                                             State.OBJECTIONS):  # fmt: skip
        forms["revise"] = ReviseForm(initial=revise_initial, members=member_qs, objections=standing)
    forms.update(bound)
    answer_error_for = None
    if "answer" in bound:
        answer_error_for = getattr(bound["answer"], "question_id", None)
    ctx: dict[str, Any] = {
        "organisation": organisation,
        "circle": circle,
        "proposal": proposal,
        "version": version,
        "measures": measures,
        "steps": steps_for(proposal),
        "is_exit": proposal.state in Proposal.EXIT_STATES,
        "is_author": proposal.author_id == user.pk,
        "can_take_part": can_take_part,
        "can_steer": can_steer,
        "can_synthesise": can_synthesise,
        "settings": circle_settings,
        "questions": questions,
        "my_question": any(
            q.author_id == user.pk and q.version_number == current for q in questions
        ),
        "reactions": reactions,
        "reaction_rows": reaction_rows,
        "my_reaction": reaction_by.get(user.pk),
        "amendments": amendments,
        "open_amendments": [
            a for a in amendments if a.amendment_status == Contribution.AmendmentStatus.OPEN
        ],
        "objections": objections,
        "standing": standing,
        "blocking": blocking,
        "rounds": rounds,
        "open_round": open_round,
        "round_info": round_info,
        "my_answer": my_answer,
        "can_answer": can_answer,
        "late_window": late_window,
        "late_answer": None,
        "joined_late": joined_late,
        "decision": decision,
        "decision_url": decision_url,
        "urls": urls,
        "forms": forms,
        "answer_error_for": answer_error_for,
        "error": error,
        "members": members,
        "has_helping": bool(forms["round_open"].fields["handed_to"].queryset.exists()),
        "has_parent": circle.parent_id is not None,
        # Circles this page mentions, named only to those who may see them.
        "parent_shown": _shown(user, organisation, circle.parent),
        "round_target": _shown(
            user, organisation, shown_round.handed_to if shown_round is not None else None
        ),
        # The helping circle whose mandate it extends; a private one named only to its members.
        "extends_shown": _shown(user, organisation, proposal.extends_circle)
        if proposal.extends_circle_id is not None
        else None,
    }
    ctx["need"] = _need_for(ctx, user)
    return ctx


def late_answer_context(
    request: HttpRequest, proposal: Proposal, late: services.LateAnswerError
) -> dict[str, Any]:
    """An answer that came after the time to object under lazy consent: what the person wrote,
    and where to take it instead: an early review of the policy the decision set (in force), or
    else the circle's backlog."""
    organisation = proposal.circle.organisation
    decision = Decision.objects.filter(proposal=proposal).select_related("policy").first()
    policy = decision.policy if decision is not None else None
    if policy is not None and not policy.is_in_force:
        policy = None
    action = ""
    if policy is not None and permissions.can_review_policy(request.user, policy):
        action = reverse("decisions:policy_review", args=[organisation.slug, policy.pk])
    elif permissions.can_raise_item(request.user, proposal.circle):
        policy = None
        action = reverse("decisions:backlog_add", args=[organisation.slug, proposal.circle.slug])
    title = proposal.current_version.title
    return {
        "message": late.text,
        "ended_at": late.ended_at,
        "answer": late.answer,
        "reason": late.reason,
        "policy": policy,
        "action": action,
        "topic": (_("Look again at: %(title)s") % {"title": title})[:200],
    }


def _shown(user: User, organisation: Organisation, circle: Circle | None) -> Circle | None:
    """A circle of this organisation mentioned on the page, if the viewer may see it."""
    if circle is not None:
        circle.organisation = organisation  # the one this request loaded: no query for it
    return circle_permissions.shown_circle(user, circle)


def proposal_page(
    request: HttpRequest,
    proposal: Proposal,
    *,
    bound: dict[str, django_forms.Form] | None = None,
    error: str = "",
    status: int = 200,
    partial: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    ctx = proposal_context(request, proposal, bound=bound, error=error)
    ctx.update(extra or {})
    template = "decisions/proposal_detail.html" + (f"#{partial}" if partial else "")
    return render(request, template, ctx, status=status)


def _cached_circle(organisation: Organisation, circle_id: int) -> Circle:
    """The circle (with its parent) from the cache on the organisation's ledger version, the
    organisation being the one this request read; a circle of another organisation is not found."""
    version = cache.organisation_version(organisation)
    (circle,) = cache.value(
        f"decisions-circle:{organisation.pk}:{circle_id}",
        version=version,
        compute=lambda: (
            Circle.objects.select_related("parent")
            .filter(pk=circle_id, organisation_id=organisation.pk)
            .first(),
        ),
    )
    if circle is None:
        raise Http404
    circle.organisation = organisation
    return circle


def _viewable_proposal(
    request: HttpRequest, org: str, proposal_id: int
) -> tuple[Proposal, dt.datetime | None]:
    """get_proposal_for for a page that only reads, with its rows from the cache on the
    organisation's ledger version (every change to a proposal or its circle moves it). The check
    itself, decisions.permissions.can_view_proposal, runs on every request. Also returns when the
    late window of its last round closes, if it was consented lazily."""
    organisation = _organisation(request, org)
    version = cache.organisation_version(organisation)

    def load() -> tuple[Proposal | None, dt.datetime | None]:
        found = Proposal.objects.filter(
            pk=proposal_id, circle__organisation_id=organisation.pk
        ).first()
        return found, _lazy_until(found) if found is not None else None

    proposal, lazy_until = cache.value(
        f"decisions-proposal:{organisation.pk}:{proposal_id}", version=version, compute=load
    )
    if proposal is None:
        raise Http404
    proposal.circle = _cached_circle(organisation, proposal.circle_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    return proposal, lazy_until


@login_required
def proposal_detail(request: HttpRequest, org: str, proposal_id: int) -> HttpResponse:
    """The proposal with its steps, kept whole per viewer: what they may do, their own answer and
    what is needed from them differ from one member to the next."""
    proposal, lazy_until = _viewable_proposal(request, org, proposal_id)
    version = cache.organisation_version(proposal.circle.organisation)
    # lazy_until: the one thing the page shows that time alone changes, whether absentees may
    # still object after a lazy consent (no ledger event marks the end of that window).
    return whole_page(
        request,
        "decisions/proposal_detail.html",
        lambda: proposal_context(request, proposal),
        name=f"proposal-page:{proposal.pk}",
        version=version,
        vary=(lazy_until is not None and timezone.now() < lazy_until,),
    )


def _lazy_until(proposal: Proposal) -> dt.datetime | None:
    """When the late window of the proposal's last round closes, if it was consented lazily."""
    last = ConsentRound.objects.filter(proposal=proposal).order_by("-opened_at", "-pk").first()
    if last is None or last.outcome != ConsentRound.Outcome.CONSENTED:
        return None
    return last.lazy_until


# Versions ----------------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> SafeString:
    """The text's changes word by word: removed words in <del>, added in <ins>, each also said
    in words for screen readers (and struck through or underlined: never colour alone)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    removed, added = _("removed:"), _("added:")
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(conditional_escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(
                f'<del><span class="visually-hidden">[{removed} </span>'
                f'{conditional_escape("".join(a[i1:i2]))}<span class="visually-hidden">]</span></del>'
            )
        if op in ("insert", "replace"):
            out.append(
                f'<ins><span class="visually-hidden">[{added} </span>'
                f'{conditional_escape("".join(b[j1:j2]))}<span class="visually-hidden">]</span></ins>'
            )
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped


VERSION_FIELDS = [
    ("title", gettext_lazy("Title")),
    ("driver", gettext_lazy("Driver")),
    ("aim", gettext_lazy("Aim it serves")),
    ("measures", gettext_lazy("Measures")),
    ("feedback_channel", gettext_lazy("Feedback channel")),
]


def version_changes(before: ProposalVersion, after: ProposalVersion) -> dict[str, Any]:
    """What changed from one version to another: each changed field word by word, the review
    date, and the text. Shared by the versions page and the decision record."""
    changes: list[dict[str, Any]] = []
    for name, label in VERSION_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            changes.append({"label": label, "diff": word_diff(old or "", new or "")})
    if before.review_on != after.review_on:
        changes.append(
            {"label": _("Review date"), "before": before.review_on, "after": after.review_on}
        )
    return {
        "changes": changes,
        "text_diff": word_diff(before.text, after.text),
        "text_changed": before.text != after.text,
    }


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


# Objections --------------------------------------------------------------------------------


def objection_context(
    request: HttpRequest, objection: Objection, *, bound: dict[str, Any] | None = None,
    error: str = "",
) -> dict[str, Any]:  # fmt: skip
    user = request.user
    assert isinstance(user, User)
    proposal = permissions.get_proposal_for(user, objection.proposal_id)
    objection = Objection.objects.select_related("objector", "stated_back_by").get(pk=objection.pk)
    version = ProposalVersion.objects.get(proposal=proposal, number=objection.version_number)
    thread = list(ObjectionMessage.objects.filter(objection=objection).select_related("author"))
    forms: dict[str, Any] = {
        "discuss": TextForm(label=_("Your message")),
        "state_back": TextForm(label=_("The objection, in your own words")),
    }
    forms.update(bound or {})
    can_take_part = permissions.can_take_part(user, proposal)
    is_objector = objection.objector_id == user.pk
    return {
        "organisation": proposal.circle.organisation,
        "circle": proposal.circle,
        "proposal": proposal,
        "title": proposal.current_version.title,
        "objection": objection,
        "version": version,
        "thread": thread,
        "measures": list(
            Measure.objects.filter(
                objection=objection, version__number=proposal.version_number
            ).select_related("owner")
        ),
        "forms": forms,
        "error": error,
        "can_take_part": can_take_part,
        "is_objector": is_objector,
        "is_open": objection.status == Objection.Status.OPEN,
        "can_state_back": can_take_part
        and not is_objector
        and objection.status == Objection.Status.OPEN,
    }


def objection_page(
    request: HttpRequest, objection: Objection, *, bound: dict[str, Any] | None = None,
    error: str = "", status: int = 200,
) -> HttpResponse:  # fmt: skip
    ctx = objection_context(request, objection, bound=bound, error=error)
    return render(request, "decisions/objection_detail.html", ctx, status=status)


@login_required
def objection_detail(request: HttpRequest, org: str, objection_id: int) -> HttpResponse:
    objection = permissions.get_objection_for(request.user, objection_id)
    check_org(objection.proposal.circle.organisation, org)
    return objection_page(request, objection)


# Decisions ---------------------------------------------------------------------------------


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


@login_required
def decision_detail(request: HttpRequest, org: str, decision_id: int) -> HttpResponse:
    """The record: read from the decision's frozen record, never edited. The same for everyone
    who may see it, so its body is shared; the page around it is kept per viewer."""
    organisation = _organisation(request, org)
    version = cache.organisation_version(organisation)
    # The check needs the decision's circle only: kept on the ledger version, like the circle.
    (found,) = cache.value(
        f"decision-summary:{organisation.pk}:{decision_id}",
        version=version,
        compute=lambda: (
            Decision.objects.filter(pk=decision_id, circle__organisation_id=organisation.pk)
            .values_list("circle_id", "record__version__title")
            .first(),
        ),
    )
    if found is None:
        raise Http404
    circle_id, title = found
    circle = _cached_circle(organisation, circle_id)
    if not permissions.can_view_decision(request.user, Decision(pk=decision_id, circle=circle)):
        raise Http404

    def render_page() -> str:
        decision = Decision.objects.select_related("proposal", "version", "policy").get(
            pk=decision_id
        )
        decision.circle = circle
        return render_to_string(
            "decisions/decision_detail.html#page", _decision_context(decision), request
        )

    def page() -> str:
        name = f"decision-body:{decision_id}"
        return cache.fragment(name, version=version, render=render_page)

    return whole_page(
        request,
        "decisions/decision_detail.html",
        {"organisation": organisation, "circle": circle, "title": title or "", "page": page},
        name=f"decision-page:{decision_id}",
        version=version,
        vary=(),
    )


def _decision_context(decision: Decision) -> dict[str, Any]:
    """The reads of the decision record's body: run only when it is rendered."""
    record = decision.record or {}
    ids: set[int] = set(record.get("roster", []))
    ids |= {a["user"] for a in record.get("answers", [])}
    ids |= {o["objector"] for o in record.get("objections", [])}
    ids |= {c["user"] for c in record.get("concerns", [])}
    ids |= set(record.get("absent", [])) | set(record.get("joined_after_opening", []))
    ids |= {e["user"] for e in record.get("left", [])}
    closed_early = record.get("closed_early")
    if closed_early:
        ids.add(closed_early["by"])
    if record.get("author"):
        ids.add(record["author"])
    version = record.get("version", {})
    ids |= {m["owner"] for m in version.get("measure_set", []) if m.get("owner")}
    people = {
        u.pk: u for u in User.objects.filter(pk__in=ids).only("id", "name", "email", "pronouns")
    }
    rows = record_rows(record, people)
    objections = [{**o, "person": people.get(o["objector"])} for o in record.get("objections", [])]
    concerns = [{**c, "person": people.get(c["user"])} for c in record.get("concerns", [])]
    measures = [{**m, "person": people.get(m.get("owner"))} for m in version.get("measure_set", [])]
    review_on = record.get("review_on")
    target_id = record.get("policy_target")
    target = (
        Policy.objects.filter(pk=target_id).only("id", "title").first()
        if target_id is not None
        else None
    )
    # The version first presented, to show what changed to the one consented to.
    consented = decision.version
    first = (
        ProposalVersion.objects.filter(proposal_id=decision.proposal_id, number=1).first()
        if consented.number > 1
        else None
    )
    quorum = record.get("quorum")
    return {
        "policy_action": record.get("policy_action") or "",
        "target": target,
        # What changed from the version first presented to the one consented to.
        "first_version": first,
        "since_first": version_changes(first, consented) if first is not None else None,
        "quorum": quorum,
        "closed_early": (
            {**closed_early, "person": people.get(closed_early["by"])} if closed_early else None
        ),
        "quorum_percent": record.get("quorum_percent"),
        "organisation": decision.circle.organisation,
        "circle": decision.circle,
        "decision": decision,
        "record": record,
        "version": version,
        "author": people.get(record.get("author") or 0),
        "rows": rows,
        "objections": objections,
        "concerns": concerns,
        "measures": measures,
        "review_on": dt.date.fromisoformat(review_on) if review_on else None,
    }


def record_rows(record: dict[str, Any], people: dict[int, User]) -> list[dict[str, Any]]:
    """Everyone the decision concerned, from its frozen record: each member asked with their
    answer, or absent under lazy consent, or gone from the circle during the round (when); then
    those who joined after it opened and were not asked. Records made before they said more than
    the answers show "no answer recorded" for anyone who did not answer."""
    answers = {a["user"]: a for a in record.get("answers", [])}
    absent = set(record.get("absent", []))
    left = {e["user"]: _parse_time(e["at"]) for e in record.get("left", [])}
    rows = []
    for uid in record.get("roster", []):
        a = answers.get(uid)
        if a is not None:
            state = a["answer"]
        elif uid in left:
            state = "left"
        elif uid in absent:
            state = "absent"
        else:
            state = "unknown"
        css, icon, label = ANSWER_LOOK[state]
        rows.append(
            {
                "person": people.get(uid),
                "state": state,
                "css": css,
                "icon": icon,
                "label": label,
                "reason": a["reason"] if a else "",
                "at": _parse_time(a.get("at")) if a else None,
                "left_at": left.get(uid),
            }
        )
    for uid in record.get("joined_after_opening", []):
        css, icon, label = ANSWER_LOOK["joined"]
        rows.append(
            {"person": people.get(uid), "state": "joined", "css": css, "icon": icon,
             "label": label, "reason": "", "at": None, "left_at": None}
        )  # fmt: skip
    return rows


# Policies ----------------------------------------------------------------------------------


@login_required
def policy_register(request: HttpRequest, org: str) -> HttpResponse:
    """Every policy the viewer may see, by circle and status."""
    organisation = _organisation(request, org)
    # What differs between viewers: the private circles they see (theirs), and the filters.
    seen_private = circle_permissions.seen_private_ids(request.user, organisation)
    circle_slug = request.GET.get("circle", "")
    status = request.GET.get("status", "")
    return shared_body_page(
        request,
        "decisions/policy_register.html",
        organisation,
        name="policy-register",
        vary=(seen_private, circle_slug, status),
        context=lambda: _register_context(request.user, organisation, circle_slug, status),
    )


def _register_context(
    user: Any, organisation: Organisation, circle_slug: str, status: str
) -> dict[str, Any]:
    """The reads of the register: run only when it is rendered. What it shows depends on the
    viewer only through the private circles they see (`seen_private`, in the key)."""
    today = timezone.localdate()
    circles = circle_permissions.visible_only(
        user,
        organisation,
        Circle.objects.filter(organisation=organisation)
        .order_by("name")
        .only("id", "name", "slug", "visibility", "organisation_id", "archived_at"),
    )
    visible = {c.pk for c in circles}
    policies = Policy.objects.filter(circle_id__in=visible).select_related("circle")
    chosen_circle = next((c for c in circles if c.slug == circle_slug), None)
    if chosen_circle is not None:
        policies = policies.filter(circle=chosen_circle)
    status_q = selectors.policy_status_filter(status, today)
    if status_q is not None:
        policies = policies.filter(status_q)
    else:
        status = ""
    rows = [decorate_policy(p, today) for p in policies.order_by("title", "pk")]
    return {
        "organisation": organisation,
        "policies": rows,
        "circles": circles,
        "chosen_circle": chosen_circle,
        "status": status,
        "statuses": Policy.Status.choices,
        "filtered": bool(chosen_circle or status),
    }


def policy_context(
    request: HttpRequest, policy: Policy, *, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    decisions = list(
        Decision.objects.filter(policy=policy)
        .select_related("version", "proposal")
        .order_by("decided_at", "pk")
    )
    current = next((d for d in decisions if d.pk == policy.current_decision_id), None)
    forms: dict[str, Any] = {"review": ReasonForm(), "withdraw": ReasonForm()}
    forms.update(bound or {})
    in_force = policy.is_in_force
    organisation = policy.circle.organisation
    can_propose = in_force and permissions.can_propose(user, policy.circle)
    propose_urls = {}
    if can_propose:
        base = reverse("decisions:proposal_create", args=[organisation.slug, policy.circle.slug])
        propose_urls = {
            action: f"{base}?{urlencode({'amends': policy.pk, 'action': action})}"
            for action in Proposal.PolicyAction.values
        }
    return {
        "organisation": organisation,
        "circle": policy.circle,
        "policy": decorate_policy(policy, today),
        "current": current,
        "history": list(reversed(decisions)),
        "open_items": list(
            BacklogItem.objects.open().filter(policy=policy).select_related("raised_by")
        ),
        "superseded_by": policy.superseded_by,
        # The decision that replaced or retired it, and the policies it replaced.
        "ended_by": (
            Decision.objects.select_related("version").filter(pk=policy.ended_by_id).first()
            if policy.ended_by_id is not None
            else None
        ),
        "replaced": list(
            Policy.objects.filter(superseded_by=policy).select_related("ended_by").order_by("pk")
        ),
        "in_force": in_force,
        "can_review": in_force and permissions.can_review_policy(user, policy),
        "can_propose": can_propose,
        "propose_urls": propose_urls,
        "forms": forms,
    }


@login_required
def policy_detail(request: HttpRequest, org: str, policy_id: int) -> HttpResponse:
    policy = permissions.get_policy_for(request.user, policy_id)
    check_org(policy.circle.organisation, org)
    return render(request, "decisions/policy_detail.html", policy_context(request, policy))


# The backlog -------------------------------------------------------------------------------


def backlog_page(
    request: HttpRequest, the_circle: Circle, *, error: str = "", status: int = 200
) -> HttpResponse:
    organisation = the_circle.organisation
    items = list(
        BacklogItem.objects.filter(circle=the_circle)
        .select_related("owner", "raised_by", "raised_from", "proposal", "policy", "closed_by")
        .order_by("status", "due_on", "created_at")
    )
    may_drop, may_reopen = permissions.backlog_rights(request.user, the_circle, items)
    is_member = the_circle.pk in circle_permissions.circle_ids_of(request.user, organisation)
    # A topic raised from a private circle names it only to those who see it.
    hidden = circle_permissions.hidden_circle_ids(request.user, organisation)
    for item in items:
        if item.raised_from_id in hidden:
            item.raised_from = None
    return render(
        request,
        "decisions/backlog.html",
        {
            "organisation": organisation,
            "circle": the_circle,
            "open_items": [i for i in items if i.status == BacklogItem.Status.OPEN],
            "closed_items": sorted(
                (i for i in items if i.status != BacklogItem.Status.OPEN),
                key=lambda i: i.closed_at or i.created_at,
                reverse=True,
            ),
            "today": timezone.localdate(),
            "is_member": is_member,
            "can_raise": permissions.can_raise_item(request.user, the_circle),
            "may_drop": may_drop,
            "may_reopen": may_reopen,
            "ended": permissions.ended_refusal(the_circle),
            "error": error,
        },
        status=status,
    )


@login_required
def backlog(request: HttpRequest, org: str, circle: str) -> HttpResponse:
    """Open topics with their owners and due dates; closed ones tucked away."""
    organisation = _organisation(request, org)
    the_circle = circle_permissions.get_circle_for(request.user, organisation, circle)
    return backlog_page(request, the_circle)
