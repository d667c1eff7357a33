"""Who a round still waits for, and the quorum as the round counts it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import ngettext

from circlewise.circles.models import Circle, CircleMembership

from ..models import (
    ConsentResponse,
    ConsentRound,
    quorum_needed,
)
from ._common import current_member_ids


def _unanswered(round_: ConsentRound, circle_id: int | None = None) -> Any:
    """Required members who are still in the circle and have not answered. Someone who left the
    circle is not waited for, even before `_sync_roster` has recorded that they left."""
    if circle_id is None:
        circle_id = round_.proposal.circle_id
    answered = ConsentResponse.objects.filter(round_id=round_.pk, user_id=OuterRef("user_id"))
    still_member = CircleMembership.objects.current().filter(
        circle_id=circle_id, user_id=OuterRef("user_id")
    )
    # `answered_at` (set with each answer) lets the partial index "roster_waiting" skip those who
    # have answered; the answers themselves stay the reference.
    return round_.roster.filter(
        required=True, left_circle_at__isnull=True, answered_at__isnull=True
    ).filter(~Exists(answered), Exists(still_member))


@dataclass(frozen=True)
class Quorum:
    """How many of those asked in a round have answered, and how many must before it can close
    with consent. Those asked are the roster fixed at opening, less anyone who left the circle
    without answering (an answer given before leaving stands, like its objection)."""

    percent: int
    asked: int
    answered: int
    needed: int

    @property
    def met(self) -> bool:
        return self.answered >= self.needed

    @property
    def short(self) -> int:
        """How many more answers the round needs to reach its quorum."""
        return max(0, self.needed - self.answered)

    def as_payload(self) -> dict[str, int]:
        return {"percent": self.percent, "asked": self.asked, "answered": self.answered,
                "needed": self.needed}  # fmt: skip

    def message(self) -> str:
        """Why a round below its quorum cannot close, with the numbers."""
        return (
            ngettext(
                "Below the quorum: %(answered)d of the %(asked)d members asked has answered, and at "
                "least %(needed)d must answer before this round can close (the circle's quorum is "
                "%(percent)d%% of those asked).",
                "Below the quorum: %(answered)d of the %(asked)d members asked have answered, and at "
                "least %(needed)d must answer before this round can close (the circle's quorum is "
                "%(percent)d%% of those asked).",
                self.answered,
            )
            % self.as_payload()
        )


def count_quorum(
    percent: int,
    roster: Iterable[tuple[int, dt.datetime | None]],
    answered: Collection[int],
    members: Collection[int] | None = None,
) -> Quorum:
    """The quorum of a round from its roster (user id, when they left the circle), who answered
    in it, and, while it is open, who is still in the circle (someone who left is not asked any
    more, even before the round has recorded it)."""
    asked = 0
    answers = 0
    for user_id, left_at in roster:
        if user_id in answered:
            asked += 1
            answers += 1
        elif left_at is None and (members is None or user_id in members):
            asked += 1
    return Quorum(percent, asked, answers, quorum_needed(asked, percent))


def quorum_of(round_: ConsentRound) -> Quorum:
    """The round's quorum from the database. Answers given after a lazy consent closed do not
    count: the quorum is about the round as it closed."""
    answered = set(
        round_.responses.filter(after_round_closed=False).values_list("user_id", flat=True)
    )
    members = None
    if round_.is_open:
        members = set(current_member_ids(Circle(pk=round_.proposal.circle_id)))
    roster = round_.roster.values_list("user_id", "left_circle_at")
    return count_quorum(round_.quorum_percent, roster, answered, members)


def waiting_for(round_: ConsentRound) -> list[int]:
    """Required members who have not answered yet."""
    return list(_unanswered(round_).values_list("user_id", flat=True))
