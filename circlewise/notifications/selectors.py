"""What a notification says to its recipient, read from its ledger event. Nothing here writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

from circlewise.core.feed import Sentence, sentence
from circlewise.core.models import LedgerEvent

from .models import Notification, NotificationQuerySet
from .permissions import can_see_event

if TYPE_CHECKING:
    from circlewise.core.types import Viewer


def notifications_of(user: Viewer) -> NotificationQuerySet:
    """The person's own notifications, with what their sentences read, newest first: nobody
    else's is ever in the list."""
    return (
        Notification.objects.filter(recipient_id=user.pk)
        .select_related("event__actor", "event__organisation", "event__circle__organisation")
        .order_by("-id")
    )


def unread_count(user: Viewer) -> int:
    return Notification.objects.unread().filter(recipient_id=user.pk).count()


def said_to(user: Viewer, event: LedgerEvent) -> Sentence:
    """The event's sentence and where it leads, for this person: nothing of a private circle
    they are not in (and no way there)."""
    if not can_see_event(user, event):
        return Sentence(conditional_escape(_("An event in a private circle you are not in.")))
    return sentence(event)


def sentence_for(user: Viewer, event: LedgerEvent) -> str:
    """The same in plain text, for the API."""
    return said_to(user, event).text
