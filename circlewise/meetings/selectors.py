"""What the meeting pages read: a circle's meetings, a meeting's agenda, and the topics of the
circle's backlog that could go on it. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from circlewise.circles.models import Circle
from circlewise.decisions import permissions as decision_permissions
from circlewise.decisions.models import BacklogItem

from .models import AgendaItem, Meeting, MeetingQuerySet
from .selectors_admin import Administration, administration
from .selectors_consent import ItemConsent, item_consent


def meetings_of(circle: Circle) -> MeetingQuerySet:
    return Meeting.objects.filter(circle=circle).select_related(
        "facilitator", "secretary", "series"
    )


@dataclass
class Agenda:
    items: list[AgendaItem] = field(default_factory=list)
    proposed: list[AgendaItem] = field(default_factory=list)
    declined: list[AgendaItem] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)


def agenda_of(meeting: Meeting) -> Agenda:
    """The meeting's agenda in its order, the items members proposed for it, and those declined
    (one query)."""
    agenda = Agenda()
    rows = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter", "added_by", "backlog_item")
        .order_by("position", "pk")
    )
    lists = {
        AgendaItem.Status.ON_AGENDA: agenda.items,
        AgendaItem.Status.PROPOSED: agenda.proposed,
        AgendaItem.Status.DECLINED: agenda.declined,
    }
    for item in rows:
        item.meeting = meeting
        lists[AgendaItem.Status(item.status)].append(item)
    return agenda


def backlog_candidates(meeting: Meeting) -> list[BacklogItem]:
    """The circle's open backlog topics not yet on this agenda (proposals to present, reviews and
    terms falling due, topics raised by members and other circles: all land in the backlog)."""
    taken = AgendaItem.objects.filter(meeting=meeting).exclude(status=AgendaItem.Status.DECLINED)
    return list(
        BacklogItem.objects.open()
        .filter(circle_id=meeting.circle_id)
        .exclude(pk__in=taken.filter(backlog_item__isnull=False).values("backlog_item_id"))
        .select_related("owner")
        .order_by("due_on", "created_at", "pk")
    )


# The live room ---------------------------------------------------------------------------------


class Seat(NamedTuple):
    """Someone present in the room, in seat order: all the room shows of them."""

    pk: int
    name: str


class Hand(NamedTuple):
    """A hand raised outside rounds: who, since when, and how many turns they have spoken in
    this meeting (the queue may put those who have spoken least first)."""

    pk: int
    name: str
    raised_at: Any
    spoken: int


@dataclass
class RoomState:
    """What one person's screen in the room shows, read from the database."""

    meeting: Meeting
    present: list[Seat]
    round: Any | None
    speaker: Any | None
    next_two: list[Any]
    turn_started_at: Any | None
    my_turn: bool
    runs: bool
    passing: str
    turns_done: int
    agenda: list[AgendaItem]
    last_round: Any | None
    may_evaluate: bool = False
    consent: ItemConsent | None = None  # the current item's notes and proposal (selectors_consent)
    # Who is present, and who has filled in their evaluation card (in the evaluation part).
    present_ids: frozenset[int] = frozenset()
    evaluated_ids: frozenset[int] = frozenset()
    hands: list[Hand] = field(default_factory=list)
    # In the administration part: open action items, the last minutes, the next meeting.
    administration: Administration | None = None
    hand_up: bool = False  # this person's own hand
    presents: bool = False  # the current item's proposal is this person's draft to present

    def for_person(self, pk: int | None, *, runs: bool) -> RoomState:
        """This room as the person `pk` sees it: whether it is their turn, whether they run the
        room (`runs`, from permissions.can_run_room), whether their evaluation card waits."""
        return replace(
            self,
            my_turn=self.speaker is not None and self.speaker.pk == pk,
            runs=runs,
            may_evaluate=(
                self.meeting.phase in ("evaluation", "closed")
                and pk in self.present_ids
                and pk not in self.evaluated_ids
            ),
            hand_up=any(hand.pk == pk for hand in self.hands),
            presents=(
                self.consent is not None
                and self.consent.proposal is not None
                and self.consent.step == "draft"
                and decision_permissions.can_present(pk, self.consent.proposal)
            ),
        )

    @property
    def personal(self) -> tuple[bool, bool, bool, bool, bool]:
        """All that differs between two people's views of the same room: two people with the same
        `personal` see the same page (the live room renders it once for both)."""
        return (self.my_turn, self.runs, self.may_evaluate, self.hand_up, self.presents)

    @property
    def round_kinds(self) -> list[tuple[str, Any]]:
        from .models import Round

        return list(Round.Kind.choices)

    @property
    def suggested_kind(self) -> str:
        """The round the meeting's part calls for: check-in and evaluation have their own; an
        item starts with clarifying questions."""
        phase = self.meeting.phase
        if phase in ("check_in", "evaluation"):
            return phase
        return "clarifying" if phase == "items" else "open"

    @property
    def prompts(self) -> tuple[str, ...]:
        """The prompt library's suggestions for the round the meeting's part calls for."""
        from .prompts import for_kind

        return for_kind(self.suggested_kind)

    @property
    def announcement(self) -> str:
        """What a screen reader says when the state changes (the live region's text)."""
        from django.utils.translation import gettext as _

        if self.round is None:
            return str(self.meeting.get_phase_display()) if self.meeting.phase else ""
        if self.my_turn:
            return _("Your turn.")
        if self.speaker is not None:
            if self.next_two:
                return _("%(name)s is speaking. Next: %(next)s.") % {
                    "name": self.speaker.name,
                    "next": ", ".join(p.name for p in self.next_two),
                }
            return _("%(name)s is speaking, the last in this round.") % {"name": self.speaker.name}
        return ""


