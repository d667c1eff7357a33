"""The day before a review meets: each person taking part (the focus person, the facilitator and
every reviewer) is reminded once, in the app and by email, on the day before the date in their
own time zone, from REMIND_FROM there. The periodic task (reviews/tasks.py, hourly) runs it; a
run reminds nobody twice (a `DateReminder` per person and date, under the review's row lock), so
a missed hour is made up by the next. The reminder goes out after commit, as every notification.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User

from . import permissions
from .models import DateReminder, Review
from .services import _append

# From when, on the day before, a person is reminded in their time zone: not in the night.
REMIND_FROM = dt.time(8, 0)


def remind_of_dates(*, now: dt.datetime | None = None) -> int:
    """Remind whoever it is the day before a review's date for, now; how many were reminded."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    # The day before somewhere on Earth: a date from UTC's today to two days after it.
    due = (
        Review.objects.open()
        .filter(meets_on__gte=today, meets_on__lte=today + dt.timedelta(days=2))
        .values_list("pk", flat=True)
    )
    return sum(_remind(pk, now) for pk in list(due))


def _zone(person: User) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(person.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def is_the_day_before(person: User, meets_on: dt.date, now: dt.datetime) -> bool:
    """Whether it is the day before `meets_on` for the person, from REMIND_FROM, where they are."""
    there = now.astimezone(_zone(person))
    return there.date() == meets_on - dt.timedelta(days=1) and there.time() >= REMIND_FROM


@transaction.atomic
def _remind(pk: int, now: dt.datetime) -> int:
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("circle__organisation", "role", "focus")
        .filter(pk=pk)
        .open()
        .first()
    )
    if review is None or review.meets_on is None:  # completed meanwhile
        return 0
    meets_on = review.meets_on
    taking_part = {review.focus_id, review.facilitator_id, *permissions.reviewer_ids(review)}
    reminded = set(
        DateReminder.objects.filter(review=review, meets_on=meets_on).values_list(
            "person_id", flat=True
        )
    )
    people = User.objects.filter(pk__in=sorted(taking_part - reminded), is_active=True)
    due = [
        p
        for p in people.order_by("pk")
        if is_the_day_before(p, meets_on, now) and permissions.can_view_review(p, review)
    ]
    if not due:
        return 0
    DateReminder.objects.bulk_create(
        [DateReminder(review=review, person=p, meets_on=meets_on, sent_at=now) for p in due]
    )
    _append(
        review, None, "review.date_reminder", [p.pk for p in due], meets_on=meets_on.isoformat()
    )
    return len(due)
