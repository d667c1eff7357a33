"""The terms timeline: every current term across the organisation, in the circles the viewer
may see, placed on a window of two years around today. One query; nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings

from .models import Organisation, RoleAssignment, circle_hue_of

# The window the bars are drawn on: this many days before and after today.
WINDOW_DAYS = 365


class TimelineRow(NamedTuple):
    role_id: int
    role_name: str
    circle_id: int
    circle_slug: str
    circle_name: str
    holder_id: int
    holder_name: str
    term_start: dt.date
    term_end: dt.date
    ended_on: dt.date | None
    status: str  # current, ending or expired (the term badge's word)
    x: float  # where the term starts on the window, 0–100
    width: float  # how much of the window it covers, 0–100


@dataclass
class CircleTerms:
    circle_id: int
    circle_slug: str
    circle_name: str
    rows: list[TimelineRow] = field(default_factory=list)

    @property
    def hue(self) -> int:
        return circle_hue_of(self.circle_id)


def _place(start: dt.date, end: dt.date, today: dt.date) -> tuple[float, float]:
    first = today - dt.timedelta(days=WINDOW_DAYS)
    span = 2 * WINDOW_DAYS

    def at(day: dt.date) -> float:
        return min(max((day - first).days / span * 100, 0.0), 100.0)

    left, right = at(start), at(end)
    return round(left, 2), round(max(right - left, 0.5), 2)


def _status(end: dt.date, today: dt.date) -> str:
    if end < today:
        return "expired"
    if end <= today + dt.timedelta(days=settings.TERM_WARNING_DAYS):
        return "ending"
    return "current"


def timeline(
    organisation: Organisation, hidden: Collection[int], today: dt.date
) -> list[CircleTerms]:
    """Every current term in the organisation's active circles but the hidden ones, by circle
    (by name) and within it by the term's end."""
    rows = RoleAssignment.objects.current().filter(
        role__circle__organisation=organisation,
        role__circle__archived_at__isnull=True,
        role__archived_at__isnull=True,
    )
    if hidden:
        rows = rows.exclude(role__circle_id__in=hidden)
    values = rows.order_by("role__circle__name", "role__circle_id", "term_end", "pk").values_list(
        "role_id", "role__name", "role__circle_id", "role__circle__slug", "role__circle__name",
        "holder_id", "holder__name", "term_start", "term_end", "ended_on",
    )  # fmt: skip
    circles: dict[int, CircleTerms] = {}
    for role_id, role_name, circle_id, slug, name, holder_id, holder, start, end, ended in values:
        x, width = _place(start, end, today)
        row = TimelineRow(
            role_id, role_name, circle_id, slug, name, holder_id, holder, start, end, ended,
            _status(end, today), x, width,
        )  # fmt: skip
        group = circles.setdefault(
            row.circle_id, CircleTerms(row.circle_id, row.circle_slug, row.circle_name)
        )
        group.rows.append(row)
    return list(circles.values())
