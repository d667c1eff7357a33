"""Pure reads shared by the pages and the API, so the two cannot drift apart: the row of
process steps for a proposal, Policy.status() as a database filter, what is needed from the
person looking at a proposal now, and "what needs me" across their circles.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circlewise.accounts.models import User
from circlewise.circles.models import CircleMembership, Role, RoleAssignment
from circlewise.core.bidi import isolate

from . import permissions, services  # services: count_quorum, the quorum as the round counts it
from .models import (
    REVIEW_WARNING_DAYS,
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Decision,
    Measure,
    Objection,
    Proposal,
    ProposalVersion,
    RosterEntry,
)

State = Proposal.State

STEPS = (
    ("present", gettext_lazy("Present")),
    ("clarify", gettext_lazy("Clarify")),
    ("react", gettext_lazy("React")),
    ("synthesis", gettext_lazy("Synthesis")),
    ("consent", gettext_lazy("Consent")),
    ("decided", gettext_lazy("Decided")),
)

# What each step is for and what to do in it, in one line: shown under the steps of a proposal.
STEP_HELP = {
    "present": gettext_lazy(
        "The author shares the proposal with the circle and says why it is needed."
    ),
    "clarify": gettext_lazy(
        "Ask what you need to know to understand the proposal; no opinions yet. Passing is fine."
    ),
    "react": gettext_lazy(
        "Say in a sentence or two how you feel about it, and suggest small changes."
    ),
    "synthesis": gettext_lazy(
        "The facilitator brings the reactions together and, if it changed, writes a new version."
    ),
    "consent": gettext_lazy(
        "Each member consents, or objects with a reason: can we live with it and try it?"
    ),
    "decided": gettext_lazy(
        "The circle consented: the decision and who said what are on the record."
    ),
}

STEP_OF_STATE = {
    State.DRAFT: 0,
    State.CLARIFYING: 1,
    State.REACTING: 2,
    State.SYNTHESIS: 3,
    State.CONSENT: 4,
    State.OBJECTIONS: 4,
    State.DECIDED: 5,
}


def process_steps(proposal: Proposal) -> list[dict[str, str]]:
    """Each step of the process with its key, its label and whether it is done, current or
    upcoming. An exited proposal shows its exit as the last step."""
    state = State(proposal.state)
    is_exit = state in Proposal.EXIT_STATES
    current = 5 if is_exit else STEP_OF_STATE[state]
    steps = []
    for index, (key, label) in enumerate(STEPS):
        text = str(label)
        if key == "consent" and state == State.OBJECTIONS:
            text = _("Objections")
        if key == "decided" and is_exit:
            text = str(state.label)
        status = "done" if index < current else "current" if index == current else "upcoming"
        if key == "decided" and state == State.DECIDED:
            status = "current"
        steps.append({"key": key, "label": text, "status": status})
    return steps


def policy_status_filter(status: str, today: dt.date) -> Q | None:
    """Policy.status() as a filter, so the register is filtered (and paginated) in the
    database; None for a status that does not exist."""
    live = Q(superseded_by__isnull=True, retired_at__isnull=True)
    warn = today + dt.timedelta(days=REVIEW_WARNING_DAYS)
    return {
        "active": live & (Q(review_on__isnull=True) | Q(review_on__gt=warn)),
        "review_due": live & Q(review_on__gte=today, review_on__lte=warn),
        "expired": live & Q(review_on__lt=today),
        "superseded": Q(superseded_by__isnull=False),
        "retired": Q(superseded_by__isnull=True, retired_at__isnull=False),
    }.get(status)


# What is needed from the viewer now --------------------------------------------------------
#
# One decision, shared by the proposal's page and the API's `my_next_action`: each surface
# gathers the facts it has already read into a `Situation`, `next_step` names what is needed
# (a kind, the sentence to show, and the thing it concerns), and the page maps the kind to a
# label and an anchor, the API to an operation and a path.

KINDS = (
    "present", "ask_question", "answer_questions", "advance", "react", "resolve_amendments",
    "revise", "open_round", "answer_round", "close_round", "state_back", "confirm_objection",
    "discuss_objection", "read_decision", "change_end", "wait", "follow",
)  # fmt: skip


@dataclass(frozen=True)
class ObjectionFacts:
    id: int
    objector_id: int
    open: bool
    stated_back: bool
    confirmed: bool
    blocking: bool = True  # raised on the current version: no new version has made it moot


@dataclass(frozen=True)
class Situation:
    """What `next_step` needs to know about a proposal and the person looking at it."""

    state: str
    viewer_id: int
    author_id: int
    circle_name: str
    state_label: str
    take_part: bool
    steer: bool
    synthesise: bool
    unanswered_questions: tuple[int, ...] = ()  # not passed, not yet answered
    asked: bool = False  # the viewer asked (or passed) on the current version
    reacted: bool = False  # on the current version
    open_amendments: tuple[int, ...] = ()
    taken_up: tuple[int, ...] = ()  # amendments taken up on the current version: not written in
    version_number: int = 1
    round_id: int | None = None  # the round shown: open, or the last one
    round_lazy: bool = False
    waiting_ids: frozenset[int] = frozenset()  # required on the round and not answered
    quorum_short: int = 0  # how many more answers the round needs to reach its quorum
    answered: bool = False  # the viewer answered in that round
    late_until: dt.datetime | None = None  # set when the viewer, absent, may still answer
    decision_id: int | None = None
    objections: tuple[ObjectionFacts, ...] = ()
    overdue: bool = False  # the current step's window has passed
    lazy_policy: bool = False  # the circle's absentees may object afterwards (lazy consent)
    shared: bool = False  # a draft its author shares for comment (circlewise.discussions)


@dataclass(frozen=True)
class NextStep:
    kind: str
    sentence: str
    target: int | None = None  # the question, amendment, objection, round or decision


def situation(
    proposal: Proposal,
    viewer_id: int,
    *,
    take_part: bool,
    steer: bool,
    synthesise: bool,
    questions: Sequence[Any],
    reactions: Sequence[Any],
    amendments: Sequence[Any],
    objections: Sequence[Any],
    round_id: int | None = None,
    round_lazy: bool = False,
    waiting_ids: Iterable[int] = (),
    quorum_short: int = 0,
    answered: bool = False,
    late_until: dt.datetime | None = None,
    decision_id: int | None = None,
    lazy_policy: bool = False,
    shared: bool = False,
) -> Situation:
    """The facts from rows a surface has already read: questions carry their `answers`,
    reactions are those on the current version."""
    current = proposal.version_number
    return Situation(
        state=proposal.state,
        viewer_id=viewer_id,
        author_id=proposal.author_id,
        circle_name=proposal.circle.name,
        state_label=str(proposal.get_state_display()),
        take_part=take_part,
        steer=steer,
        synthesise=synthesise,
        unanswered_questions=tuple(q.pk for q in questions if not q.passed and not q.answers),
        asked=any(q.author_id == viewer_id and q.version_number == current for q in questions),
        reacted=any(r.author_id == viewer_id for r in reactions),
        open_amendments=tuple(
            a.pk for a in amendments if a.amendment_status == Contribution.AmendmentStatus.OPEN
        ),
        taken_up=tuple(
            a.pk
            for a in amendments
            if a.amendment_status == Contribution.AmendmentStatus.ACCEPTED
            and a.version_number == current
        ),
        version_number=current,
        round_id=round_id,
        round_lazy=round_lazy,
        waiting_ids=frozenset(waiting_ids),
        quorum_short=quorum_short,
        answered=answered,
        late_until=late_until,
        decision_id=decision_id,
        overdue=proposal.step_overdue,
        lazy_policy=lazy_policy,
        objections=tuple(
            ObjectionFacts(
                id=o.pk,
                objector_id=o.objector_id,
                open=o.status == Objection.Status.OPEN,
                stated_back=bool(o.stated_back),
                confirmed=o.confirmed_at is not None,
                blocking=o.version_number == current,
            )
            for o in objections
        ),
        shared=shared,
    )


def next_step(s: Situation) -> NextStep:
    """What is needed from the viewer now: one kind, its sentence, and what it concerns."""
    state = State(s.state)
    if state == State.DRAFT and s.viewer_id != s.author_id:  # shared for comment
        return NextStep(
            "follow",
            _(
                "The author shares this draft with %(circle)s for comment: read it and say what "
                "you think below, before it is presented."
            )
            % {"circle": s.circle_name},
        )
    if state == State.DRAFT and s.shared:
        return NextStep(
            "present",
            _(
                "This is your draft, shared with %(circle)s for comment. Present it when it is "
                "ready."
            )
            % {"circle": s.circle_name},
        )
    if state == State.DRAFT:
        return NextStep(
            "present", _("This is your draft: only you can see it. Present it when it is ready.")
        )
    if state == State.DECIDED and s.late_until is not None and s.take_part:
        until = date_format(timezone.localtime(s.late_until), "j M Y, H:i")
        return NextStep(
            "answer_round",
            _(
                "You were absent when the circle consented. You may still consent or object "
                "until %(time)s."
            )
            % {"time": until},
            s.round_id,
        )
    if state == State.DECIDED:
        return NextStep(
            "read_decision",
            _("Decided by consent. The record shows who answered what, and why."),
            s.decision_id,
        )
    if state == State.HANDED_BACK:
        return NextStep(
            "follow",
            _(
                "%(circle)s ended before deciding this proposal: it is on its parent circle's "
                "backlog now."
            )
            % {"circle": isolate(s.circle_name)},
        )
    if state in Proposal.EXIT_STATES:
        return NextStep(
            "follow",
            _("The circle consented to end this proposal here: %(state)s.")
            % {"state": s.state_label.lower()},
        )
    if not s.take_part:
        return NextStep(
            "follow",
            _("You can follow this proposal; the members of %(circle)s take part in it.")
            % {"circle": isolate(s.circle_name)},
        )
    if state == State.CLARIFYING:
        return _clarifying(s)
    if state in (State.REACTING, State.SYNTHESIS):
        return _reacting_or_synthesis(s, state)
    if state == State.CONSENT:
        return _consent(s)
    return _objections(s)


def _clarifying(s: Situation) -> NextStep:
    is_author = s.viewer_id == s.author_id
    if s.steer and s.overdue:
        return NextStep(
            "advance",
            _(
                "The time for clarifying questions has passed. Move on to quick reactions, or "
                "give the circle more time."
            ),
        )
    if is_author and s.unanswered_questions:
        return NextStep(
            "answer_questions",
            _("Members asked questions. Answer them so everyone understands the proposal."),
            s.unanswered_questions[0],
        )
    if s.steer:
        # Her own question is optional: it never stands between the circle and the next step.
        return NextStep(
            "advance",
            _(
                "When the circle understands the proposal, move on to quick reactions. You "
                "may ask a question of your own first; you need not."
            ),
        )
    if is_author:
        return NextStep(
            "wait",
            _(
                "The circle asks what it needs to know about your proposal. You answer the "
                "questions here as they come."
            ),
        )
    if not s.asked:
        return NextStep(
            "ask_question",
            _("What do you need to know to understand this proposal? Ask, or pass."),
        )
    return NextStep("wait", _("You have taken part. The facilitator moves on to reactions."))


def _reacting_or_synthesis(s: Situation, state: State) -> NextStep:
    if state == State.REACTING and not s.reacted and not s.steer:
        return NextStep(
            "react", _("How do you react to this proposal? A sentence or two is enough.")
        )
    if s.synthesise and s.open_amendments:
        return NextStep(
            "resolve_amendments",
            _("Friendly amendments wait for you: take them up or not."),
            s.open_amendments[0],
        )
    if state == State.REACTING:
        if s.steer and s.overdue:
            return NextStep(
                "advance",
                _(
                    "The time for reactions has passed. Move on to the synthesis, or give the "
                    "circle more time."
                ),
            )
        if s.steer and not s.reacted:
            # As in clarifying, her own reaction is optional and never holds the circle up.
            return NextStep(
                "advance",
                _(
                    "When everyone has reacted, move on to the synthesis. You may react "
                    "yourself first; you need not."
                ),
            )
        if s.steer:
            return NextStep("advance", _("When everyone has reacted, move on to the synthesis."))
        return NextStep("wait", _("You have reacted. The facilitator moves on to the synthesis."))
    if s.synthesise and s.taken_up:
        # Asking for consent now would ask it on the version without the amendment.
        return NextStep(
            "revise",
            _(
                "You took up a friendly amendment: write it into a new version, then ask for "
                "consent."
            ),
            s.taken_up[0],
        )
    if s.steer:
        return NextStep(
            "open_round",
            _(
                "Restate the proposal, write a new version if it changed, then ask for consent "
                "on version %(number)d."
            )
            % {"number": s.version_number},
        )
    if s.synthesise:
        return NextStep("revise", _("Write a new version if the proposal changed."))
    return NextStep(
        "wait",
        _("The proposal is being synthesised. You may still suggest a friendly amendment."),
    )


def _consent(s: Situation) -> NextStep:
    if s.viewer_id in s.waiting_ids:
        return NextStep(
            "answer_round",
            _("Consent or object: can you live with this proposal and try it?"),
            s.round_id,
        )
    if s.steer and s.round_lazy and s.waiting_ids and s.quorum_short:
        return NextStep(
            "wait",
            ngettext(
                "This round needs %(count)d more answer to reach the circle's quorum before you "
                "can close it.",
                "This round needs %(count)d more answers to reach the circle's quorum before you "
                "can close it.",
                s.quorum_short,
            )
            % {"count": s.quorum_short},
        )
    if s.steer and s.round_lazy and s.waiting_ids:
        return NextStep(
            "close_round",
            _(
                "This round is in a meeting with lazy consent: you may close it, saying why; "
                "absent members can still object afterwards."
            ),
            s.round_id,
        )
    if s.steer and s.overdue and s.waiting_ids:
        return _consent_overdue(s)
    if not s.waiting_ids:
        return NextStep("wait", _("Everyone has answered."))
    if s.answered:
        return NextStep(
            "wait",
            _(
                "You have answered. The round closes when everyone has answered; see who "
                "has not yet in the roster."
            ),
        )
    return NextStep(
        "wait",
        _("The round closes when everyone has answered; see who has not yet in the roster."),
    )


def _consent_overdue(s: Situation) -> NextStep:
    """The round’s time has passed with answers missing: what the facilitator can do depends on
    the circle's policy for absent members."""
    missing = len(s.waiting_ids)
    if s.lazy_policy and not s.quorum_short:
        return NextStep(
            "close_round",
            _(
                "The round’s time has passed. You may close it, saying why: those who have not "
                "answered count as absent and may still object afterwards. Or give it more time."
            ),
            s.round_id,
        )
    return NextStep(
        "change_end",
        ngettext(
            "The round’s time has passed and %(count)d member has not answered. Give the round "
            "more time: the circle decides when everyone has answered.",
            "The round’s time has passed and %(count)d members have not answered. Give the "
            "round more time: the circle decides when everyone has answered.",
            missing,
        )
        % {"count": missing},
    )


