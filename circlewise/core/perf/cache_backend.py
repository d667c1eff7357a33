"""Django's in-memory cache, bounded by the bytes its entries take.

The cache holds whole pages per viewer (40-150 kB each) beside small values; Django's own
in-memory cache bounds only the number of entries (MAX_ENTRIES), so 20,000 pages could take
3 GB. This one also keeps the total size of what it holds (each entry's pickled value and key)
under OPTIONS["MAX_BYTES"], dropping the least recently used entries first, as Django does when
it culls; an entry larger than an eighth of that is not kept. Used when REDIS_URL is not set
(Redis is bounded by its own `maxmemory`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

from circlewise.core.lru import ENTRY_OVERHEAD

# Sizes of the entries, and their total, per named cache: like Django's own store, shared by
# every instance (one per thread) of the same cache.
_sizes: dict[str, dict[str, int]] = {}
_totals: dict[str, list[int]] = {}

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class BoundedLocMemCache(LocMemCache):
    # Django's own, which its type stubs leave out.
    _cache: OrderedDict[str, Any]
    _expire_info: dict[str, Any]
    _lock: threading.Lock
    _cull_frequency: int

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self._sizes = _sizes.setdefault(name, {})
        self._total = _totals.setdefault(name, [0])

    @property
    def total_bytes(self) -> int:
        return self._total[0]

    def _forget(self, key: str) -> None:
        self._total[0] -= self._sizes.pop(key, 0)

    # Django calls these with its lock held.

    def _set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None:
        size = len(key) + len(value) + ENTRY_OVERHEAD
        if size > self.max_bytes // 8:
            self._delete(key)
            return
        self._forget(key)
        super()._set(key, value, timeout)  # type: ignore[misc]
        self._sizes[key] = size
        self._total[0] += size
        while self._total[0] > self.max_bytes and len(self._cache) > 1:
            oldest, _ = self._cache.popitem()  # the least recently used: Django keeps it last
            self._expire_info.pop(oldest, None)
            self._forget(oldest)

    def _cull(self) -> None:
        if self._cull_frequency == 0:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0
            return
        for _ in range(len(self._cache) // self._cull_frequency):
            oldest, _ = self._cache.popitem()
            self._expire_info.pop(oldest, None)
            self._forget(oldest)

    def _delete(self, key: str) -> bool:
        deleted: bool = super()._delete(key)  # type: ignore[misc]
        if deleted:
            self._forget(key)
        return deleted

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._total[0] = 0
