"""Delivering notifications (in the app, and by email to those who want it at once), marking
them read, and a person's email preferences."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
from collections.abc import Iterator, Mapping, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from circlewise.accounts.models import User
from circlewise.circles.models import Organisation
from circlewise.core import cache
from circlewise.core.errors import ServiceError
from circlewise.core.models import LedgerEvent

from . import permissions
from .models import (
    EmailDelivery,
    EmailPreference,
    Frequency,
    Kind,
    Notification,
    default_frequency,
    kind_of,
)
from .selectors import email_frequencies, wanting_email_now

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
    # The notifications and their emails' deliveries are written together or not at all, so a
    # delivery retried after a failure (which skips those already notified) cannot leave someone
    # notified and never emailed. Inside a transaction this is a savepoint of its own: a statement
    # the database refuses leaves the transaction usable for what comes next.
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(recipient_id=uid, event_id=event_id, created_at=now) for uid in notified],
            ignore_conflicts=True,
        )
        queue_emails(event_id=event_id, recipient_ids=notified)
    cache.nav_changed_on_commit(notified)
    return len(notified)


# Email at once -------------------------------------------------------------------------------

# Set while the demo organisation is loaded (circles' load_demo): its hundreds of events are
# notified in the app as usual, but nobody is emailed about a history written in one go.
_emails_paused: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "notification_emails_paused", default=False
)


@contextlib.contextmanager
def emails_paused() -> Iterator[None]:
    token = _emails_paused.set(True)
    try:
        yield
    finally:
        _emails_paused.reset(token)


def queue_emails(*, event_id: int, recipient_ids: Sequence[int]) -> int:
    """For those of the event's new notifications whose recipient wants its kind by email at
    once, record one EmailDelivery (unique per notification: a notification is emailed at most
    once, whoever queues it again) and queue the task that sends it, after commit. Returns how
    many were queued. The other choices (digests, off) queue nothing here."""
    if not recipient_ids or _emails_paused.get():
        return 0
    event = LedgerEvent.objects.filter(pk=event_id).only("organisation_id", "verb").first()
    if event is None:
        return 0
    wanting = wanting_email_now(event.organisation_id, kind_of(event.verb), recipient_ids)
    if not wanting:
        return 0
    notification_ids = list(
        Notification.objects.filter(
            event_id=event_id, recipient_id__in=sorted(wanting)
        ).values_list("pk", flat=True)
    )
    EmailDelivery.objects.bulk_create(
        [EmailDelivery(notification_id=nid) for nid in notification_ids], ignore_conflicts=True
    )
    delivery_ids = list(
        EmailDelivery.objects.filter(
            notification_id__in=notification_ids, attempts=0, sent_at__isnull=True,
            skipped_at__isnull=True,
        ).values_list("pk", flat=True)
    )  # fmt: skip
    for delivery_id in delivery_ids:
        transaction.on_commit(
            functools.partial(_enqueue_email, delivery_id, attempt=1), robust=True
        )
    return len(delivery_ids)


def _enqueue_email(delivery_id: int, *, attempt: int) -> None:
    from .tasks import send_notification_email

    task = send_notification_email
    if attempt > 1 and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 2])
    task.enqueue(delivery_id=delivery_id, attempt=attempt)


# An email recorded but never tried (its task was lost before it ran: the queue was down, the
# process stopped between the commit and the enqueue) is queued again after this long.
STUCK_AFTER = dt.timedelta(minutes=15)


def requeue_stuck_emails(*, now: dt.datetime | None = None) -> int:
    """Queue again every email that was recorded but never tried, STUCK_AFTER ago or more: what
    was promised is sent, and at most once (send_email locks the row and skips a sent one).
    Returns how many were queued."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        EmailDelivery.objects.filter(
            attempts=0, sent_at__isnull=True, skipped_at__isnull=True, queued_at__lte=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    for delivery_id in stuck:
        _enqueue_email(delivery_id, attempt=1)
    return len(stuck)