def _objections(s: Situation) -> NextStep:
    standing = [o for o in s.objections if o.open]
    mine = [o for o in standing if o.objector_id == s.viewer_id]
    to_confirm = [o for o in mine if o.stated_back and not o.confirmed]
    if to_confirm:
        return NextStep(
            "confirm_objection",
            _("Your objection was stated back to you. Is that your objection?"),
            to_confirm[0].id,
        )
    # An objection to an earlier version no longer blocks: the new version integrates it.
    blocking = [o for o in standing if o.blocking]
    mine = [o for o in mine if o.blocking]
    if mine:
        return NextStep(
            "discuss_objection",
            _(
                "Your objection is being worked through. Help others understand it in its "
                "thread; only you can withdraw it."
            ),
            mine[0].id,
        )
    not_stated = [o for o in blocking if not o.stated_back]
    if not_stated:
        return NextStep(
            "state_back",
            _("Help understand the objection: ask what the objector fears, then state it back."),
            not_stated[0].id,
        )
    if s.synthesise and blocking:
        return NextStep(
            "revise",
            _("Amend the proposal to integrate the objections, then ask for consent again."),
        )
    if s.steer and not blocking:
        return NextStep(
            "open_round",
            _("The objections are integrated. Ask for consent on version %(number)d.")
            % {"number": s.version_number},
        )
    if not blocking:
        return NextStep(
            "wait",
            _("The new version integrates the objections. The facilitator asks for consent on it."),
        )
    return NextStep("wait", _("Objections are being worked through. Follow each in its thread."))


