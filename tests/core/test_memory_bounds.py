"""Every in-process cache is bounded by the bytes it holds, not by its number of entries.

Each test feeds a cache far more unique content than its bound, in entries few enough that a
bound by count would keep them all, and measures what stays in memory (tracemalloc, after a
collection) or what the cache holds.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection

from circlewise.core.markdown import render_markdown
from circlewise.core.perf.sessions.db import SessionStore

MB = 1024 * 1024

# With CIRCLEWISE_FAST_PATHS=0 the fast path under test is off (circlewise.core.perf).
fast_paths_only = pytest.mark.skipif(
    not settings.CIRCLEWISE_FAST_PATHS,
    reason="tests a fast path, which CIRCLEWISE_FAST_PATHS=0 turns off",
)


def retained(work: Callable[[], None]) -> int:
    """Bytes still allocated once `work` is done and garbage collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        work()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _unique_text(n: int, size: int) -> str:
    line = f"Paragraph {n}: the compost rota, the tool shed and the bees. "
    return (line * (size // len(line) + 1))[:size]


@fast_paths_only
@pytest.mark.skipif(
    not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"),
    reason="the in-memory cache only (Redis is bounded by its own maxmemory)",
)
def test_the_in_memory_cache_holds_no_more_bytes_than_its_bound():
    # given the site's own in-memory cache, as configured (64 MB unless CACHE_MAX_MB says)
    cache = caches["default"]
    cache.clear()
    bound = settings.CACHES["default"].get("OPTIONS", {}).get("MAX_BYTES", 64 * MB)
    # when 100 MB of pages no one saw before are kept, each 100 kB (1,000 entries: far fewer
    # than any bound by count)
    for n in range(1_000):
        cache.set(f"page:{n}", _unique_text(n, 100_000).encode(), 600)
    # then what it holds stays within the bound, and the newest pages are the ones kept
    held = sum(len(key) + len(value) for key, value in cache._cache.items())  # type: ignore[attr-defined]
    assert held <= bound
    assert cache.get("page:999") is not None
    assert cache.get("page:0") is None
    cache.clear()


def test_rendered_markdown_kept_in_memory_is_bounded():
    # when 250 proposals of 40 kB, each different, are rendered (20 MB of text and its HTML)
    def render() -> None:
        for n in range(250):
            render_markdown(_unique_text(n, 40_000))

    # then the renderer's cache keeps no more than its bound (8 MB) and a little besides
    assert retained(render) < 10 * MB


def test_decoded_sessions_kept_in_memory_are_bounded(db):
    # given 400 sessions of 40 kB each, signed as the database store keeps them
    store = SessionStore()
    signed = [store.encode({"n": n, "draft": _unique_text(n, 40_000)}) for n in range(400)]

    # when each is read (decoded) once
    def read() -> None:
        for data in signed:
            assert SessionStore().decode(data)["draft"]

    # then the decoded sessions kept in memory stay within their bound (4 MB) and a little
    assert retained(read) < 6 * MB


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's own cache")
def test_converted_sql_statements_kept_in_memory_are_bounded(db):
    # when 2,000 different statements of 10 kB each are run (20 MB of SQL text and its
    # conversion)
    def run() -> None:
        with connection.cursor() as cursor:
            for n in range(2_000):
                filler = "x" * 10_000
                cursor.execute(f"SELECT %s, '{n}-{filler}'", [n])

    # then the converted statements kept stay within their bound (4 MB) and a little
    assert retained(run) < 6 * MB
