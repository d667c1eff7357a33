"""Background work for notifications, run by the task worker (`make worker`)."""

from django.conf import settings
from django.tasks import task

from circlewise.core.schedule import periodic

from . import services


@task()
def deliver_notifications(event_id: int, recipient_ids: list[int], attempt: int = 1) -> int:
    """A delivery that failed after its change committed, tried again; while it keeps failing it
    is queued once more, after a longer pause, until services.RETRY_DELAYS are used up."""
    try:
        return services.deliver(event_id=event_id, recipient_ids=recipient_ids)
    except Exception:
        services.logger.exception(
            "Retry %s of delivering the notifications of ledger event %s failed.",
            attempt,
            event_id,
        )
        services.retry_delivery(event_id=event_id, recipient_ids=recipient_ids, attempt=attempt + 1)
        raise


@task()
def send_notification_email(delivery_id: int, attempt: int = 1) -> str:
    """One notification's email. If sending fails it is queued again, after a longer pause each
    time (services.RETRY_DELAYS); it is never sent twice (services.send_email)."""
    try:
        return services.send_email(delivery_id=delivery_id)
    except Exception:
        services.logger.exception(
            "Try %s of sending the email of delivery %s failed.", attempt, delivery_id
        )
        services.retry_email(delivery_id=delivery_id, attempt=attempt + 1)
        raise


# Digests: every morning, and on Mondays the weekly one (DIGEST_DAILY_SCHEDULE,
# DIGEST_WEEKLY_SCHEDULE; in TIME_ZONE). A run sends nothing twice (notifications/digests.py).
@periodic(settings.DIGEST_DAILY_SCHEDULE)
@task()
def send_daily_digests() -> int:
    from .digests import send_digests

    return send_digests(frequency="daily").sent


@periodic(settings.DIGEST_WEEKLY_SCHEDULE)
@task()
def send_weekly_digests() -> int:
    from .digests import send_digests

    return send_digests(frequency="weekly").sent


# Every ten minutes (EMAILS_REQUEUE_SCHEDULE): an email recorded and never tried is queued again.
@periodic(settings.EMAILS_REQUEUE_SCHEDULE)
@task()
def requeue_stuck_emails() -> int:
    return services.requeue_stuck_emails()