# What needs me ------------------------------------------------------------------------------
#
# Every open proposal in a person's circles, each with what `next_step` says they do on it now,
# read for all of them in a fixed number of queries: the proposal page's panel and the API's
# `my_next_action` ask the same function about one proposal, from the rows they read, so the
# three cannot disagree. A proposal is listed when its step is something to do (not "wait" or
# "follow"); rounds to answer and objections to confirm have their own lists.

NOT_LISTED = ("wait", "follow")
OWN_LISTS = ("answer_round", "confirm_objection")


def needs_me(user: User, circle_ids: Iterable[int]) -> dict[str, Any]:
    """What a person should act on in their circles: rounds awaiting their answer, their
    objections to confirm, the other open proposals where they have a step to take (each with
    `next_step`), and the backlog."""
    ids = list(circle_ids)
    proposals = list(
        Proposal.objects.open().filter(circle_id__in=ids).select_related("circle").order_by("pk")
    )
    facts = _Facts(user, proposals)
    rounds, objections, listed = [], [], []
    for p in proposals:
        step = next_step(facts.situation(p))
        p.next_step = step  # type: ignore[attr-defined]
        if step.kind == "answer_round" and step.target in facts.rounds:
            round_ = facts.rounds[step.target]
            round_.proposal = p
            rounds.append(round_)
        elif step.kind == "confirm_objection" and step.target in facts.objection_rows:
            objection = facts.objection_rows[step.target]
            objection.proposal = p
            objections.append(objection)
        elif step.kind not in NOT_LISTED + OWN_LISTS:
            listed.append(p)
    # Each thing once: a proposal listed above is not listed again as its backlog item.
    shown = {r.proposal_id for r in rounds} | {o.proposal_id for o in objections}
    shown |= {p.pk for p in listed}
    items = (
        BacklogItem.objects.open()
        .filter(circle_id__in=ids)
        .exclude(proposal_id__in=sorted(shown))
        .select_related("circle")
    )
    found: dict[str, Any] = {
        "rounds": rounds,
        "objections_to_confirm": objections,
        "proposals": listed,
        "backlog": list(items[:50]),
    }
    found["count"] = needs_count(found)
    return found


