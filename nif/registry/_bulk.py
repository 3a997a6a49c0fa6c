"""Many records at once: loading a registry folder, and checking the whole registry.

Both check records in chunks, each with the context it needs from the store (and, for a load,
from the records not stored yet), over a process pool (`_check`). A load stores the records
that conform and reports the others; it is not one transaction, a submission is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pyoxigraph as ox
from rdflib import Graph

from nif.registry._acceptance import failures_of, failures_report
from nif.registry._acceptance import worker as acceptance
from nif.registry._assessment import assess_records, refusals_report
from nif.registry._bundle import open_sources
from nif.registry._check import CHUNK, Chunk, Progress, check_chunks
from nif.registry._check_cache import (
    CHECKS_SCHEMA,
    CheckCache,
    fingerprint,
    profile_key,
    split_results,
)
from nif.registry._context import Row, context_graph, record_contexts
from nif.registry._history import RecordVersion
from nif.registry._ownership import foreign_statements, ownership, report_of
from nif.registry._records import Record, from_ntriples
from nif.registry._shacl import ShaclReport, ShaclResult
from nif.registry._staging import staging_area
from nif.registry._submission import distinct, folder_sources, parse_source
from nif.store import DumpFormat, Store

if TYPE_CHECKING:
    from nif.registry._registry import Registry

T = TypeVar("T")
Pending = tuple[str, set[str], list[Row]]
"""A record to check: its fingerprint, its subjects (its focus nodes) and its context rows."""


@dataclasses.dataclass
class LoadResult:
    """A folder load: the records stored and those refused (with the report that refused them)."""

    stored: list[RecordVersion]
    rejected: list[str]
    report: ShaclReport


def load_folder(
    registry: Registry,
    root: Path,
    *,
    check: bool = True,
    actor: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load a registry folder (agencies/*.ttl, interfaces/<id>/): conforming records are
    stored, the others refused and reported. `check=False` (a trusted folder) skips the
    shapes and the submission checks (`_acceptance`)."""
    from nif.registry._pinning import pin_record

    who = registry.actor(actor)
    sources = folder_sources(root)
    if check:
        acceptance.warm()
    with registry._writing():
        with (
            registry.history.audited(who, "load", str(root)),
            staging_area(registry.settings) as staging,
        ):
            records: list[Record] = []
            for bundle in sources:
                with open_sources(bundle, registry.settings) as found:
                    for source in found:
                        for record in parse_source(registry.settings, source, None):
                            pin_record(
                                record.graph,
                                record.identifier,
                                source.bundle,
                                staging,
                                registry.settings,
                            )
                            records.append(record)
            distinct(records)
            existing = set(registry.store.graphs())
            gate, offenders = ownership(
                registry.store,
                records,
                registry.settings,
                graph_exists=existing.__contains__,
                stored=[r.iri for r in registry.records()] if existing else [],
                empty=not existing,
            )
            shapes = _check_pending(registry, records, workers, progress) if check else None
            report = ShaclReport.merge([gate, shapes] if shapes else [gate])
            failing = {r.focus for r in shapes.violations} if shapes else set()
            accepted = [
                r
                for r in records
                if r.iri not in offenders and not failing & {str(s) for s in r.subjects}
            ]
            failed = failures_of(registry, accepted, staging) if check else {}
            if failed:
                report = ShaclReport.merge([report, failures_report(failed)])
                accepted = [r for r in accepted if r.iri not in failed]
            assessed = assess_records(registry, accepted, staging)
            if assessed.refused:
                report = ShaclReport.merge([report, refusals_report(assessed)])
                accepted = [r for r in accepted if r.iri not in assessed.refused]
            rejected = [r.identifier or r.iri for r in records if r not in accepted]
            beside = {g: nt for g, nt in assessed.graphs.items() if _of(g, accepted, registry)}
            stored = (
                registry._commit(accepted, staging, who, "load", bulk=True, beside=beside)
                if accepted
                else []
            )
        registry.history.audit(
            who, "load", str(root), "stored", f"{len(stored)} stored, {len(rejected)} refused"
        )
    return LoadResult(stored, rejected, report)


def _of(graph: str, records: Sequence[Record], registry: Registry) -> bool:
    """Whether an assessment graph belongs to one of `records` (a refused record's are not
    written)."""
    from nif.registry._iris import assessment_base

    return any(graph.startswith(assessment_base(registry.settings, r.identifier)) for r in records)


