"""The registry's one change signal, and the caches of registry reads that listen to it.

Every write through a `Registry` (submit, load, import, withdraw, and certification's suite,
certificate and revocation graphs) ends with `Registry.changed()`: the generation moves on and
each `ReadCache` the registry handed out clears itself. Caches keyed by content (compiled
validators, built profiles, a worker's profiles) need no signal: a new submission brings new
checksums, so new keys, and a worker gets them with the task's `Target`.

Other processes on the same state (replicas) write too: `follow` hears of their writes through
the state's change feed. A cache asks the feed (`sync`, one indexed read) before each lookup, so
a record another replica stored is seen by the very next request here (`peek`, for an event
loop, answers only when that read needs no wait); their writes clear the
caches like this process's own, but do not call the listeners that act on a write of this
process (`subscribe(..., remote=False)`: the catalogue's graph is rewritten by the writer).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import Cache, LRUCache, TTLCache

from nif.state import ChangeFeed

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Changes:
    """A generation that only `announce` (a write here) and another process's write move, and
    the listeners they call then."""

    def __init__(self) -> None:
        self._generation = 0
        self._listeners: list[tuple[Callable[[], None], bool]] = []
        self._lock = threading.Lock()
        self._feed: ChangeFeed | None = None

    @property
    def generation(self) -> int:
        return self._generation

    def follow(self, feed: ChangeFeed) -> None:
        """Hear of other processes' writes through `feed` (the state's change feed)."""
        self._feed = feed
        feed.subscribe(self._remote)

    def sync(self) -> None:
        """Catch up with other processes' writes now (before a cache lookup)."""
        if self._feed is not None:
            self._feed.sync()

    def sync_at_once(self) -> bool:
        """`sync` when it needs no wait (`ChangeFeed.sync_at_once`); False when it would."""
        return self._feed is None or self._feed.sync_at_once()

    def announce(self) -> None:
        self._move(remote=False)

    def _remote(self) -> None:
        self._move(remote=True)

    def _move(self, remote: bool) -> None:
        with self._lock:
            self._generation += 1
            listeners = [f for f, also_remote in self._listeners if also_remote or not remote]
        for listener in listeners:
            listener()

    def subscribe(self, listener: Callable[[], None], remote: bool = True) -> None:
        """Call `listener` after every write here, and (`remote`) another process's."""
        with self._lock:
            self._listeners.append((listener, remote))


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

    def get(self, key: K, build: Callable[[], V], *, sync: bool = True) -> V:
        """The answer kept for `key`, else `build()`'s (built outside the lock), once any
        write another process made is heard of (`sync=False`: the caller has just asked)."""
        if sync:
            self._changes.sync()
        with self._lock:
            generation = self._changes.generation
            with contextlib.suppress(KeyError):
                return self._entries[key]
        value = build()
        with self._lock:
            if self._changes.generation == generation:
                self._entries[key] = value
        return value

    def peek(self, key: K, *, sync: bool = True) -> V | None:
        """The answer kept for `key` when it can be given without waiting, for an event loop:
        other processes' writes heard of at once (`Changes.sync_at_once`; `sync=False`: the
        caller has just asked) and the answer kept. None otherwise: then `get` it where
        waiting is allowed."""
        if sync and not self._changes.sync_at_once():
            return None
        with self._lock:
            return self._entries.get(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
