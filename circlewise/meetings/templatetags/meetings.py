"""The meetings' hook in the circle page: its next meetings, and the way to all of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from circlewise.circles.models import Circle

from ..models import Meeting

register = template.Library()

# How many of a circle's coming meetings its page shows.
SHOWN = 3


@register.simple_tag
def next_meetings(circle: Circle) -> list[Meeting]:
    """`{% next_meetings circle as coming %}`: the circle's meetings from today on, cancelled ones
    too (they say so), in one query. From the start of today, not from now: the circle page is
    kept for the day (its cache key holds the date)."""
    start = dt.datetime.combine(
        timezone.localdate(), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    return list(
        Meeting.objects.filter(circle=circle, ends_at__gt=start)
        .select_related("series")
        .order_by("starts_at", "pk")[:SHOWN]
    )


@register.simple_tag
def meeting_needs(user: Any, organisation: Any) -> dict[str, list[Any]]:
    """`{% meeting_needs request.user organisation as found %}`: what the meetings ask of the
    person, for "what needs me": their meetings going on now, the items members proposed for an
    agenda they keep, and their own action items due within a week or overdue (three queries)."""
    from circlewise.circles import permissions as circle_permissions

    from .. import permissions
    from ..models import ActionItem, AgendaItem

    mine = circle_permissions.circle_ids_of(user, organisation)
    live = list(
        Meeting.objects.filter(circle_id__in=mine, status=Meeting.Status.LIVE).select_related(
            "circle"
        )
    )
    proposed = [
        item
        for item in AgendaItem.objects.filter(
            status=AgendaItem.Status.PROPOSED,
            meeting__circle__organisation=organisation,
            meeting__status=Meeting.Status.PLANNED,
            meeting__ends_at__gt=timezone.now(),
        ).select_related("meeting__circle__organisation", "meeting__circle__parent", "added_by")
        if item.meeting.circle_id in mine and permissions.can_keep_agenda(user, item.meeting)
    ]
    soon = timezone.localdate() + dt.timedelta(days=7)
    actions = list(
        ActionItem.objects.open()
        .filter(owner_id=user.pk, circle_id__in=mine, due_on__lte=soon)
        .select_related("circle")
        .order_by("due_on", "pk")
    )
    return {"live": live, "proposed": proposed, "actions": actions}