def needs_count(found: dict[str, Any]) -> int:
    """How many things need the person (`needs_me`'s answer): rounds to answer, objections to
    confirm, proposals with a step to take. The one count every page and the API show."""
    return len(found["rounds"]) + len(found["objections_to_confirm"]) + len(found["proposals"])


class _Facts:
    """The rows `selectors.situation` reads for one proposal, loaded for all of them at once:
    contributions, open objections, open rounds with their rosters and answers, who steers and
    who synthesises."""

    def __init__(self, user: User, proposals: list[Proposal]) -> None:
        self.user = user
        pids = [p.pk for p in proposals]
        circle_ids = {p.circle_id for p in proposals}
        self.contributions: dict[int, list[Contribution]] = defaultdict(list)
        contributions = (
            Contribution.objects.filter(proposal_id__in=pids)
            .only(
                "id", "proposal_id", "kind", "author_id", "reply_to_id", "version_number",
                "passed", "amendment_status",
            )
            .order_by("created_at", "pk")
        )  # fmt: skip
        for c in contributions:
            self.contributions[c.proposal_id].append(c)
        self.objections: dict[int, list[Objection]] = defaultdict(list)
        self.objection_rows: dict[int, Objection] = {}
        for o in Objection.objects.filter(proposal_id__in=pids, status=Objection.Status.OPEN):
            self.objections[o.proposal_id].append(o)
            self.objection_rows[o.pk] = o
        self.rounds = {
            r.pk: r
            for r in ConsentRound.objects.filter(
                proposal_id__in=pids, outcome=ConsentRound.Outcome.OPEN
            )
        }
        self.round_of = {r.proposal_id: r for r in self.rounds.values()}
        # Rows, not model instances: a round of a hundred members is read on every home page.
        self.entries: dict[int, list[Any]] = defaultdict(list)
        for e in RosterEntry.objects.filter(round_id__in=self.rounds).values_list(
            "round_id", "user_id", "required", "left_circle_at", named=True
        ):
            self.entries[e.round_id].append(e)
        self.responses: dict[int, list[Any]] = defaultdict(list)
        for r in (
            ConsentResponse.objects.current()
            .filter(round_id__in=self.rounds)
            .values_list("round_id", "user_id", "after_round_closed", named=True)
        ):
            self.responses[r.round_id].append(r)
        self.members: dict[int, set[int]] = defaultdict(set)
        round_circles = {p.circle_id for p in proposals if p.pk in self.round_of}
        for circle_id, user_id in (
            CircleMembership.objects.current()
            .filter(circle_id__in=round_circles)
            .values_list("circle_id", "user_id")
        ):
            self.members[circle_id].add(user_id)
        self.steers = set(
            RoleAssignment.objects.current()
            .filter(
                holder=user,
                role__circle_id__in=circle_ids,
                role__kind__in=[Role.Kind.FACILITATOR, Role.Kind.LEADER],
            )
            .values_list("role__circle_id", flat=True)
        )
        self.lazy_policy = set(
            CircleDecisionSettings.objects.filter(
                circle_id__in=circle_ids,
                absentee_policy=CircleDecisionSettings.Absentees.LAZY,
            ).values_list("circle_id", flat=True)
        )
        self.by_author = set(
            CircleDecisionSettings.objects.filter(
                circle_id__in=circle_ids,
                synthesis_by=CircleDecisionSettings.Synthesis.AUTHOR,
            ).values_list("circle_id", flat=True)
        )

    def situation(self, p: Proposal) -> Situation:
        contributions = self.contributions[p.pk]
        answers: dict[int, list[Contribution]] = defaultdict(list)
        for c in contributions:
            if c.kind == Contribution.Kind.ANSWER and c.reply_to_id:
                answers[c.reply_to_id].append(c)
        questions = [c for c in contributions if c.kind == Contribution.Kind.QUESTION]
        for q in questions:
            q.answers = answers.get(q.pk, [])  # type: ignore[attr-defined]
        steer = p.circle_id in self.steers
        round_ = self.round_of.get(p.pk)
        round_facts: dict[str, Any] = {}
        if round_ is not None:
            round_facts = self._round(round_, p.circle_id)
        return situation(
            p,
            self.user.pk,
            take_part=True,  # the person's own circles, and no drafts
            steer=steer,
            synthesise=steer or (p.circle_id in self.by_author and p.author_id == self.user.pk),
            questions=questions,
            reactions=[
                c
                for c in contributions
                if c.kind == Contribution.Kind.REACTION and c.version_number == p.version_number
            ],
            amendments=[c for c in contributions if c.kind == Contribution.Kind.AMENDMENT],
            objections=self.objections[p.pk],
            lazy_policy=p.circle_id in self.lazy_policy,
            **round_facts,
        )

    def _round(self, round_: ConsentRound, circle_id: int) -> dict[str, Any]:
        """The round's facts as the proposal page reads them (browse._load_round)."""
        entries = self.entries[round_.pk]
        responses = self.responses[round_.pk]
        answered = {r.user_id for r in responses}
        quorum = services.count_quorum(
            round_.quorum_percent,
            ((e.user_id, e.left_circle_at) for e in entries),
            {r.user_id for r in responses if not r.after_round_closed},
            self.members[circle_id],
        )
        return {
            "round_id": round_.pk,
            "round_lazy": round_.lazy,
            "waiting_ids": [e.user_id for e in entries if e.required and e.user_id not in answered],
            "quorum_short": quorum.short,
            "answered": self.user.pk in answered,
        }


