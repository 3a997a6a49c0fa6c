"""Backup and restore: every record and the graphs nif keeps beside them, as TriG or N-Quads,
with the artefact blobs the records pin.

A backup must carry the graphs beside the records (certificates, revocations, and the runs and
suites they were judged on), or certificates are lost. A restore replaces each graph it holds,
all in one write, as a submission does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from nif.errors import InputError, RecordSyntaxError
from nif.registry._blobs import BlobStore
from nif.registry._history import RecordVersion
from nif.registry._namespaces import sparql_prefixes
from nif.registry._records import stored_record
from nif.registry._staging import staging_dir
from nif.registry._submission import distinct
from nif.store import DumpFormat, Store

if TYPE_CHECKING:
    from nif.registry._registry import Registry

_OX_DUMP = {DumpFormat.TRIG: ox.RdfFormat.TRIG, DumpFormat.NQUADS: ox.RdfFormat.N_QUADS}


def export(
    registry: Registry, out: BinaryIO, fmt: DumpFormat, blobs: Path | None = None
) -> tuple[int, int]:
    """Write every current record and every graph kept beside them; copy the artefact blobs
    into `blobs`. Returns how many records and other graphs."""
    records = [r.iri for r in registry.records()]
    beside = graphs_beside_records(registry, records)
    registry.store.dump(out, fmt, records + beside)
    if blobs is not None:
        registry.blobs.copy_into(BlobStore(blobs), artefact_checksums(registry.store))
    return len(records), len(beside)


def graphs_beside_records(registry: Registry, records: Sequence[str] | None = None) -> list[str]:
    """nif's graphs (under `base_iri`) that are not records: certificates, revocations, and
    the runs and suites they were judged on. Other graphs of a shared endpoint (Virtuoso's
    own) are not nif's."""
    known = set(records if records is not None else (r.iri for r in registry.records()))
    base = registry.settings.registry.base_iri
    return sorted(g for g in registry.store.graphs() if g.startswith(base) and g not in known)


def artefact_checksums(store: Store) -> list[str]:
    """The sha256 of every file the records pin and serve (artefacts, parts, examples):
    what has a download URL, not the evidence hashes certification runs record."""
    rows = store.select(
        sparql_prefixes()
        + "SELECT DISTINCT ?v WHERE { ?n spdx:checksum ?c ; dcat:downloadURL ?url . "
        "?c spdx:checksumValue ?v }"
    )
    return sorted(str(r["v"]) for r in rows)


def restore(
    registry: Registry,
    data: bytes,
    fmt: DumpFormat,
    *,
    blobs: Path | None = None,
    actor: str | None = None,
) -> tuple[list[RecordVersion], list[str]]:
    """Restore a backup: records, and the graphs kept beside them as they are; returns the
    versions of the records stored and the artefact checksums whose blobs are still missing."""
    who = registry.actor(actor)
    shown = f"{fmt} backup"
    with registry._writing():
        with registry.history.audited(who, "import", shown):
            graphs = _group_quads(data, fmt)
            found = {g: stored_record(g, nt, shown) for g, nt in graphs.items()}
            records = [r for r in found.values() if r is not None]
            distinct(records)
            beside = {g: graphs[g] for g, r in found.items() if r is None}
            if blobs is not None:
                BlobStore(blobs).copy_into(registry.blobs)
            staging = BlobStore(staging_dir(registry.settings) / "none")
            stored = registry._commit(records, staging, who, "import", beside=beside)
        detail = f"{len(stored)} records, {len(beside)} other graphs"
        registry.history.audit(who, "import", shown, "stored", detail)
    missing = [d for d in artefact_checksums(registry.store) if not registry.blobs.has(d)]
    return stored, missing


def _group_quads(data: bytes, fmt: DumpFormat) -> dict[str, bytes]:
    """N-Quads/TriG split by graph as N-Triples; triples outside a named graph are refused."""
    graphs: dict[str, list[ox.Triple]] = {}
    try:
        for quad in ox.parse(data, format=_OX_DUMP[fmt]):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise InputError(
                    f"the {fmt} backup has triples outside a named graph (such as {quad.triple}); "
                    "every record is a named graph"
                )
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    except SyntaxError as exc:
        raise RecordSyntaxError(f"not valid {fmt}: {exc}") from None
    return {
        g: ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        for g, triples in graphs.items()
    }
