"""A process's own cache of what it used last, bounded by the bytes its entries take.

Every in-process cache of Circlewise is bounded by size, not by its number of entries: an entry
may be a 40-byte statement or a 150 kB page, and a bound by count lets a few thousand large ones
take gigabytes (a worker reached 4.4 GB so). Sizes are what `size(key, value)` says, an estimate
of the memory an entry holds (`text_size` for text and bytes); the least recently used entries go
first, and an entry larger than an eighth of the whole is not kept at all.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

# What a dictionary slot, the key's and the value's object headers take besides their contents.
ENTRY_OVERHEAD = 200


def text_size(*parts: object) -> int:
    """The memory taken by strings and bytes (their exact object size), plus an entry's overhead."""
    return ENTRY_OVERHEAD + sum(sys.getsizeof(p) for p in parts)


class BytesLRU[K: Hashable, V]:
    """A thread-safe mapping of the entries used last, holding at most `limit` bytes."""

    def __init__(self, limit: int, size: Callable[[K, V], int]) -> None:
        self.limit = limit
        self.size_of = size
        self.size = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: K, value: V) -> None:
        size = self.size_of(key, value)
        if size > self.limit // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._entries[key] = (value, size)
            self.size += size
            while self.size > self.limit:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = 0


def bytes_limit(name: str, default_mb: int) -> int:
    """A cache's limit in bytes from the environment (`name` in MB), for tuning without code."""
    return int(float(os.environ.get(name, default_mb)) * 1024 * 1024)
