"""What the room shows in the administration part of a meeting, and how the turns were shared
once it is over. Nothing here writes, and nothing depends on who is looking: the room reads it
once per change for every screen (fanout.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from .models import ActionItem, Meeting, Minutes, Turn
from .selectors_minutes import previous_minutes

# The open action items the room lists, the oldest due first (the rest are on the circle's list).
SHOWN = 12


@dataclass
class Administration:
    """The circle's open action items, the last meeting's minutes if not yet approved, and the
    next meeting: what the administration part of a meeting reviews."""

    open_actions: list[ActionItem]
    open_count: int
    previous: Minutes | None
    next_meeting: Meeting | None
    today: dt.date = field(default_factory=lambda: timezone.localdate())

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.open_actions if a.due_on and a.due_on < self.today)


def administration(meeting: Meeting) -> Administration | None:
    """For a meeting in its administration part (four queries), else None."""
    if meeting.phase != Meeting.Phase.ADMINISTRATION:
        return None
    open_ = ActionItem.objects.open().filter(circle_id=meeting.circle_id)
    return Administration(
        open_actions=list(
            open_.select_related("owner").order_by("due_on", "created_at", "pk")[:SHOWN]
        ),
        open_count=open_.count(),
        previous=previous_minutes(meeting),
        next_meeting=Meeting.objects.filter(
            circle_id=meeting.circle_id,
            status=Meeting.Status.PLANNED,
            starts_at__gt=meeting.starts_at,
        )
        .order_by("starts_at", "pk")
        .first(),
    )


@dataclass
class TurnShares:
    """How the speaking was shared in a meeting, without names: each speaker's share of the time
    spoken, largest first, and how much of it the most speaking quarter of them took."""

    shares: list[float]  # percent of the time spoken, one per person who spoke
    turns: int
    present: int

    @property
    def speakers(self) -> int:
        return len(self.shares)

    @property
    def top_quarter(self) -> float:
        """The share of the time spoken by the quarter of the speakers who spoke most."""
        if not self.shares:
            return 0.0
        count = max(1, round(len(self.shares) / 4))
        return round(sum(self.shares[:count]), 1)

    @property
    def quarter(self) -> int:
        return max(1, round(len(self.shares) / 4)) if self.shares else 0


def turn_shares(meeting: Meeting) -> TurnShares:
    """The turns of a meeting's rounds, summed per person (one query). A written turn or one
    that passed counts as a turn, not as time spoken."""
    spoken: dict[int, float] = {}
    turns = 0
    rows = Turn.objects.filter(round__meeting=meeting, ended_at__isnull=False).values_list(
        "user_id", "started_at", "ended_at", "passed", "written"
    )
    for user_id, started, ended, passed, written in rows:
        turns += 1
        seconds = 0.0
        if ended is not None and not (passed or written):
            seconds = max(0.0, (ended - started).total_seconds())
        spoken[user_id] = spoken.get(user_id, 0.0) + seconds
    total = sum(spoken.values())
    shares = sorted((round(100 * s / total, 1) for s in spoken.values() if s > 0), reverse=True)
    present = meeting.attendance.filter(present=True).count()
    return TurnShares(shares=shares if total else [], turns=turns, present=present)
