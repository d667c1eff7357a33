"""The meetings' hook in the circle page: its next meetings, and the way to all of them."""

from __future__ import annotations

import datetime as dt

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
