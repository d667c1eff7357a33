"""When the meetings of a series fall (python-dateutil's rrule, RFC 5545).

A series repeats in the time zone it was planned in: "every other Tuesday at 19:00" stays at 19:00
there across daylight saving time, so its instants in UTC move by an hour twice a year. Its rule is
written from the first meeting's local time; the occurrences are computed as local times and only
then turned into UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator

from dateutil.rrule import rrulestr

from .models import Repeat

# How far ahead a series' meetings exist as meetings (each can then get its own agenda).
HORIZON = dt.timedelta(weeks=12)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def rule_for(repeat: str, first_local: dt.datetime) -> str:
    """The RRULE of a series that starts at this local time."""
    day = DAYS[first_local.weekday()]
    if repeat == Repeat.WEEKLY:
        return f"FREQ=WEEKLY;INTERVAL=1;BYDAY={day}"
    if repeat == Repeat.FORTNIGHTLY:
        return f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}"
    if repeat == Repeat.MONTHLY:
        # The same weekday of the month: the second Tuesday, or the last one after the 28th.
        nth = (first_local.day - 1) // 7 + 1
        return f"FREQ=MONTHLY;BYDAY={'-1' if nth == 5 else f'+{nth}'}{day}"
    raise ValueError(f"no rule for {repeat!r}")


def occurrences(
    rule: str,
    first_starts_at: dt.datetime,
    time_zone: str,
    *,
    after: dt.datetime,
    before: dt.datetime,
    until: dt.date | None = None,
) -> Iterator[dt.datetime]:
    """The starts (in UTC) of a series' meetings after `after` and before `before` (both UTC),
    none later than the day `until` in the series' zone."""
    zone = zoneinfo.ZoneInfo(time_zone)
    first_local = first_starts_at.astimezone(zone).replace(tzinfo=None)
    recurrence = rrulestr(rule, dtstart=first_local)
    last_local = before.astimezone(zone).replace(tzinfo=None)
    if until is not None:
        last_local = min(last_local, dt.datetime.combine(until, dt.time.max))
    for local in recurrence.between(first_local, last_local, inc=True):
        starts = local.replace(tzinfo=zone).astimezone(dt.UTC)
        if after < starts < before:
            yield starts
