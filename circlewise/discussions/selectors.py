"""What a discussion page and the API read: a thread's comments with their authors and replies,
the handles that can be mentioned, the threads of a circle, and the number of comments on each
item of a backlog. Each in a fixed number of queries; nothing here writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.safestring import SafeString

from circlewise.circles import permissions as circle_permissions
from circlewise.circles.models import Circle
from circlewise.core.markdown import render_markdown
from circlewise.decisions.models import ProposalVersion

from . import permissions
from .models import Comment, Thread

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


@dataclass
class Entry:
    """A comment ready to show: its text rendered (nothing once withdrawn) and its replies."""

    comment: Comment
    html: SafeString
    edits: int
    replies: list[Entry] = field(default_factory=list)


def comments_of(thread: Thread) -> list[Entry]:
    """The thread's comments in order, each with its replies beneath it: two queries."""
    if thread.pk is None:
        return []
    rows = list(
        Comment.objects.filter(thread=thread)
        .select_related("author")
        .annotate(edit_count=Count("edits"))
        .order_by("created_at", "pk")
    )
    entries = {
        c.pk: Entry(
            c,
            SafeString("") if c.is_withdrawn else render_markdown(c.text),
            c.edit_count,
        )
        for c in rows
    }
    top: list[Entry] = []
    for c in rows:
        if c.reply_to_id is not None and c.reply_to_id in entries:
            entries[c.reply_to_id].replies.append(entries[c.pk])
        else:
            top.append(entries[c.pk])
    return top


def comment_count(entries: Iterable[Entry]) -> int:
    return sum(1 + len(e.replies) for e in entries)


def item_comment_counts(circle: Circle) -> dict[int, int]:
    """How many comments each item of the circle's backlog has: one query."""
    return dict(
        Thread.objects.filter(circle=circle, item__isnull=False)
        .annotate(n=Count("comments"))
        .values_list("item_id", "n")
    )


def threads_of(user: Viewer, circle: Circle) -> list[Thread]:
    """The circle's discussions that the person may read, the latest comment first: items'
    threads and drafts' (a draft's only while shared, or to its author)."""
    if not circle_permissions.can_view_circle(user, circle):
        return []
    rows: QuerySet[Thread] = (
        Thread.objects.filter(circle=circle)
        .select_related("item", "proposal__author")
        .annotate(
            comment_count=Count("comments"),
            last_comment_at=Max("comments__created_at"),
            proposal_title=Subquery(
                ProposalVersion.objects.filter(
                    proposal=OuterRef("proposal_id"), number=OuterRef("proposal__version_number")
                ).values("title")[:1]
            ),
        )
        .filter(Q(comment_count__gt=0) | Q(shared_at__isnull=False))
        .order_by("-last_comment_at", "-pk")
    )
    shown = []
    for thread in rows:
        thread.circle = circle
        if thread.proposal is not None:
            thread.proposal.circle = circle
        if permissions.can_view_thread(user, thread):
            shown.append(thread)
    return shown
