"""Background work for notifications, run by the task worker (`make worker`)."""

from django.tasks import task

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
