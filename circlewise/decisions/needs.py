"""What needs me: every open proposal in a person's circles, each with what
`selectors.next_step` says they do on it now, read for all of them in a fixed number of queries.

The proposal page's next-step panel and the API's `my_next_action` ask the same function about
one proposal, from the rows they read; here the same facts are gathered for many proposals at
once, so the three cannot disagree. A proposal is listed when its step is something to do (not
"wait" or "follow"); rounds to answer and objections to confirm have their own lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from circlewise.accounts.models import User
from circlewise.circles.models import CircleMembership, Role, RoleAssignment

from . import selectors, services
from .models import (
    BacklogItem,
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Contribution,
    Objection,
    Proposal,
    RosterEntry,
)

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
        step = selectors.next_step(facts.situation(p))
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
    items = BacklogItem.objects.open().filter(circle_id__in=ids).select_related("circle")
    return {
        "rounds": rounds,
        "objections_to_confirm": objections,
        "proposals": listed,
        "backlog": list(items[:50]),
    }


class _Facts:
    """The rows `selectors.situation` reads for one proposal, loaded for all of them at once:
    contributions, open objections, open rounds with their rosters and answers, who steers and
    who synthesises."""

    def __init__(self, user: User, proposals: list[Proposal]) -> None:
        self.user = user
        pids = [p.pk for p in proposals]
        circle_ids = {p.circle_id for p in proposals}
        self.contributions: dict[int, list[Contribution]] = defaultdict(list)
        for c in Contribution.objects.filter(proposal_id__in=pids).order_by("created_at", "pk"):
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
        self.entries: dict[int, list[RosterEntry]] = defaultdict(list)
        for e in RosterEntry.objects.filter(round_id__in=self.rounds).only(
            "round_id", "user_id", "required", "left_circle_at"
        ):
            self.entries[e.round_id].append(e)
        self.responses: dict[int, list[ConsentResponse]] = defaultdict(list)
        for r in ConsentResponse.objects.filter(round_id__in=self.rounds).only(
            "round_id", "user_id", "after_round_closed"
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
        self.by_author = set(
            CircleDecisionSettings.objects.filter(
                circle_id__in=circle_ids,
                synthesis_by=CircleDecisionSettings.Synthesis.AUTHOR,
            ).values_list("circle_id", flat=True)
        )

    def situation(self, p: Proposal) -> selectors.Situation:
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
        return selectors.situation(
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
