"""Python's cyclic garbage collector kept off a server process's long-lived objects.

A full collection walks every object the process holds: in a server process that has warmed its
caches (modules, settings, templates, compiled lookups, permission data) it took 83-100 ms
(measured with `gc.callbacks` at full benchmark size), and every request waiting on that process
waited as long; they showed as bursts of 15-17 slow requests every few seconds in the
benchmarks. `gc.freeze()` moves the objects alive at that moment out of the collector's sight, so
later collections walk only what was made since. It is done when the process has loaded the
application and again once it has served some requests (its caches then warm), each time just
after a full collection, so that no garbage is frozen. Only the server entry points call this
(config/wsgi.py, config/asgi.py, through circlewise.core.perf.startup): tests and management commands
collect as usual.
"""

from __future__ import annotations

import gc
from typing import Any

from django.core.signals import request_finished

# Requests served after which the process freezes what it holds again.
FREEZE_AFTER = frozenset({500, 5_000})

_served = 0


def freeze() -> None:
    gc.collect()
    gc.freeze()


def _count(**kwargs: Any) -> None:
    global _served
    _served += 1
    if _served in FREEZE_AFTER:
        freeze()


def keep_long_lived_out_of_collections() -> None:
    """Freeze now, and again after the requests in FREEZE_AFTER."""
    freeze()
    request_finished.connect(_count, dispatch_uid="circlewise.core.perf.memory")
