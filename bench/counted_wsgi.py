"""The production WSGI application, counting how many pages it serves from the cache.

Only for `bench.mixed`: granian serves `bench.counted_wsgi:application` instead of
`config.wsgi:application`. Every whole page (`core.pages.whole_page`) is read through
`core.cache.value` under a key of its own ("cw:fragment:..."); a page is a miss when that value
has to be computed. Shared fragments (`core.cache.fragment`: a page's body, the same for every
viewer with the same rights) are counted apart. Each worker process writes its counts to `COUNTS_DIR/<pid>.json` twice a
second, where the benchmark sums them. Nothing else differs from the production application.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from circlewise.core import cache
from config.wsgi import application  # noqa: F401 - served by granian

COUNTS_DIR = Path(os.environ.get("BENCH_COUNTS_DIR", "var/bench/counts"))
_counts = {"pages": 0, "rendered": 0, "fragments": 0, "fragments_rendered": 0}
_lock = threading.Lock()
_value = cache.value


def _counted_value(name: str, *, version: int | str, compute: Callable[[], Any], **kw: Any) -> Any:
    if not name.startswith("cw:fragment:"):
        return _value(name, version=version, compute=compute, **kw)

    def rendered() -> Any:
        with _lock:
            _counts["rendered"] += 1
        return compute()

    with _lock:
        _counts["pages"] += 1
    return _value(name, version=version, compute=rendered, **kw)


_fragment = cache.fragment


def _counted_fragment(name: str, *, render: Callable[[], str], **kw: Any) -> Any:
    def rendered() -> str:
        with _lock:
            _counts["fragments_rendered"] += 1
        return render()

    with _lock:
        _counts["fragments"] += 1
    return _fragment(name, render=rendered, **kw)


cache.value = _counted_value  # type: ignore[assignment]
cache.fragment = _counted_fragment  # type: ignore[assignment]


def _write_counts() -> None:
    COUNTS_DIR.mkdir(parents=True, exist_ok=True)
    path = COUNTS_DIR / f"{os.getpid()}.json"
    while True:
        with _lock:
            data = json.dumps(_counts)
        path.write_text(data)
        time.sleep(0.5)


threading.Thread(target=_write_counts, daemon=True).start()
