from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from circlewise.accounts.models import User
from circlewise.core import cache

from .models import Notification

logger = logging.getLogger(__name__)

# After a delivery fails, the task worker tries it again after each of these pauses, then gives up
# (each failure is logged, the last one as giving up).
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=3),
)


def deliver_after_commit(*, event_id: int, recipient_ids: Sequence[int]) -> None:
    """Deliver an event's notifications once its change has committed (ledger.append registers
    it with `on_commit(..., robust=True)`).

    The change is saved by then, so a failure here (the database refusing the rows, a lost
    connection) must not become the answer to the person who made it: it is logged, and the
    delivery is handed to the task worker to be tried again (`retry_delivery`).
    """
    try:
        deliver(event_id=event_id, recipient_ids=recipient_ids)
    except Exception:
        logger.exception(
            "Delivering the notifications of ledger event %s failed; it will be retried.",
            event_id,
        )
        retry_delivery(event_id=event_id, recipient_ids=recipient_ids, attempt=1)


def retry_delivery(*, event_id: int, recipient_ids: Sequence[int], attempt: int) -> bool:
    """Queue the `attempt`-th retry of a delivery that failed, after its pause in RETRY_DELAYS
    (where the task backend can wait; tests run tasks at once). False, and logged, once every
    retry has been used."""
    from .tasks import deliver_notifications

    if attempt > len(RETRY_DELAYS):
        logger.error(
            "Gave up delivering the notifications of ledger event %s after %s retries.",
            event_id,
            len(RETRY_DELAYS),
        )
        return False
    task = deliver_notifications
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1])
    task.enqueue(event_id=event_id, recipient_ids=list(recipient_ids), attempt=attempt)
    return True


def deliver(*, event_id: int, recipient_ids: Sequence[int]) -> int:
    """Create in-app notifications for an event, for those of the recipients whose accounts are
    active. Runs after the event's transaction commits. Returns how many were created.

    Those already notified of the event are skipped (a retried delivery notifies nobody twice):
    they are read first, and the unique constraint on (recipient, event) decides between two
    deliveries at once (`ignore_conflicts`), so a race between them can only count someone twice,
    never notify them twice.
    """
    if not recipient_ids:
        return 0
    active = set(
        User.objects.filter(pk__in=sorted(set(recipient_ids)), is_active=True).values_list(
            "pk", flat=True
        )
    )
    if not active:
        return 0
    already = set(
        Notification.objects.filter(event_id=event_id, recipient_id__in=active).values_list(
            "recipient_id", flat=True
        )
    )
    notified = sorted(active - already)
    now = timezone.now()
    # Inside a transaction, in a savepoint of its own: a statement the database refuses leaves
    # the transaction usable for what comes next. (After a commit, in autocommit, it already is.)
    guard = (
        transaction.atomic()
        if transaction.get_connection().in_atomic_block
        else contextlib.nullcontext()
    )
    with guard:
        Notification.objects.bulk_create(
            [Notification(recipient_id=uid, event_id=event_id, created_at=now) for uid in notified],
            ignore_conflicts=True,
        )
    cache.nav_changed_on_commit(notified)
    return len(notified)


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
