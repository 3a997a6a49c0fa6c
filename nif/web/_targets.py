"""What validation requests look up in the store, remembered between requests.

Naming an interface, version and message type, or detecting one, costs a few store queries (a
few milliseconds, more than checking a small message). The answers change only when the
registry does: they are kept in a `ReadCache` the registry drops at every write through it
(`Registry.changed`) or through another process on the same state (each lookup first asks the
state's change feed, so a replica sees another's write at its very next request) and, for a
remote store that others may write to outside nif, for `TTL` seconds at most.
"""

from __future__ import annotations

from collections.abc import Callable

from nif.registry import Chooser, MessageTypeRef, ReadCache, Registry, Target, pinned_target

TTL = 5.0
"""Seconds an answer is kept at most (what a writer to a remote store outside nif may wait)."""

MAX_ENTRIES = 1024


class Targets:
    """Choosers per (interface, version, message type) and artefact pins per message type."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._choosers: ReadCache[tuple[str | None, ...], Chooser] = registry.read_cache(
            MAX_ENTRIES, TTL
        )
        self._targets: ReadCache[MessageTypeRef, Target] = registry.read_cache(MAX_ENTRIES, TTL)

    def chooser(self, key: tuple[str | None, ...], build: Callable[[], Chooser]) -> Chooser:
        return self._choosers.get(key, build)

    def at_once(self, key: tuple[str | None, ...], content: bytes) -> Target | None:
        """The message's target when all of it is remembered and nothing needs a wait (no
        store query, no network round trip to the change feed), for the event loop: the
        type named by `key`, the message's root its own. None otherwise: then `chooser` and
        `target` in a thread."""
        chooser = self._choosers.peek(key)
        ref = chooser.named(content) if chooser is not None else None
        return self._targets.peek(ref, sync=False) if ref is not None else None

    def target(self, ref: MessageTypeRef) -> Target:
        """The pins of `ref`, which the request's `chooser` gave: that lookup caught up with
        other processes' writes already (one read of the change feed per request)."""
        return self._targets.get(ref, lambda: pinned_target(self._registry.store, ref), sync=False)
