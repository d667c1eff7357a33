from django.contrib.sessions.backends import cached_db

from circlewise.core.perf.sessions import PreparedLoad


class SessionStore(PreparedLoad, cached_db.SessionStore):
    """Django's cached database sessions, read through a prepared query on a cache miss."""
