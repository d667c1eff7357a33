"""Who may see and do what with notifications.

A notification is its recipient's alone: for anyone else it is missing (404), in lists too. What
it says is the ledger event's sentence, and that is shown only while the recipient may still see
the event (not after they left the private circle it happened in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from circlewise.circles.permissions import can_view_circle
from circlewise.core.models import LedgerEvent

from .models import Notification

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


def can_view_notification(user: Viewer, notification: Notification) -> bool:
    """Only the recipient sees, follows or marks a notification."""
    return bool(user is not None and user.is_authenticated and notification.recipient_id == user.pk)


def get_notification_for(user: Viewer, notification_id: int) -> Notification:
    """The person's own notification, with what its sentence reads; anyone else's is missing."""
    notification = (
        Notification.objects.select_related(
            "event__actor", "event__organisation", "event__circle__organisation"
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or not can_view_notification(user, notification):
        raise Http404
    return notification


def can_see_event(user: Viewer, event: LedgerEvent) -> bool:
    """Whether the person may still read what happened: an event in a circle they can no longer
    see (a private circle they have left) keeps its place in their list, not its text."""
    return event.circle is None or can_view_circle(user, event.circle)
