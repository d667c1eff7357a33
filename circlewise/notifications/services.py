from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Field, Model
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

    One statement, however many recipients: `INSERT ... SELECT` from the people table keeps the
    active ones, skips anyone already notified of the event, and returns who was. (A decision in
    a circle of 640 notifies 640 people twice; through `bulk_create` building those rows took
    most of the answer that made the decision.)
    """
    if not recipient_ids:
        return 0
    connection = connections[router.db_for_write(Notification)]
    quote = connection.ops.quote_name

    def field(model: type[Model], name: str) -> Field[Any, Any]:
        found = model._meta.get_field(name)
        assert isinstance(found, Field)
        return found

    def column(model: type[Model], name: str) -> str:
        return quote(str(field(model, name).column))

    table, people = quote(Notification._meta.db_table), quote(User._meta.db_table)
    columns = ", ".join(
        column(Notification, name) for name in ("recipient", "event", "created_at", "read_at")
    )
    person, is_active = column(User, "id"), column(User, "is_active")
    ids = sorted(set(recipient_ids))
    created_at = field(Notification, "created_at").get_db_prep_value(timezone.now(), connection)
    active = field(User, "is_active").get_db_prep_value(True, connection)
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {person}, %s, %s, NULL FROM {people} "  # noqa: S608
        f"WHERE {person} IN ({', '.join(['%s'] * len(ids))}) AND {is_active} = %s "
        f"ON CONFLICT DO NOTHING RETURNING {column(Notification, 'recipient')}"
    )
    # Inside a transaction, in a savepoint of its own: a statement the database refuses leaves
    # the transaction usable for what comes next. (After a commit, in autocommit, it already is.)
    guard = (
        transaction.atomic(using=connection.alias)
        if connection.in_atomic_block
        else contextlib.nullcontext()
    )
    with guard, connection.cursor() as cursor:
        cursor.execute(sql, [event_id, created_at, *ids, active])
        notified = [row[0] for row in cursor.fetchall()]
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
