"""Sentences for the notifications' ledger events: none. Delivering or reading a notification
appends nothing; what a notification says is its event's sentence, from the app that appended it
(read for its recipient in selectors.said_to). The same shape as every app's feed.py."""

from __future__ import annotations

from circlewise.core.feed import Describer

DESCRIBERS: dict[str, Describer] = {}
HIDDEN: frozenset[str] = frozenset()