def retry_email(*, delivery_id: int, attempt: int) -> bool:
    """Queue the `attempt`-th try of an email whose sending failed, after its pause in
    RETRY_DELAYS. False, and logged, once every retry has been used: the delivery stays unsent
    with its last error, for someone to see in the admin (it is never silently dropped)."""
    if attempt - 1 > len(RETRY_DELAYS):
        logger.error(
            "Gave up sending the email of delivery %s after %s retries.",
            delivery_id,
            len(RETRY_DELAYS),
        )
        return False
    _enqueue_email(delivery_id, attempt=attempt)
    return True


def send_email(*, delivery_id: int) -> str:
    """Send one notification's email, unless it was sent already, or its recipient may no longer
    see what it is about, or no longer wants it by email at once (then it is skipped, and says
    why). Returns "sent", "skipped" or "done" (nothing left to do). A failure to send raises,
    after counting the attempt and keeping the error; the row is left unsent for the retry.

    The row is locked while the message goes out, so two workers given the same delivery send it
    once: the second finds it sent. (On SQLite the whole write transaction is serialised.)
    """
    from .emails import notification_email

    failure: Exception | None = None
    with transaction.atomic():
        delivery = (
            # Only the delivery's row is locked (the joined rows are read, some through outer joins).
            EmailDelivery.objects.select_for_update(of=("self",))
            .select_related(
                "notification__recipient",
                "notification__event__actor",
                "notification__event__organisation",
                "notification__event__circle__organisation",
            )
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.sent_at is not None or delivery.skipped_at is not None:
            return "done"
        notification = delivery.notification
        user, event = notification.recipient, notification.event
        reason = ""
        if not user.is_active:
            reason = "the account is deactivated"
        elif not permissions.can_email_event(user, event):
            reason = "the recipient may no longer see the event"
        elif (
            email_frequencies(user, event.organisation_id)[kind_of(event.verb)]
            != Frequency.IMMEDIATELY
        ):
            reason = "the recipient no longer wants it at once"
        if reason:
            delivery.skipped_at = timezone.now()
            delivery.last_error = reason
            delivery.save(update_fields=["skipped_at", "last_error"])
            return "skipped"
        message = notification_email(notification)
        try:
            message.send()
        except Exception as error:  # counted below, outside the lock, and raised
            failure = error
        else:
            delivery.sent_at = timezone.now()
            delivery.attempts += 1
            delivery.message_id = str(message.extra_headers.get("Message-ID", ""))[:255]
            delivery.last_error = ""
            delivery.save(update_fields=["sent_at", "attempts", "message_id", "last_error"])
            return "sent"
    EmailDelivery.objects.filter(pk=delivery_id).update(
        attempts=F("attempts") + 1, last_error=f"{type(failure).__name__}: {failure}"[:2000]
    )
    raise failure


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


# Email preferences ---------------------------------------------------------------------------


@transaction.atomic
def set_email_preferences(
    *, user: User, organisation: Organisation, choices: Mapping[str, str]
) -> dict[Kind, Frequency]:
    """Change how a person hears of some kinds of notification from an organisation by email.
    Only the choices that differ from the default are stored. Returns every kind's choice.

    Personal, not organisational, like the profile (accounts.services.update_profile): nothing
    is appended to the organisation's ledger, whose members have no business knowing how often
    someone reads their email.
    """
    if not permissions.can_manage_email_preferences(user, organisation):
        raise ServiceError(_("You are not a member of this organisation."), status=404)
    for kind, frequency in choices.items():
        if kind not in Kind.values:
            raise ServiceError(
                _("“%(kind)s” is not a kind of notification.") % {"kind": kind}, field=kind
            )
        if frequency not in Frequency.values:
            raise ServiceError(
                _("Choose at once, a daily digest, a weekly digest or no email."), field=kind
            )
    for kind, frequency in choices.items():
        if frequency == default_frequency(kind):
            EmailPreference.objects.filter(user=user, organisation=organisation, kind=kind).delete()
        else:
            EmailPreference.objects.update_or_create(
                user=user, organisation=organisation, kind=kind, defaults={"frequency": frequency}
            )
    return email_frequencies(user, organisation.pk)


def unsubscribe(*, user: User, organisation: Organisation, kind: str) -> dict[Kind, Frequency]:
    """One kind, off: what the link in every email's List-Unsubscribe header does."""
    return set_email_preferences(
        user=user, organisation=organisation, choices={kind: Frequency.OFF}
    )
