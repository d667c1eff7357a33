"""Pure reads shared by the pages and the API, so the two cannot drift apart: the row of
process steps for a proposal, Policy.status() as a database filter, "what needs me" across a
person's circles, and one proposal as its page and the API show it. What is needed from the
person looking at a proposal now is decided in next_step.py (its names are read from here too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circlewise.accounts.models import User
from circlewise.circles.models import CircleMembership, Role, RoleAssignment

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

# What is needed from the viewer now lives in next_step.py; its names are read from here too.
from .next_step import KINDS as KINDS
from .next_step import NextStep as NextStep
from .next_step import ObjectionFacts as ObjectionFacts
from .next_step import Situation as Situation
from .next_step import next_step as next_step
from .next_step import situation as situation

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
