"""The proposal page: its steps, what is needed from the viewer, the round's roster, and a
refused step shown on the same page with the service's message. Shared by the step views of
every stage; kept whole per viewer in circlewise.core.cache under the organisation's ledger
version (the permission check runs first, on every request).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django import forms as django_forms
from django.db.models import OuterRef, Subquery
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from circlewise.accounts.models import User
from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core import cache
from circlewise.core.links import path_to
from circlewise.core.views import Attempt

from .. import permissions, selectors, services
from ..forms import (
    PresentForm,
    ReviseForm,
    RoundAnswerForm,
    RoundCloseForm,
    RoundOpenForm,
    StepEndForm,
    TextForm,
)
from ..models import (
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Decision,
    Objection,
    Proposal,
    ProposalVersion,
    RosterEntry,
)
from ._common import ANSWER_LOOK, State, _organisation, circle_members, decorate_proposals

# One proposal ------------------------------------------------------------------------------


@dataclass
class Step:
    key: str
    label: str
    status: str  # done, current or upcoming
    help: str = ""  # what the step is for and what to do in it


def steps_for(proposal: Proposal) -> list[Step]:
    return [
        Step(s["key"], s["label"], s["status"], str(selectors.STEP_HELP.get(s["key"], "")))
        for s in selectors.process_steps(proposal)
    ]


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


class Entry(NamedTuple):
    """One place on a round's roster, as its values (the person is one of the page's rows)."""

    user_id: int
    required: bool
    left_circle_at: dt.datetime | None
    absent: bool


def roster_rows(
    entries: Sequence[Entry], responses: Sequence[ConsentResponse], people: dict[int, User]
) -> list[RosterRow]:
    by_user = {r.user_id: r for r in responses}
    rows = []
    for entry in entries:
        response = by_user.get(entry.user_id)
        state = selectors.roster_state(entry, response)
        css, icon, label = ANSWER_LOOK[state]
        objection = getattr(response, "objection_pk", None) if response else None
        rows.append(
            RosterRow(
                user=people[entry.user_id],
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


PERSON_FIELDS = ("id", "name", "email", "pronouns")  # what the page shows of a person


def _roster_people(entries: Sequence[Entry], members: dict[int, User]) -> dict[int, User]:
    """The people on the roster: the circle's members already loaded, and (in one query) anyone
    who has left the circle since the round opened."""
    missing = {e.user_id for e in entries if e.user_id not in members}
    people = dict(members)
    if missing:
        people.update((u.pk, u) for u in User.objects.filter(pk__in=missing).only(*PERSON_FIELDS))
    return people


def _load_round(round_: ConsentRound, members: dict[int, User]) -> dict[str, Any]:
    entries = [
        Entry(*values)
        for values in RosterEntry.objects.filter(round=round_).values_list(
            "user_id", "required", "left_circle_at", "absent"
        )
    ]
    people = _roster_people(entries, members)
    responses = list(
        ConsentResponse.objects.current()
        .filter(round=round_)
        .annotate(
            objection_pk=Subquery(
                Objection.objects.filter(response=OuterRef("pk")).values("pk")[:1]
            )
        )
    )
    rows = roster_rows(entries, responses, people)
    answered = {r.user_id for r in responses}
    waiting = [
        people[e.user_id] for e in entries if e.required and e.user_id not in answered
    ]  # the same rule as services.waiting_for, on rows already loaded
    waiting.sort(key=lambda u: u.name.lower())
    # "2 of 5 answered" and the quorum count those asked less anyone who left without answering.
    quorum = services.count_quorum(
        round_.quorum_percent,
        ((e.user_id, e.left_circle_at) for e in entries),
        {r.user_id for r in responses if not r.after_round_closed},
        set(members) if round_.is_open else None,
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
    "change_end": (gettext_lazy("Give it more time"), "#step-end"),
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
        lazy_policy=ctx["settings"].absentee_policy == CircleDecisionSettings.Absentees.LAZY,
        shared=p.is_draft and permissions.is_shared_for_comment(p),
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
        need.href = path_to("decisions:objection_detail", ctx["organisation"].slug, step.target)
    return need


def _urls(proposal: Proposal) -> dict[str, str]:
    org = proposal.circle.organisation.slug
    pid = proposal.pk
    names = [
        "proposal_detail", "proposal_versions", "proposal_edit", "proposal_present",
        "question_ask", "reaction_add", "amendment_suggest", "proposal_advance",
        "proposal_revise", "round_open", "step_end_change",
    ]  # fmt: skip
    urls = {n: path_to(f"decisions:{n}", org, pid) for n in names}
    urls["advance"] = urls["proposal_advance"]
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
    """The page's context for the viewer: selectors.proposal_detail (the read the API's answer
    shares), with what only the page shows: the roster rows, the forms, the links."""
    user = request.user
    assert isinstance(user, User)
    bound = bound or {}
    circle = proposal.circle
    organisation = circle.organisation
    found = selectors.proposal_detail(user, proposal)
    decorate_proposals([proposal])
    members = list(circle_members(circle).only(*PERSON_FIELDS))
    urls = _urls(proposal)
    rounds = _round_context(user, proposal, found, members, urls)
    decision = found.decision
    decision_url = ""
    if decision is not None:
        decision_url = path_to("decisions:decision_detail", organisation.slug, decision.pk)
    forms = _page_forms(user, proposal, found, bound, answer=request.GET.get("answer", ""))
    answer_error_for = None
    if "answer" in bound:
        answer_error_for = getattr(bound["answer"], "question_id", None)
    shown_round = rounds.pop("shown_round")
    ctx: dict[str, Any] = {
        "organisation": organisation,
        "circle": circle,
        "proposal": proposal,
        "version": found.version,
        "measures": found.measures,
        "steps": steps_for(proposal),
        "is_exit": proposal.state in Proposal.EXIT_STATES,
        "is_author": proposal.author_id == user.pk,
        "can_take_part": found.can_take_part,
        "can_steer": found.can_steer,
        "can_synthesise": found.can_synthesise,
        "settings": found.settings,
        **_contributions(user, proposal, found, members),
        "rounds": found.rounds,
        **rounds,
        "late_answer": None,
        "decision": decision,
        "decision_url": decision_url,
        "urls": urls,
        "forms": forms,
        "answer_error_for": answer_error_for,
        "error": error,
        "members": members,
        "faces": {},  # the row tags' avatars and names, made once per rendering
        # Asked only where the page offers to hand the proposal over (a query).
        "has_helping": forms["round_open"].fields["handed_to"].queryset.exists,
        "has_parent": circle.parent_id is not None,
        "step_overdue": services.is_overdue(proposal),
        # An asynchronous round whose time has passed closes as a lazy one does, where the
        # circle's absent members may object afterwards (services.close_round).
        "lazy_at_end": proposal.mode == Proposal.Mode.ASYNC
        and services.is_overdue(proposal)
        and found.settings.absentee_policy == CircleDecisionSettings.Absentees.LAZY,
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


def _contributions(
    user: User, proposal: Proposal, found: selectors.ProposalDetail, members: list[User]
) -> dict[str, Any]:
    """What people said: the questions, the quick reactions (a row for each member, then anyone
    else who reacted), the amendments and the objections."""
    reaction_by = {r.author_id: r for r in found.reactions}
    member_ids = {m.pk for m in members}
    reaction_rows: list[tuple[User, Contribution | None]] = [
        (m, reaction_by.get(m.pk)) for m in members
    ]
    reaction_rows += [(r.author, r) for r in found.reactions if r.author_id not in member_ids]
    current = proposal.version_number
    return {
        "questions": found.questions,
        "my_question": any(
            q.author_id == user.pk and q.version_number == current for q in found.questions
        ),
        "reactions": found.reactions,
        "reaction_rows": reaction_rows,
        "my_reaction": reaction_by.get(user.pk),
        "amendments": found.amendments,
        "open_amendments": [
            a for a in found.amendments if a.amendment_status == Contribution.AmendmentStatus.OPEN
        ],
        "objections": found.objections,
        "standing": found.standing,
        "blocking": [o for o in found.standing if o.version_number == current],
    }


def _round_context(
    user: User,
    proposal: Proposal,
    found: selectors.ProposalDetail,
    members: list[User],
    urls: dict[str, str],
) -> dict[str, Any]:
    """The round the page shows (the open one; after it, the last while objections are worked
    on or absentees may still answer), its roster rows, and whether the viewer may answer in
    it. Adds the round's links to `urls`."""
    organisation = proposal.circle.organisation
    rounds = found.rounds
    open_round = found.open_round
    shown_round = open_round
    late_window = bool(
        rounds
        and rounds[-1].lazy_until is not None
        and rounds[-1].outcome == ConsentRound.Outcome.CONSENTED
        and timezone.now() < rounds[-1].lazy_until
    )
    if shown_round is None and rounds and (proposal.state == State.OBJECTIONS or late_window):
        shown_round = rounds[-1]
    by_id = {m.pk: m for m in members}
    round_info = _load_round(shown_round, by_id) if shown_round is not None else None
    if shown_round is not None:
        urls["round_answer"] = path_to("decisions:round_answer", organisation.slug, shown_round.pk)
    if open_round is not None:
        urls["round_close"] = path_to("decisions:round_close", organisation.slug, open_round.pk)
    my_answer = None
    joined_late: list[User] = []
    if round_info is not None:
        my_answer = next((r for r in round_info["responses"] if r.user_id == user.pk), None)
        joined_late = [m for m in members if m.pk not in round_info["roster_ids"]]
    my_row = next(
        (r for r in round_info["rows"] if r.user.pk == user.pk), None
    ) if round_info else None  # fmt: skip
    can_answer = found.can_take_part and my_answer is None and my_row is not None
    if can_answer and open_round is not None:
        can_answer = my_row is not None and my_row.state == "waiting"
    elif can_answer:
        can_answer = late_window and my_row is not None and my_row.state == "absent"
    # While the round is open, an answer may be changed: both are recorded, the later counts.
    can_change_answer = (
        found.can_take_part
        and my_answer is not None
        and open_round is not None
        and shown_round is open_round
        and not my_answer.after_round_closed
    )
    return {
        "shown_round": shown_round,
        "open_round": open_round,
        "round_info": round_info,
        "my_answer": my_answer,
        "can_answer": can_answer,
        "can_change_answer": can_change_answer,
        "late_window": late_window,
        "joined_late": joined_late,
    }


