"""A bounded, thread-safe cache of compiled validators keyed by the hash of their artefacts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class CompiledCache:
    """Least-recently-used; one compile per key even when several threads ask at once."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, key: str, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._items:
                    return self._items[key]  # type: ignore[return-value]
            value = build()
            with self._lock:
                self._items[key] = value
                self._key_locks.pop(key, None)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


compiled = CompiledCache()
"""The process-wide cache every step compiler uses."""
