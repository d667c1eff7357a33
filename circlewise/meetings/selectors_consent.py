"""What the room shows of the item it is at: the secretary's notes and, for an item that carries
a proposal, where its consent process is (the version on the table, each answer as it is given,
the objections and how they were stated back and integrated, who is absent).

Read in a fixed number of queries, and the same for everyone who looks: the room's view is
computed once per room version and shared by every screen, so what differs between people comes
only from `RoomState.my_turn` and `RoomState.runs`. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from circlewise.accounts.models import User
from circlewise.decisions.models import (
    CircleDecisionSettings,
    ConsentResponse,
    ConsentRound,
    Decision,
    Objection,
    Proposal,
    ProposalVersion,
)

from .models import AgendaItem, Attendance, Meeting, Round

# The steps of a proposal in the room, in their order, and what each is called there.
STEPS = (
    ("draft", _("To be presented")),
    ("presented", _("Presented")),
    ("clarifying", _("Clarifying questions heard")),
    ("synthesis", _("Reactions heard")),
    ("consent", _("Consent round")),
    ("objections", _("Objections")),
    ("decided", _("Decided")),
)
# The round the room suggests next, by step.
NEXT_ROUND = {
    "presented": Round.Kind.CLARIFYING,
    "clarifying": Round.Kind.REACTION,
    "synthesis": Round.Kind.CONSENT,
}


def proposal_of(item: AgendaItem | None) -> Proposal | None:
    """The proposal an agenda item carries: its backlog topic's proposal, or else the latest
    proposal written from the topic's discussion (a draft, until it is presented).
    One query, none for an item that is not from the backlog."""
    if item is None or item.backlog_item_id is None:
        return None
    backlog = item.backlog_item
    if backlog is not None and backlog.proposal_id is not None:
        return Proposal.objects.select_related("circle__organisation", "author").get(
            pk=backlog.proposal_id
        )
    return (
        Proposal.objects.filter(discussions_behind__item_id=item.backlog_item_id)
        .select_related("circle__organisation", "author")
        .order_by("-pk")
        .first()
    )


@dataclass
class ItemConsent:
    """The room's current item: its notes, and its proposal's consent process if it has one."""

    item: AgendaItem
    proposal: Proposal | None = None
    version: ProposalVersion | None = None
    step: str = ""
    round: ConsentRound | None = None  # the latest consent round on the version on the table
    answers: list[ConsentResponse] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    absentees: list[Any] = field(default_factory=list)  # asked, not in the room
    waiting_in_room: list[Any] = field(default_factory=list)  # in the room, yet to answer
    lazy: bool = False
    lazy_hours: int = 0
    allow_concerns: bool = False
    decision: Decision | None = None
    asked: int = 0

    @property
    def steps(self) -> list[tuple[str, Any, bool]]:
        """Every step, its name, and whether it is the one the proposal is at."""
        return [(key, label, key == self.step) for key, label in STEPS]

    @property
    def step_label(self) -> str:
        if self.proposal is None:
            return ""
        labels = dict(STEPS)
        return str(labels.get(self.step) or self.proposal.get_state_display())

    @property
    def suggested_kind(self) -> str:
        """The round the room calls for next: clarifying, then reaction, then consent (again
        once every objection to the old version has been integrated in a new one)."""
        if self.step == "objections" and not any(
            o.status == Objection.Status.OPEN and o.version_number == self.version_number
            for o in self.objections
        ):
            return Round.Kind.CONSENT
        return NEXT_ROUND.get(self.step, "")

    @property
    def version_number(self) -> int:
        return self.proposal.version_number if self.proposal else 0

    @property
    def round_is_open(self) -> bool:
        return self.round is not None and self.round.is_open

    @property
    def lazy_until(self) -> dt.datetime | None:
        return self.round.lazy_until if self.round is not None else None

    @property
    def may_close_lazily(self) -> bool:
        """Everyone in the room has answered, others are still to: under lazy consent the
        facilitator closes the round for those present (decisions checks the quorum)."""
        return (
            self.round_is_open and self.lazy and not self.waiting_in_room and bool(self.absentees)
        )

    @property
    def standing(self) -> list[Objection]:
        """Objections to the version on the table that still stand."""
        return [
            o
            for o in self.objections
            if o.status == Objection.Status.OPEN and o.version_number == self.version_number
        ]


def item_consent(meeting: Meeting) -> ItemConsent | None:
    """The current item of the room, its notes and its proposal's process (at most twelve
    queries, whatever the number of people, answers and objections)."""
    if meeting.current_item_id is None:
        return None
    item = (
        AgendaItem.objects.select_related("backlog_item", "presenter")
        .filter(pk=meeting.current_item_id)
        .first()
    )
    if item is None:  # pragma: no cover - agenda items are never deleted while current
        return None
    item.meeting = meeting
    found = ItemConsent(item=item)
    proposal = proposal_of(item)
    if proposal is None:
        return found
    found.proposal = proposal
    found.version = ProposalVersion.objects.filter(
        proposal=proposal, number=proposal.version_number
    ).first()
    settings = CircleDecisionSettings.objects.filter(
        circle_id=proposal.circle_id
    ).first() or CircleDecisionSettings(circle_id=proposal.circle_id)
    found.lazy_hours = settings.lazy_consent_hours
    found.allow_concerns = settings.allow_concerns
    found.round = (
        ConsentRound.objects.filter(
            proposal=proposal,
            version_number=proposal.version_number,
            subject=ConsentRound.Subject.PROPOSAL,
        )
        .exclude(outcome=ConsentRound.Outcome.SUPERSEDED)
        .order_by("-pk")
        .first()
    )
    found.objections = list(
        Objection.objects.filter(proposal=proposal)
        .select_related("objector", "stated_back_by")
        .order_by("created_at", "pk")
    )
    if found.round is not None:
        found.lazy = found.round.lazy
        found.answers = list(
            ConsentResponse.objects.current()
            .filter(round=found.round)
            .select_related("user")
            .order_by("created_at", "pk")
        )
        roster = list(
            found.round.roster.filter(required=True, left_circle_at__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        found.asked = len(roster)
        present = set(
            Attendance.objects.filter(meeting=meeting).in_room().values_list("user_id", flat=True)
        )
        answered = {a.user_id for a in found.answers}
        people = User.objects.in_bulk([pk for pk in roster if pk not in answered])
        ordered = sorted(people.values(), key=lambda p: (p.name, p.pk))
        found.absentees = [p for p in ordered if p.pk not in present]
        found.waiting_in_room = [p for p in ordered if p.pk in present]
    found.step = _step(meeting, item, proposal, found.round)
    if proposal.state == Proposal.State.DECIDED:
        found.decision = (
            Decision.objects.filter(proposal=proposal, reopened_at__isnull=True)
            .select_related("version")
            .first()
        )
    return found


def _step(
    meeting: Meeting, item: AgendaItem, proposal: Proposal, consent: ConsentRound | None
) -> str:
    State = Proposal.State
    if proposal.state == State.DRAFT:
        return "draft"
    if proposal.state == State.DECIDED:
        return "decided"
    if consent is not None and consent.is_open:
        return "consent"
    if proposal.state == State.OBJECTIONS:
        return "objections"
    if proposal.state not in (State.CLARIFYING, State.REACTING, State.SYNTHESIS):
        return proposal.state  # postponed, dropped, handed over…: its own name
    held = set(
        Round.objects.filter(meeting=meeting, item=item, ended_at__isnull=False).values_list(
            "kind", flat=True
        )
    )
    if Round.Kind.REACTION in held or proposal.state == State.SYNTHESIS:
        return "synthesis"
    if Round.Kind.CLARIFYING in held or proposal.state == State.REACTING:
        return "clarifying"
    return "presented"