# The answers an email's buttons preselect (`?answer=`), by the word in the link.
ANSWER_LINKS = {
    "consent": ConsentResponse.Answer.CONSENT,
    "object": ConsentResponse.Answer.OBJECTION,
}


def _page_forms(
    user: User,
    proposal: Proposal,
    found: selectors.ProposalDetail,
    bound: dict[str, django_forms.Form],
    *,
    answer: str = "",
) -> dict[str, Any]:
    """Every form the page may show, empty, or as sent where a step was refused (`bound`).
    `answer` (`?answer=consent` or `?answer=object`, the buttons of a consent round's email)
    preselects that answer in the round's form: opening the link records nothing, the person
    confirms on the page."""
    helping = permissions.hand_over_circles(user, proposal.circle.organisation)
    version = found.version
    revise_initial = {
        "title": version.title, "driver": version.driver, "text": version.text, "aim": version.aim,
        "review_on": version.review_on, "measures": version.measures,
        "feedback_channel": version.feedback_channel,
    }  # fmt: skip
    forms: dict[str, Any] = {
        "present": PresentForm(),
        "ask": TextForm(label=_("Your question")),
        "react": TextForm(label=_("Your reaction")),
        "amend": TextForm(label=_("The amendment you suggest")),
        "revise": None,
        "round_open": RoundOpenForm(helping=helping),
        "round_answer": RoundAnswerForm(
            allow_concerns=found.settings.allow_concerns,
            initial={"answer": ANSWER_LINKS[answer]} if answer in ANSWER_LINKS else None,
        ),
        "round_close": RoundCloseForm(),
        "answer": TextForm(label=_("Your answer")),
    }
    if found.can_synthesise and proposal.state in (State.REACTING, State.SYNTHESIS, State.CONSENT,
                                                   State.OBJECTIONS):  # fmt: skip
        forms["revise"] = ReviseForm(
            initial=revise_initial,
            members=circle_members(proposal.circle),
            objections=found.standing,
        )
    if found.can_steer and proposal.mode == Proposal.Mode.ASYNC and proposal.state in (
        State.CLARIFYING, State.REACTING, State.CONSENT
    ):  # fmt: skip
        # Offered: the end as it stands, or, once it has passed, two days from now on the hour.
        ends = proposal.step_ends_at
        now = timezone.now()
        if ends is None or ends <= now:
            ends = (now + dt.timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        forms["step_end"] = StepEndForm(initial={"ends_at": timezone.localtime(ends)})
    forms.update(bound)
    return forms


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
        # Its circle (with the parent) and its author, whom the page names, in the same query.
        found = (
            Proposal.objects.select_related("author", "circle__parent")
            .filter(pk=proposal_id, circle__organisation_id=organisation.pk)
            .first()
        )
        return found, _lazy_until(found) if found is not None else None

    proposal, lazy_until = cache.value(
        f"decisions-proposal:{organisation.pk}:{proposal_id}", version=version, compute=load
    )
    if proposal is None:
        raise Http404
    proposal.circle.organisation = organisation  # the one this request read
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    return proposal, lazy_until


def _refused(
    request: HttpRequest, proposal: Proposal, key: str, form: Form, done: Attempt,
    partial: str = "",
) -> HttpResponse:  # fmt: skip
    """Show a refused step (`done`, whose message `attempt(form)` has put on the form) on the
    proposal page: beside its form, or, when the person may not take that step at all (403) or
    the circle has ended (its forms are gone), at the top where the page says what is needed
    from them."""
    if (done.status == 403 or proposal.circle.has_ended) and not partial:
        return proposal_page(
            request, proposal, error=done.text, status=done.status, partial=partial
        )
    status = 200 if partial else done.status
    return proposal_page(request, proposal, bound={key: form}, status=status, partial=partial)


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
    return proposal_page(request, proposal, error=str(message), status=403)


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
