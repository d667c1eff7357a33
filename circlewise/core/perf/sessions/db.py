from django.contrib.sessions.backends import db

from circlewise.core.perf.sessions import PreparedLoad


class SessionStore(PreparedLoad, db.SessionStore):
    """Django's database sessions, read through a prepared query."""
