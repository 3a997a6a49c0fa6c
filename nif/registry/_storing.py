"""Storing records: the store first, then the history, with the intent audited in between.

The store and the state share no transaction, so the write audits what it intends (`_recovery`)
before the store is touched and clears that entry once the history is written: a writer killed
in between leaves it for the next holder of the write lock to settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from nif.registry import _bulk
from nif.registry._history import RecordVersion, utc_now
from nif.registry._records import Record
from nif.registry._recovery import intent
from nif.state import Blobs
from nif.store import DumpFormat

if TYPE_CHECKING:
    from nif.registry._registry import Registry


def store_records(
    registry: Registry,
    records: Sequence[Record],
    staging: Blobs,
    actor: str,
    action: str,
    bulk: bool = False,
    beside: dict[str, bytes] | None = None,
) -> list[RecordVersion]:
    """`Registry._commit`: store the records and their history (see there)."""
    staging.copy_into(registry.blobs)
    contents = {r.iri: r.ntriples() for r in records}
    versions = [
        RecordVersion(
            r.iri,
            r.identifier,
            str(r.kind),
            action,
            actor,
            utc_now(),
            registry.blobs.put(contents[r.iri]),
            len(r.graph),
        )
        for r in records
    ]
    names = ", ".join(r.identifier or r.iri for r in records)
    entry = registry.history.pending(
        actor, action, names[:2000], intent({v.record: v.sha256 for v in versions})
    )
    try:
        if bulk:
            existing = set(registry.store.graphs())
            fresh = {g: nt for g, nt in contents.items() if g not in existing}
            if fresh:
                registry.store.load(_bulk.nquads(fresh), DumpFormat.NQUADS)
            contents = {g: nt for g, nt in contents.items() if g in existing}
        contents.update(beside or {})
        if contents:
            registry.store.replace_graphs(contents)
    finally:
        registry.changed()
    registry.history.add(versions)
    registry.history.settle(entry)
    return versions
