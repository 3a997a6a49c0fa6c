"""A bounded, thread-safe cache of compiled validators keyed by the hash of their artefacts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")
_MISSING = object()


class CompiledCache:
    """Least-recently-used; one compile per key even when several threads ask at once.

    `clear()` empties it: the registry calls it when artefacts change. An `OrderedDict`
    keeps the order of use: every message asks for its steps, and its C methods cost a tenth
    of cachetools' `LRUCache` on a hit.
    """

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[str, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def _hit(self, key: str) -> object:
        """The entry, marked as just used; `_MISSING` when there is none. Under `_lock`."""
        value = self._items.get(key, _MISSING)
        if value is not _MISSING:
            self._items.move_to_end(key)
        return value

    def get(self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if (value := self._hit(key)) is not _MISSING:
                return cast(T, value)
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if (value := self._hit(key)) is not _MISSING:
                    return cast(T, value)
            built = build()
            with self._lock:
                self._items[key] = built
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
                self._key_locks.pop(key, None)
            return built

    def discard(self, key: str) -> None:
        """Forget one entry (e.g. a result that a time limit cut short)."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


compiled = CompiledCache()
"""The process-wide cache every step compiler uses."""