def _check_pending(
    registry: Registry, records: list[Record], workers: int | None, progress: Progress | None
) -> ShaclReport:
    """Check records not yet stored, each with context from the store and from each other."""
    from nif.store import EmbeddedStore

    contents = {r.iri: r.ntriples() for r in records}
    with EmbeddedStore(None) as pending:
        pending.load(nquads(contents), DumpFormat.NQUADS)
        chunks = (
            Chunk(
                [(r.iri, contents[r.iri]) for r in batch],
                _context_bytes([registry.store, pending], batch),
            )
            for batch in _batches(records, CHUNK)
        )
        return check_chunks(
            chunks, len(records), registry.settings, workers=workers, progress=progress
        )


def check_registry(
    registry: Registry,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    keys: Sequence[str] = (),
    full: bool = False,
) -> ShaclReport:
    """Check every current record (or those named) against the shapes, in a process pool.

    Incremental: a record whose fingerprint (content, context, shapes, code) is the one of its
    last check keeps that check's results (`_check_cache`); `full` checks every record again."""
    infos = [registry.find(k) for k in keys] if keys else registry.records()
    cache = CheckCache(registry.state.database(CHECKS_SCHEMA))
    profile = profile_key(registry.settings)
    foreign: list[ShaclResult] = []
    reused: list[ShaclReport] = []
    pending: dict[str, Pending] = {}

    def chunks() -> Iterator[Chunk]:
        waiting: list[tuple[Record, bytes]] = []
        for batch in _batches(infos, CHUNK):
            # the stored bytes, not the canonical form: same content, same bytes, in one store
            contents = {i.iri: registry.store.read_graph(i.iri) for i in batch}
            records = [from_ntriples(iri, nt, lean=True) for iri, nt in contents.items()]
            foreign.extend(foreign_statements(registry.store, records, registry.settings))
            contexts = record_contexts(registry.store, records)
            prints = {
                r.iri: fingerprint(profile, contents[r.iri], contexts[r.iri]) for r in records
            }
            kept = {} if full else cache.fresh(prints)
            reused.extend(kept.values())
            for record in records:
                if record.iri not in kept:
                    subjects = {str(s) for s in record.subjects}
                    pending[record.iri] = (prints[record.iri], subjects, contexts[record.iri])
                    waiting.append((record, contents[record.iri]))
            if progress and kept:
                progress(len(reused) + done, len(infos))
            while len(waiting) >= CHUNK:
                yield _chunk(waiting[:CHUNK], pending)
                del waiting[:CHUNK]
        if waiting:
            yield _chunk(waiting, pending)

    done = 0

    def checking(count: int, _: int) -> None:
        nonlocal done
        done = count
        if progress:
            progress(len(reused) + done, len(infos))

    def keep(chunk: Chunk, report: ShaclReport) -> None:
        owners = {s: iri for iri, _ in chunk.records for s in pending[iri][1]}
        parts = split_results(report, owners)
        if parts is not None:
            cache.keep((iri, pending[iri][0], parts.get(iri, b"")) for iri, _ in chunk.records)

    checked = check_chunks(
        chunks(),
        len(infos),
        registry.settings,
        workers=workers,
        progress=checking,
        checked=keep,
    )
    if not keys:
        cache.forget_others(i.iri for i in infos)
    report = ShaclReport.merge([checked, *reused])
    report.reused = len(reused)
    return ShaclReport.merge([report, report_of(foreign)]) if foreign else report


def _chunk(records: list[tuple[Record, bytes]], pending: dict[str, Pending]) -> Chunk:
    """The records with the context they are judged with: their context rows from other graphs."""
    own = {r.iri for r, _ in records}
    graph = Graph()
    for record, _ in records:
        for s, p, o, g in pending[record.iri][2]:
            if g not in own:
                graph.add((s, p, o))
    return Chunk(
        [(r.iri, content) for r, content in records],
        graph.serialize(format="nt", encoding="utf-8"),
    )


def nquads(graphs: dict[str, bytes]) -> bytes:
    """Records as one N-Quads document, each record's blank nodes its own."""
    quads = (
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
        for graph, content in graphs.items()
        for t in ox.parse(content, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=True)
    )
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def _context_bytes(stores: Sequence[Store], records: Sequence[Record]) -> bytes:
    graph = Graph()
    for store in stores:
        graph += context_graph(store, records)
    return graph.serialize(format="nt", encoding="utf-8")


def _batches(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
