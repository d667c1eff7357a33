from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.core import cache

from .models import Notification


def deliver(*, event_id: int, recipient_ids: Sequence[int]) -> int:
    """Create in-app notifications for an event. Runs after the event's transaction commits."""
    active = list(
        User.objects.filter(pk__in=recipient_ids, is_active=True).values_list("pk", flat=True)
    )
    rows = [Notification(recipient_id=uid, event_id=event_id) for uid in active]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    cache.nav_changed_on_commit(active)
    return len(rows)


@transaction.atomic
def mark_read(*, user: User, notification_ids: Sequence[int] | None = None) -> int:
    """Mark some (or, with None, all) of a person's notifications read. Returns how many."""
    qs = Notification.objects.unread().filter(recipient=user)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    marked = qs.update(read_at=timezone.now())
    if marked:
        cache.nav_changed_on_commit([user.pk])
    return marked
