"""Session engines: Django's database and cached-database sessions, with the session read on
every request through a query compiled once (`circlewise.core.perf.prepared`), and its signed data
checked once per process for each value it takes.

Set `SESSION_ENGINE` to `circlewise.core.perf.sessions.db` or `circlewise.core.perf.sessions.cached_db`.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from circlewise.core.lru import BytesLRU, bytes_limit, text_size
from circlewise.core.perf.prepared import Prepared

_live_session = Prepared(
    Session,
    lambda key, now: Session.objects.filter(session_key=key).filter(expire_date__gt=now),
    "sample-session-key",
    timezone.now(),
)


# Decoded session data by (salt, secret key, signed data). A session's data changes only when it is
# saved, and then its signed text changes too, so an entry is never stale: the same text always
# decodes to the same dictionary. Bounded in bytes: the decoded dictionary is counted as twice its
# JSON (the signed text is compressed, so says little of it).
def _decoded_size(key: tuple[str, str, str], decoded: dict[str, Any]) -> int:
    return text_size(*key) + 2 * len(json.dumps(decoded, default=str))


_DECODED: BytesLRU[tuple[str, str, str], dict[str, Any]] = BytesLRU(
    bytes_limit("SESSION_CACHE_MB", 4), _decoded_size
)


class PreparedLoad:
    """Reads the session row with the prepared query; otherwise Django's database store."""

    _session_key: str | None
    session_key: str | None  # SessionBase's
    key_salt: str  # SessionBase's

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        """Django's `decode` (checking the signature, then deserialising: a fifth of a signed-in
        request's own time), remembered for the same signed text. Each caller gets its own copy:
        sessions are changed in place."""
        text = session_data.decode() if isinstance(session_data, bytes) else session_data
        key = (self.key_salt, settings.SECRET_KEY, text)
        decoded = _DECODED.get(key)
        if decoded is None:
            decoded = super().decode(session_data)  # type: ignore[misc]
            assert isinstance(decoded, dict)
            if not decoded:  # corrupted or empty: nothing worth keeping
                return decoded
            _DECODED.put(key, decoded)
        return copy.deepcopy(decoded)

    def _get_session_from_db(self) -> Any:
        try:
            found = _live_session.first(self.session_key, timezone.now())
        except SuspiciousOperation as error:  # as Django's own store does
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            found = None
        if found is None:
            self._session_key = None
        return found
