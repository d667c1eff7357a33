"""What a notification says to its recipient, read from its ledger event. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from circlewise.circles.permissions import can_view_circle
from circlewise.core.feed import describe
from circlewise.core.models import LedgerEvent


def can_see_event(user: Any, event: LedgerEvent) -> bool:
    """Whether the person may still read what happened: an event in a circle they can no longer
    see (a private circle they have left) keeps its place in their list, not its text."""
    return event.circle is None or can_view_circle(user, event.circle)


def sentence_for(user: Any, event: LedgerEvent) -> str:
    if not can_see_event(user, event):
        return _("An event in a private circle you are not in.")
    return describe(event)
