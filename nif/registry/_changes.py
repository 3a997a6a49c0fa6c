"""The registry's one change signal, and the caches of registry reads that listen to it.

Every write through a `Registry` (submit, load, import, withdraw, and certification's suite,
certificate and revocation graphs) ends with `Registry.changed()`: the generation moves on and
each `ReadCache` the registry handed out clears itself. Caches keyed by content (compiled
validators, built profiles, a worker's profiles) need no signal: a new submission brings new
checksums, so new keys, and a worker gets them with the task's `Target`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import Cache, LRUCache, TTLCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Changes:
    """A generation that only `announce` moves, and the listeners it calls then."""

    def __init__(self) -> None:
        self._generation = 0
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        return self._generation

    def announce(self) -> None:
        with self._lock:
            self._generation += 1
            listeners = list(self._listeners)
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)


class ReadCache(Generic[K, V]):
    """Answers read from the registry, kept until it changes (and at most `ttl` seconds when
    given: what another writer to a shared store may wait); safe to share between threads.

    An answer whose reading overlapped a change is returned but not kept, so no answer read
    before a write outlives it.
    """

    def __init__(self, changes: Changes, maxsize: int, ttl: float | None = None) -> None:
        self._changes = changes
        self._entries: Cache[K, V] = LRUCache(maxsize) if ttl is None else TTLCache(maxsize, ttl)
        self._lock = threading.Lock()
        changes.subscribe(self.clear)

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The answer kept for `key`, else `build()`'s (built outside the lock)."""
        with self._lock:
            generation = self._changes.generation
            with contextlib.suppress(KeyError):
                return self._entries[key]
        value = build()
        with self._lock:
            if self._changes.generation == generation:
                self._entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
