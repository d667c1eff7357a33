"""What the minutes' pages read: the circle's record of approved minutes, the previous meeting's
minutes still to approve (shown at the next meeting), and the search through approved minutes.
Nothing here writes. (Apart from selectors.py, whose room state is being reworked.)

The search is a plain case-insensitive match (`icontains`): on PostgreSQL `UPPER(text) LIKE
UPPER(%q%)`, on SQLite `LIKE`, which folds ASCII letters only. It needs no extension, index or
configuration on either database, and a circle's minutes are a few hundred texts, not millions;
full-text search (PostgreSQL's tsvector, SQLite's FTS5) would rank and stem but differs between
the two, and is for when the record grows. The excerpt is found again in Python, with the same
case folding for every script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle, Organisation
from circlewise.core.types import Viewer

from . import permissions
from .models import Meeting, Minutes

# A search looks for at least this many characters, at most this many.
SHORTEST_QUERY, LONGEST_QUERY = 2, 200
# A search shows this many hits at most, newest meeting first.
MOST_HITS = 50
# Characters of context on each side of the match in an excerpt.
CONTEXT = 80


def approved_minutes_of(circle: Circle, limit: int | None = None) -> list[Minutes]:
    """The circle's record: its approved minutes, newest meeting first (one query)."""
    rows = (
        Minutes.objects.approved()
        .filter(meeting__circle=circle)
        .select_related("meeting", "approved_by")
        .order_by("-meeting__starts_at", "-pk")
    )
    return list(rows[:limit] if limit is not None else rows)


def previous_minutes(meeting: Meeting) -> Minutes | None:
    """The minutes of the circle's meeting held before this one, if they are not approved yet:
    the next meeting approves them in its administration part."""
    before = (
        Meeting.objects.filter(
            circle_id=meeting.circle_id,
            status=Meeting.Status.HELD,
            starts_at__lt=meeting.starts_at,
        )
        .order_by("-starts_at", "-pk")
        .first()
    )
    if before is None:
        return None
    found = Minutes.objects.filter(meeting=before).select_related("meeting__circle").first()
    if found is None or found.is_approved:
        return None
    return found


def query_problem(query: str) -> str | None:
    """What is wrong with a search, in a sentence; None for one that can be run."""
    query = query.strip()
    if not query:
        return _("Type a word or a few words to look for in the approved minutes.")
    if len(query) < SHORTEST_QUERY:
        return _("Type at least %(count)d characters to search.") % {"count": SHORTEST_QUERY}
    if len(query) > LONGEST_QUERY:
        return _("A search can be at most %(count)d characters long.") % {"count": LONGEST_QUERY}
    return None


@dataclass(frozen=True)
class Hit:
    minutes: Minutes
    meeting: Meeting
    excerpt: SafeString


# Markdown's marks, which an excerpt leaves out: headings' #, emphasis, code, list bullets.
_MARKS = re.compile(r"(?m)^\s*(?:#{1,6}|[-*+]|\d+\.)\s+|\*\*|__|`")


def excerpt(text: str, query: str, context: int = CONTEXT) -> SafeString:
    """A line of the text around the first match, the match in `<mark>`: every piece escaped,
    whitespace run together, an ellipsis where it is cut."""
    flat = " ".join(_MARKS.sub(" ", text).split())
    found = re.search(re.escape(" ".join(query.split())), flat, re.IGNORECASE)
    if found is None:  # matched by the database but not here (a folding difference): the start
        return mark_safe(escape(flat[: 2 * context]) + ("…" if len(flat) > 2 * context else ""))  # noqa: S308
    start, end = max(0, found.start() - context), min(len(flat), found.end() + context)
    before, match, after = flat[start : found.start()], found.group(0), flat[found.end() : end]
    return mark_safe(  # noqa: S308 - each piece is escaped
        ("…" if start > 0 else "")
        + escape(before)
        + f"<mark>{escape(match)}</mark>"
        + escape(after)
        + ("…" if end < len(flat) else "")
    )


def search_minutes(
    user: Viewer, organisation: Organisation, query: str, *, limit: int = MOST_HITS
) -> list[Hit]:
    """The approved minutes of the circles of the organisation this person may see whose text
    holds the query (case-insensitive), newest meeting first. A private circle's minutes are
    never among them for someone outside it: filtered in the query, and each row checked again
    with the permission function."""
    query = " ".join(query.split())
    hidden = circle_permissions.hidden_circle_ids(user, organisation)
    rows = (
        Minutes.objects.approved()
        .filter(meeting__circle__organisation=organisation, text__icontains=query)
        .exclude(meeting__circle_id__in=hidden)
        .select_related("meeting__circle__organisation", "meeting__circle__parent")
        .order_by("-meeting__starts_at", "-pk")[:limit]
    )
    return [
        Hit(minutes=m, meeting=m.meeting, excerpt=excerpt(m.text, query))
        for m in rows
        if permissions.can_read_minutes(user, m)
    ]
