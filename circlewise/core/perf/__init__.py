"""The speed-ups, in one place: everything that tunes Circlewise past what stock Django does.

docs/decisions/0007-performance-seam.md gives each piece its measured gain, what it depends on and
when to remove it; docs/performance.md holds the current figures. Only the modules of this
package may reach into Django's private internals (the SQL compiler, `where.children`, the
backend's converters, the in-memory cache's store, the CSRF alphabet).

One setting turns every fast path off, so that a Django upgrade can be tried without them:
`CIRCLEWISE_FAST_PATHS=0` in the environment (settings.CIRCLEWISE_FAST_PATHS). Then
config/settings.py chooses Django's own SQLite engine, session engine and in-memory cache,
`Prepared` runs its queryset through the ORM, pages take Django's own CSRF token, and the server
entry points neither warm up nor freeze the collector.

- `prepared`: hot single-row lookups with their SQL compiled once (`Prepared`); every write
  goes through the ORM;
- `sqlite`: the SQLite backend converting each statement's placeholders once;
- `sessions`: the session engines reading the session through `Prepared`, decoding once;
- `csrf`: the CSRF token masked from one read of the random source;
- `pages`: whole pages cached per viewer on the ledger version;
- `cache_backend`: Django's in-memory cache bounded by bytes;
- `memory`, `startup`: what a server process does before its first request.
"""

from __future__ import annotations

from django.conf import settings


def enabled() -> bool:
    """Whether the fast paths are on (the default; `CIRCLEWISE_FAST_PATHS=0` turns them off)."""
    return bool(getattr(settings, "CIRCLEWISE_FAST_PATHS", True))