# One proposal, as its page and the API's answer show it --------------------------------------
#
# (Owned by the web/API layer: decisions/views/proposal_page.py and decisions/api/_common.py
# build on it; what each shows beyond it, the page's forms and roster rows, the API's roster
# dicts and late answer, stays with them.)


@dataclass(frozen=True)
class ProposalDetail:
    """What both the proposal page and the API's ProposalDetailOut know about one proposal for
    one viewer: its current version, what the viewer may do, its contributions, objections,
    rounds and decision. Read in a fixed number of queries however many there are."""

    proposal: Proposal
    version: ProposalVersion
    measures: list[Measure]
    settings: CircleDecisionSettings
    can_take_part: bool
    can_steer: bool
    can_synthesise: bool
    can_edit: bool
    questions: list[Contribution]  # each with `answers`, the replies to it
    reactions: list[Contribution]  # to the current version
    amendments: list[Contribution]
    objections: list[Objection]  # each with `message_count`
    rounds: list[ConsentRound]  # the first first, each with its `proposal` set
    decision: Decision | None

    @property
    def open_round(self) -> ConsentRound | None:
        return next((r for r in self.rounds if r.is_open), None)

    @property
    def standing(self) -> list[Objection]:
        """The objections still open."""
        return [o for o in self.objections if o.status == Objection.Status.OPEN]


