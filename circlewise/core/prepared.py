"""Moved to `circlewise.core.perf.prepared`; this name stays for the modules that import it
still (circles/permissions.py, decisions/permissions.py, decisions/services.py,
accounts/backends.py) until they switch."""

from circlewise.core.perf.prepared import Prepared, PreparedRows, insert_row, update_row

__all__ = ["Prepared", "PreparedRows", "insert_row", "update_row"]
