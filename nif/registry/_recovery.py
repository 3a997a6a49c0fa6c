"""Writes a dead process left half done: found and settled by the next writer.

A write touches two systems, the RDF store (the records' graphs) and the state (history, audit),
and no transaction spans both: a process killed between the two leaves the store ahead of the
history. So before a write touches the store it audits a `pending` entry naming the sha256 it
intends each record to have (None: withdrawn), and removes it once the history is written (the
write's own `stored` entry follows as before). Writers hold the write lock, so a pending entry
that the holder of the lock sees belongs to a writer that died: each is settled by comparing
what the store holds now with what was intended. Every record as intended: the missing history
rows are added and the entry says `stored` ("completed after an interrupted write"); otherwise
it says `interrupted` ("not stored", naming any records that were). Either way every replica
reads the same thing, since they read the one store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from nif.registry._history import AuditEntry, RecordVersion
from nif.registry._preconditions import stored_sha
from nif.registry._records import stored_record

if TYPE_CHECKING:
    from nif.registry._registry import Registry

log = logging.getLogger("nif.registry")

PENDING = "pending"
COMPLETED = "completed after an interrupted write"
NOT_STORED = "not stored"
_WITHDRAWN = "withdrawn"
_INTENT = re.compile(r"<([^<>\s]+)> ([0-9a-f]{64}|" + _WITHDRAWN + ")")


def intent(intended: Mapping[str, str | None]) -> str:
    """A pending entry's detail: each record and the sha256 it is to have (`withdrawn`)."""
    return "intended: " + ", ".join(
        f"<{iri}> {sha or _WITHDRAWN}" for iri, sha in sorted(intended.items())
    )


def intended(detail: str) -> dict[str, str | None]:
    """The records and sha256s `intent` wrote (an entry that names none intends nothing)."""
    return {iri: None if sha == _WITHDRAWN else sha for iri, sha in _INTENT.findall(detail)}


def settle_interrupted(registry: Registry) -> int:
    """Settle every pending entry (the caller holds the write lock, so their writers are
    dead): how many. The caches are dropped when any was, as its writer could not."""
    entries = registry.history.unsettled()
    for entry_id, entry in entries:
        try:
            _settle(registry, entry_id, entry)
        except Exception:
            log.exception("could not settle the interrupted %s of %s", entry.action, entry.target)
            raise
    if entries:
        registry.changed()
    return len(entries)


def _settle(registry: Registry, entry_id: int, entry: AuditEntry) -> None:
    wanted = intended(entry.detail)
    stored: list[str] = []
    missing: list[str] = []
    versions: list[RecordVersion] = []
    for iri, sha in wanted.items():
        if stored_sha(registry.store, iri) != sha:
            missing.append(iri)
            continue
        stored.append(iri)
        history = registry.history.versions(iri)
        if history and history[-1].sha256 == sha:
            continue  # the writer died after writing the history (or stored no change)
        versions.append(_version(registry, iri, sha, entry, history))
    if versions:
        registry.history.add(versions)
    if missing:
        detail = f"{NOT_STORED}: " + ", ".join(f"<{iri}>" for iri in missing)
        if stored:
            detail += "; stored all the same: " + ", ".join(f"<{iri}>" for iri in stored)
        registry.history.settle(entry_id, "interrupted", detail)
    else:
        registry.history.settle(entry_id, "stored", f"{COMPLETED}: " + ", ".join(stored))
    log.warning(
        "settled an interrupted %s of %s: %s", entry.action, entry.target, missing or "stored"
    )


def _version(
    registry: Registry,
    iri: str,
    sha: str | None,
    entry: AuditEntry,
    history: list[RecordVersion],
) -> RecordVersion:
    """The history row the dead writer would have added for record `iri`."""
    record = stored_record(iri, registry.store.read_graph(iri)) if sha else None
    if record is not None:
        identifier, kind, triples = record.identifier, str(record.kind), len(record.graph)
    else:
        last = history[-1] if history else None
        identifier, kind, triples = (last.identifier, last.kind, 0) if last else ("", "", 0)
    return RecordVersion(iri, identifier, kind, entry.action, entry.actor, entry.at, sha, triples)