def room_state(meeting: Meeting, user: Any) -> RoomState:
    """The room as it is now, for this person (a fixed number of queries)."""
    from . import permissions

    return shared_room_state(meeting).for_person(
        getattr(user, "pk", None), runs=permissions.can_run_room(user, meeting)
    )


def shared_room_state(meeting: Meeting) -> RoomState:
    """The room as it is now, as nobody in particular sees it: what every screen shares. The live
    room reads it once per change and gives each screen its own with `RoomState.for_person`
    (a fixed number of queries, however many people are in the room)."""
    from circlewise.accounts.models import User

    from .models import Attendance, Evaluation, Round, Turn
    from .services_room import PASSING

    # Only what the room shows of each person (a room may hold hundreds, read at every change).
    # While the meeting is on, a deactivated account has left the room; afterwards, who took part.
    attending = Attendance.objects.filter(meeting=meeting)
    attending = attending.in_room() if meeting.is_live else attending.filter(present=True)
    present, raised = [], []
    for pk, name, hand in attending.order_by("seat", "pk").values_list(
        "user_id", "user__name", "hand_raised_at"
    ):
        present.append(Seat(pk, name))
        if hand is not None:
            raised.append((pk, name, hand))
    open_round = (
        Round.objects.filter(meeting=meeting, ended_at__isnull=True).select_related("item").first()
    )
    speaker = next_two = turn = None
    done = 0
    if open_round is not None:
        turns = list(Turn.objects.filter(round=open_round).order_by("started_at", "pk"))
        done = sum(1 for t in turns if t.ended_at is not None)
        turn = next((t for t in turns if t.ended_at is None), None)
        upcoming = open_round.order[done + 1 : done + 3]
        people = User.objects.in_bulk([*upcoming, *([turn.user_id] if turn else [])])
        speaker = people.get(turn.user_id) if turn else None
        next_two = [people[pk] for pk in upcoming if pk in people]
    last_round = (
        Round.objects.filter(meeting=meeting, ended_at__isnull=False).order_by("-ended_at").first()
        if open_round is None
        else None
    )
    evaluating = meeting.phase in ("evaluation", "closed")
    return RoomState(
        meeting=meeting,
        hands=_hands(meeting, raised),
        present=present,
        round=open_round,
        speaker=speaker,
        next_two=next_two or [],
        turn_started_at=turn.started_at if turn else None,
        my_turn=False,
        runs=False,
        passing=PASSING[Round.Kind(open_round.kind)] if open_round else "",
        turns_done=done,
        agenda=list(
            AgendaItem.objects.filter(meeting=meeting, status=AgendaItem.Status.ON_AGENDA)
            .select_related("presenter")
            .order_by("position", "pk")
        ),
        last_round=last_round,
        present_ids=frozenset(seat.pk for seat in present),
        evaluated_ids=frozenset(
            Evaluation.objects.filter(meeting=meeting).values_list("user_id", flat=True)
            if evaluating
            else ()
        ),
        consent=item_consent(meeting),
        administration=administration(meeting),
    )


def _hands(meeting: Meeting, raised: list[tuple[int, str, Any]]) -> list[Hand]:
    """The queue of raised hands, in the meeting's chosen order (one query, when there are any)."""
    if not raised:
        return []
    from django.db.models import Count

    from .models import Turn

    spoken = dict(
        Turn.objects.filter(
            round__meeting=meeting,
            user_id__in=[pk for pk, _name, _at in raised],
            ended_at__isnull=False,
            passed=False,
        )
        .values_list("user_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hands = [Hand(pk, name, at, spoken.get(pk, 0)) for pk, name, at in raised]
    if meeting.hands_least_first:
        return sorted(hands, key=lambda hand: (hand.spoken, hand.raised_at))
    return sorted(hands, key=lambda hand: hand.raised_at)


@dataclass
class TrendRow:
    meeting: Meeting
    cards: int
    averages: dict[str, float]

    @property
    def values(self) -> list[float]:
        """The averages in the order of the dimensions (the table's columns)."""
        return list(self.averages.values())


def evaluation_trend(circle: Circle, *, last: int = 12) -> list[TrendRow]:
    """The circle's last held meetings with evaluations, oldest first: how many cards, and the
    average of each dimension (two queries)."""
    from django.db.models import Avg, Count

    from .models import Evaluation

    names = [name for name, _label in Evaluation.DIMENSIONS]
    rows = (
        Evaluation.objects.filter(meeting__circle=circle)
        .values("meeting_id")
        .annotate(cards=Count("pk"), **{name: Avg(name) for name in names})
        .order_by()
    )
    by_meeting: dict[int, dict[str, Any]] = {row["meeting_id"]: dict(row) for row in rows}
    meetings = list(Meeting.objects.filter(pk__in=by_meeting).order_by("-starts_at", "-pk")[:last])
    return [
        TrendRow(
            meeting=m,
            cards=by_meeting[m.pk]["cards"],
            averages={name: round(float(by_meeting[m.pk][name]), 1) for name in names},
        )
        for m in reversed(meetings)
    ]