def proposal_detail(user: User, proposal: Proposal) -> ProposalDetail:
    """The proposal as `permissions.get_proposal_for` fetches it (or a service returns it: fresh,
    with its circle), read for `user`, who may see it."""
    version = (
        ProposalVersion.objects.filter(proposal=proposal, number=proposal.version_number)
        .select_related("created_by")
        .prefetch_related(Prefetch("measure_set", queryset=Measure.objects.select_related("owner")))
        .get()
    )
    proposal._current_version = version
    circle = proposal.circle
    settings = services.settings_for(circle)
    take_part = permissions.can_take_part(user, proposal)
    # The rules as they stand (permissions.can_steer_circle; synthesis by the settings read just
    # above, so that they are read once): permissions.is_synthesiser holds the same rule.
    steer = take_part and permissions.can_steer_circle(user, circle)
    synthesise = take_part and (
        steer
        or (
            settings.synthesis_by == CircleDecisionSettings.Synthesis.AUTHOR
            and proposal.author_id == user.pk
        )
    )
    contributions = list(
        Contribution.objects.filter(proposal=proposal)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    replies: dict[int, list[Contribution]] = {}
    for c in contributions:
        if c.kind == Contribution.Kind.ANSWER and c.reply_to_id is not None:
            replies.setdefault(c.reply_to_id, []).append(c)
    questions = [c for c in contributions if c.kind == Contribution.Kind.QUESTION]
    for q in questions:
        q.answers = replies.get(q.pk, [])  # type: ignore[attr-defined]
    rounds = list(
        ConsentRound.objects.filter(proposal=proposal)
        .select_related("opened_by", "closed_by")
        .order_by("opened_at", "pk")
    )
    for r in rounds:
        r.proposal = proposal
    decision = None
    if proposal.state == State.DECIDED:
        decision = Decision.objects.filter(proposal=proposal).select_related("policy").first()
    return ProposalDetail(
        proposal=proposal,
        version=version,
        measures=list(version.measure_set.all()),
        settings=settings,
        can_take_part=take_part,
        can_steer=steer,
        can_synthesise=synthesise,
        can_edit=proposal.is_draft and proposal.author_id == user.pk and take_part,
        questions=questions,
        reactions=[
            c
            for c in contributions
            if c.kind == Contribution.Kind.REACTION and c.version_number == proposal.version_number
        ],
        amendments=[c for c in contributions if c.kind == Contribution.Kind.AMENDMENT],
        objections=list(
            Objection.objects.filter(proposal=proposal)
            .select_related("objector", "stated_back_by")
            .annotate(message_count=Count("messages"))
            .order_by("created_at", "pk")
        ),
        rounds=rounds,
        decision=decision,
    )


class RosterPlace(Protocol):
    """What roster_state reads of a roster entry: a RosterEntry, or a row of its values."""

    @property
    def left_circle_at(self) -> dt.datetime | None: ...

    @property
    def absent(self) -> bool: ...


def roster_state(entry: RosterPlace, response: ConsentResponse | None) -> str:
    """Where one person on a round's roster stands: their answer, or left / absent / waiting.
    The one rule behind the page's roster and the API's."""
    if response is not None:
        return str(response.answer)
    if entry.left_circle_at is not None:
        return "left"
    if entry.absent:
        return "absent"
    return "waiting"
