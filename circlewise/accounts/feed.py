"""Sentences for the account's ledger events: none. A person's profile and tokens are personal,
not organisational (see services.py), so nothing here appends to a ledger; joining an organisation
by invitation is the circles app's event (circles/feed.py). The same shape as every app's feed.py,
so a verb added here is registered like the others (core.feed.register)."""

from __future__ import annotations

from circlewise.core.feed import Describer

DESCRIBERS: dict[str, Describer] = {}
HIDDEN: frozenset[str] = frozenset()
