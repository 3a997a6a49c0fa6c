"""What a submission must pass before `Registry` stores it: where its records come from (a zip
upload, a registry folder's bundles) and the gates it goes through (the record a URL names, no
record twice, a publisher writing only its own agency's records, a record stating only its own
nodes).

Kept apart from `Registry` so the rules a submission is refused by read in one place.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from rdflib import URIRef

from nif.errors import ForbiddenError, InputError, RejectedError, UsageError
from nif.registry._blobs import Blobs, BlobStore
from nif.registry._bundle import Source, open_sources
from nif.registry._namespaces import DCTERMS
from nif.registry._ownership import ownership
from nif.registry._records import Record, RecordKind, guess_format, parse_records, split
from nif.registry._staging import staging_area, staging_dir
from nif.settings import Settings
from nif.store import Store


@contextlib.contextmanager
def prepared(
    settings: Settings,
    target: Path | bytes,
    name: str,
    fmt: str | None,
    stored: tuple[Store, Blobs] | None = None,
) -> Iterator[tuple[list[Record], BlobStore, int]]:
    """Parse, split and pin a submission into a staging blob store that is discarded unless
    committed: its records, that store, and how many artefacts were pinned. With `stored` (the
    registry's store and blobs), a record's files missing from the submission are read as its
    stored version pinned them (`_pinning.stored_files`)."""
    from nif.registry._pinning import pin_record, stored_files

    with staging_area(settings) as staging, contextlib.ExitStack() as stack:
        shown = None
        if isinstance(target, bytes) and name.lower().endswith(".zip"):
            spool = stack.enter_context(
                tempfile.TemporaryDirectory(prefix="upload-", dir=staging_dir(settings))
            )
            target, shown = spooled_zip(target, name, Path(spool)), name
        if isinstance(target, bytes):
            graph = parse_records(
                target, source=name, fmt=guess_format(name, fmt), base_iri=None, settings=settings
            )
            pairs: list[tuple[Record, Path | None]] = [(r, None) for r in split(graph, name)]
        else:
            sources = stack.enter_context(open_sources(target, settings, shown))
            pairs = [(r, s.bundle) for s in sources for r in parse_source(settings, s, fmt)]
        artefacts = sum(
            len(
                pin_record(
                    r.graph,
                    r.identifier,
                    bundle,
                    staging,
                    settings,
                    stored=stored and stored_files(*stored, settings, r.iri, r.identifier),
                )
            )
            for r, bundle in pairs
        )
        yield [r for r, _ in pairs], staging, artefacts


def parse_source(settings: Settings, source: Source, fmt: str | None) -> list[Record]:
    """The records of one file of a bundle or registry folder."""
    try:
        content = source.path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source.path}: cannot read: {exc.strerror or exc}") from None
    graph = parse_records(
        content,
        source=str(source.path),
        fmt=guess_format(source.path.name, fmt),
        base_iri=source.base_iri,
        settings=settings,
    )
    return split(graph, str(source.path))


def spooled_zip(content: bytes, name: str, folder: Path) -> Path:
    """A bundle zip given as bytes, as a file `open_sources` can unpack."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise InputError(f"{name}: not a readable zip")
    path = folder / ("bundle-" + re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name)[-100:])
    path.write_bytes(content)
    return path


def folder_sources(root: Path) -> list[Path]:
    """The agency files and interface bundles of a registry folder, so a load opens each once."""
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    agencies = sorted((root / "agencies").glob("*.*")) if (root / "agencies").is_dir() else []
    interfaces = (
        sorted(p for p in (root / "interfaces").iterdir() if p.is_dir())
        if (root / "interfaces").is_dir()
        else []
    )
    agencies = [p for p in agencies if p.suffix in (".ttl", ".jsonld", ".rdf", ".nt")]
    if not agencies and not interfaces:
        raise InputError(
            f"{root}: not a registry folder (expected agencies/*.ttl and interfaces/<id>/)"
        )
    return [*agencies, *interfaces]


def expect_record(records: Sequence[Record], identifier: str, shown: str) -> None:
    """A submission to a record's URL holds that record alone, so it cannot write others."""
    found = [r.identifier or f"<{r.iri}> (no dct:identifier)" for r in records]
    if len(records) != 1 or records[0].identifier != identifier:
        raise UsageError(
            f"{shown}: the URL names record {identifier!r}, but the submission holds "
            f"{', '.join(repr(f) for f in found) or 'no record'}: submit exactly that record"
        )


def distinct(records: Sequence[Record]) -> None:
    """Refuse a record given twice: one write would silently replace the other."""
    seen: dict[str, str] = {}
    for record in records:
        if record.iri in seen:
            raise InputError(
                f"record <{record.iri}> appears twice ({seen[record.iri]} and {record.source})"
            )
        seen[record.iri] = record.source


def authorise(records: Sequence[Record], publisher: str | None, stored: dict[str, str]) -> None:
    """A publisher writes only its agency's records: the record as submitted must name it, and
    a record already stored must be its own (so it cannot take another agency's record over)."""
    if publisher is None:
        return
    for record in records:
        owner = (
            record.iri
            if record.kind is RecordKind.AGENCY
            else str(record.graph.value(URIRef(record.iri), DCTERMS.publisher) or "")
        )
        for current, what in ((stored.get(record.iri), "as stored"), (owner, "as submitted")):
            if current is not None and current != publisher:
                raise ForbiddenError(
                    f"record {record.identifier or record.iri} belongs to "
                    f"{current or 'no agency'} ({what}), not to {publisher}: "
                    "a publisher may write only its own agency's records"
                )


def own_nodes_only(
    store: Store, records: Sequence[Record], settings: Settings, stored: Iterable[str], shown: str
) -> None:
    """Refuse records that use nif's IRI space or state nodes of another graph (`RejectedError`
    naming each IRI, like a shapes violation: 422, exit 1)."""

    def graph_exists(iri: str) -> bool:
        return store.ask(f"ASK {{ GRAPH {URIRef(iri).n3()} {{ ?s ?p ?o }} }}")

    report, _ = ownership(store, records, settings, graph_exists=graph_exists, stored=stored)
    if not report.conforms:
        raise RejectedError(
            f"{shown}: rejected, {len(report.violations)} statement(s) about nodes that are "
            f"not the record's:\n{report.text()}",
            report,
        )
