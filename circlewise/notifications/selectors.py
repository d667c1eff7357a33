"""What a notification says to its recipient, read from its ledger event. Nothing here writes."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.translation import gettext as _

from circlewise.circles.permissions import can_view_circle
from circlewise.core.feed import Sentence, sentence
from circlewise.core.models import LedgerEvent


def can_see_event(user: Any, event: LedgerEvent) -> bool:
    """Whether the person may still read what happened: an event in a circle they can no longer
    see (a private circle they have left) keeps its place in their list, not its text."""
    return event.circle is None or can_view_circle(user, event.circle)


def said_to(user: Any, event: LedgerEvent) -> Sentence:
    """The event's sentence and where it leads, for this person: nothing of a private circle
    they are not in (and no way there)."""
    if not can_see_event(user, event):
        return Sentence(conditional_escape(_("An event in a private circle you are not in.")))
    return sentence(event)


def sentence_for(user: Any, event: LedgerEvent) -> str:
    """The same in plain text, for the API."""
    return said_to(user, event).text
