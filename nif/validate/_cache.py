"""A bounded, thread-safe cache of compiled validators keyed by the hash of their artefacts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, cast

from cachetools import LRUCache

T = TypeVar("T")


class CompiledCache:
    """Least-recently-used; one compile per key even when several threads ask at once.

    `clear()` empties it: the registry calls it when artefacts change.
    """

    def __init__(self, size: int = 64) -> None:
        self._items: LRUCache[str, object] = LRUCache(maxsize=size)
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                return cast(T, self._items[key])
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    return cast(T, self._items[key])
            value = build()
            with self._lock:
                self._items[key] = value
                self._key_locks.pop(key, None)
            return value

    def discard(self, key: str) -> None:
        """Forget one entry (e.g. a result that a time limit cut short)."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


compiled = CompiledCache()
"""The process-wide cache every step compiler uses."""
