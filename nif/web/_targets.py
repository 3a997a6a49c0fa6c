"""What validation requests look up in the store, remembered between requests.

Naming an interface, version and message type, or detecting one, costs a few store queries (a
few milliseconds, more than checking a small message). The answers change only when the
registry does: they are kept until this service writes to the registry (`Registry.generation`)
or, for a remote store that others may write to, for `TTL` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from nif.registry import Chooser, MessageTypeRef, Registry, Target, pinned_target

T = TypeVar("T")

TTL = 5.0
"""Seconds an answer is kept at most (what another writer to a remote store may wait)."""

MAX_ENTRIES = 1024


class Targets:
    """Choosers per (interface, version, message type) and artefact pins per message type."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._entries: dict[object, object] = {}
        self._generation = registry.generation
        self._since = time.monotonic()

    def chooser(self, key: tuple[str | None, ...], build: Callable[[], Chooser]) -> Chooser:
        return self._get(("chooser", key), build)

    def target(self, ref: MessageTypeRef) -> Target:
        return self._get(("target", ref), lambda: pinned_target(self._registry.store, ref))

    def _get(self, key: object, build: Callable[[], T]) -> T:
        with self._lock:
            stale = time.monotonic() - self._since > TTL
            if stale or self._generation != self._registry.generation:
                self._entries.clear()
                self._generation = self._registry.generation
                self._since = time.monotonic()
            if key in self._entries:
                return self._entries[key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = value
        return value
