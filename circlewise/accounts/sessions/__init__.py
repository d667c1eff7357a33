"""Session engines: Django's database and cached-database sessions, with the session read on
every request through a query compiled once (`circlewise.core.prepared`).

Set `SESSION_ENGINE` to `circlewise.accounts.sessions.db` or `circlewise.accounts.sessions.cached_db`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from circlewise.core.prepared import Prepared

_live_session = Prepared(
    Session,
    lambda key, now: Session.objects.filter(session_key=key).filter(expire_date__gt=now),
    "sample-session-key",
    timezone.now(),
)


class PreparedLoad:
    """Reads the session row with the prepared query; otherwise Django's database store."""

    _session_key: str | None
    session_key: str | None  # SessionBase's

    def _get_session_from_db(self) -> Any:
        try:
            found = _live_session.first(self.session_key, timezone.now())
        except SuspiciousOperation as error:  # as Django's own store does
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            found = None
        if found is None:
            self._session_key = None
        return found
