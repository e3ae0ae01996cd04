"""The last few values computed from a text, by key: the memo the parsers and readers share.

A refactoring reads the same module several times (its tree, its ast, what it binds, what its
calls pass), so each reader keeps its last few answers. ``Recent`` is that memo: bounded,
least recently used dropped first, safe to share between the server's worker threads (a
lookup and an insertion each hold its lock; the value itself is computed outside it, so two
threads may both compute the same missing value, and the second insertion wins).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# What ``get`` answers for a key it does not hold, unless told otherwise: distinct from every
# value, None included (a text that does not parse is remembered as None).
MISSING: object = object()


class Recent(Generic[K, V]):
    """At most ``size`` values by key; reading one makes it the most recently used."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size!r}")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, default: object = MISSING) -> V | object:
        """The value kept for ``key`` (now the most recently used), else ``default``."""
        with self._lock:
            try:
                value = self._items[key]
            except KeyError:
                return default
            self._items.move_to_end(key)
            return value

    def peek(self, key: K, default: object = MISSING) -> V | object:
        """The value kept for ``key``, else ``default``, leaving the order as it was."""
        with self._lock:
            return self._items.get(key, default)

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` as the most recently used, dropping the least recently
        used beyond ``size``."""
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def setdefault(self, key: K, value: V) -> tuple[V, bool]:
        """The value kept for ``key`` and False; else ``value``, now kept, and True. One
        step under the lock: of several threads asking for the same missing key, exactly one
        is told it inserted (and computes what the others wait for)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key], False
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return value, True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
