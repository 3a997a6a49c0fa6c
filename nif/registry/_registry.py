"""The registry: records in a store, checked by the shapes, with history and pinned artefacts.

`Registry` is what the CLI and the service call; each operation is one flow of DESIGN.md:
parse -> split into records -> pin artefacts -> SHACL check with context -> replace the records'
graphs in one transaction -> history and audit. A refused operation stores nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import getpass
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from nif.errors import (
    InputError,
    NifError,
    NotFoundError,
    RecordSyntaxError,
    RegistryError,
    RejectedError,
)
from nif.registry._blobs import BlobStore
from nif.registry._bundle import Source, open_sources
from nif.registry._check import CHUNK, Chunk, Progress, check_chunks
from nif.registry._context import context_graph
from nif.registry._history import AuditEntry, History, RecordVersion, utc_now
from nif.registry._namespaces import sparql_prefixes
from nif.registry._ownership import foreign_statements, ownership, report_of
from nif.registry._records import (
    Record,
    RecordKind,
    from_ntriples,
    guess_format,
    parse_records,
    split,
    stored_record,
)
from nif.registry._shacl import ShaclReport, check
from nif.registry._submission import (
    authorise,
    distinct,
    expect_record,
    folder_sources,
    own_nodes_only,
    spooled_zip,
)
from nif.settings import Settings
from nif.store import open_store
from nif.store.base import DumpFormat, Store

_OX_DUMP = {DumpFormat.TRIG: ox.RdfFormat.TRIG, DumpFormat.NQUADS: ox.RdfFormat.N_QUADS}


@dataclasses.dataclass(frozen=True)
class RecordInfo:
    """A record as listed: its graph IRI, kind and identifier."""

    iri: str
    kind: str
    identifier: str


@dataclasses.dataclass
class SubmitResult:
    """What a submission stored: the records (with content hashes) and the SHACL warnings;
    `replaced` names the records (IRIs) that had a current version before."""

    records: list[RecordVersion]
    report: ShaclReport
    artefacts: int = 0
    replaced: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "records": [v.to_dict() for v in self.records],
            "replaced": self.replaced,
            "artefacts": self.artefacts,
            "conforms": self.report.conforms,
            "results": [r.to_dict() for r in self.report.results],
        }


@dataclasses.dataclass
class LoadResult:
    """A folder load: the records stored and those refused (with the report that refused them)."""

    stored: list[RecordVersion]
    rejected: list[str]
    report: ShaclReport


T = TypeVar("T")


class Registry:
    """One registry: a store for the records, and NIF_HOME for blobs, history and audit."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.blobs = BlobStore(settings.folder.blobs)
        self.history = History(settings.folder.history)
        self.generation = 0
        """Bumped by every write through this object, so readers can drop what they cached."""

    @classmethod
    def open(cls, settings: Settings, store: str | None = None) -> Registry:
        """The registry whose store is `store` (a path or SPARQL endpoint URL; default setting)."""
        return cls(open_store(settings, store), settings)

    def close(self) -> None:
        self.store.close()
        self.history.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def actor(self, actor: str | None = None) -> str:
        return actor or self.settings.registry.actor or getpass.getuser()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time per NIF_HOME, so identifier checks see every earlier write."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        with self.settings.folder.lock.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # reading

    def records(self, kind: RecordKind | None = None) -> list[RecordInfo]:
        """Every current record (of `kind`), sorted by kind then identifier."""
        return self._records("", kind)

    def _records(self, restriction: str, kind: RecordKind | None = None) -> list[RecordInfo]:
        # `GRAPH ?g { ?g ... }` is what is meant, but Virtuoso does not join a graph variable
        # with a subject inside it: bind the subject apart and compare.
        rows = self.store.select(
            sparql_prefixes() + "SELECT DISTINCT ?g ?t ?id WHERE {"
            f" GRAPH ?g {{ {restriction} ?r a ?t OPTIONAL {{ ?r dct:identifier ?id }} }}"
            " FILTER(?r = ?g)"
            " VALUES ?t { cv:PublicOrganisation org:Organization dcat:DataService } }"
        )
        found: dict[str, RecordInfo] = {}
        for row in rows:
            agency = not str(row["t"]).endswith("DataService")
            info = RecordInfo(
                str(row["g"]),
                str(RecordKind.AGENCY if agency else RecordKind.INTERFACE),
                str(row.get("id", "")),
            )
            if kind is None or info.kind == kind:
                found.setdefault(info.iri, info)
        return sorted(found.values(), key=lambda r: (r.kind, r.identifier, r.iri))

    def find(self, key: str) -> RecordInfo:
        """A current record by identifier or IRI (one indexed lookup, whatever the size)."""
        found = self._records(f"?r dct:identifier {Literal(key).n3()} .")
        if not found and key.startswith(("http://", "https://", "urn:")) and ">" not in key:
            found = [r for r in self._records(f"VALUES ?r {{ <{key}> }}") if r.iri == key]
        if not found:
            raise NotFoundError(f"no record with identifier or IRI {key!r} in the registry")
        return found[0]

    def read(self, key: str) -> Record:
        info = self.find(key)
        return from_ntriples(info.iri, self.store.read_graph(info.iri))

    def versions(self, key: str) -> list[RecordVersion]:
        """A record's history, oldest first, including withdrawn records."""
        versions = self.history.versions(key)
        if not versions:
            raise NotFoundError(f"no record with identifier or IRI {key!r} was ever submitted")
        return versions

    def content(self, version: RecordVersion) -> bytes:
        """The N-Triples a version stored (empty for a withdrawal)."""
        return self.blobs.get(version.sha256) if version.sha256 else b""

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        return self.history.audit_log(limit)

    # submitting

    def submit(
        self,
        target: Path | bytes,
        *,
        name: str = "<record>",
        fmt: str | None = None,
        actor: str | None = None,
        publisher: str | None = None,
        identifier: str | None = None,
    ) -> SubmitResult:
        """Submit the records of a file, bundle folder, zip, or bytes; all are stored or none.

        Bytes named `*.zip` are a bundle. `publisher`, when given, is the IRI of the only agency
        whose records this submission may touch (as submitted and as stored); `identifier`, when
        given, is the one record the submission must hold (the record a URL names).
        """
        who = self.actor(actor)
        shown = str(target) if isinstance(target, Path) else name
        with self._writing():
            try:
                with self._prepared(target, name, fmt) as (records, staging, artefacts):
                    if identifier is not None:
                        expect_record(records, identifier, shown)
                    owners = self._owners(records)
                    authorise(records, publisher, owners)
                    own_nodes_only(self.store, records, self.settings, owners, shown)
                    report = self._check(records)
                    if not report.conforms:
                        raise RejectedError(
                            f"{shown}: rejected, {len(report.violations)} violation(s) of the "
                            f"shapes:\n{report.text()}",
                            report,
                        )
                    stored = self._commit(records, staging, who, "submit")
            except NifError as exc:
                self.history.audit(who, "submit", shown, "refused", str(exc))
                raise
            except Exception as exc:
                self.history.audit_error(who, "submit", shown, exc)
                raise
            self.history.audit(who, "submit", shown, "stored", _names(records))
        replaced = [r.iri for r in records if r.iri in owners]
        return SubmitResult(stored, report, artefacts, replaced)

    @contextlib.contextmanager
    def _prepared(
        self, target: Path | bytes, name: str, fmt: str | None
    ) -> Iterator[tuple[list[Record], BlobStore, int]]:
        """Parse, split and pin into a staging blob store that is discarded unless committed."""
        from nif.registry._pinning import pin_record

        staging_root = Path(tempfile.mkdtemp(prefix="staging-", dir=self._staging_dir()))
        staging = BlobStore(staging_root)
        try:
            with contextlib.ExitStack() as stack:
                shown = None
                if isinstance(target, bytes) and name.lower().endswith(".zip"):
                    spool = stack.enter_context(
                        tempfile.TemporaryDirectory(prefix="upload-", dir=self._staging_dir())
                    )
                    target, shown = spooled_zip(target, name, Path(spool)), name
                if isinstance(target, bytes):
                    graph = parse_records(
                        target,
                        source=name,
                        fmt=guess_format(name, fmt),
                        base_iri=None,
                        settings=self.settings,
                    )
                    pairs: list[tuple[Record, Path | None]] = [
                        (r, None) for r in split(graph, name)
                    ]
                else:
                    sources = stack.enter_context(open_sources(target, self.settings, shown))
                    pairs = [(r, s.bundle) for s in sources for r in self._parse_source(s, fmt)]
                artefacts = sum(
                    len(pin_record(r.graph, r.identifier, bundle, staging, self.settings))
                    for r, bundle in pairs
                )
                yield [r for r, _ in pairs], staging, artefacts
        finally:
            shutil.rmtree(staging_root, ignore_errors=True)

    def _staging_dir(self) -> Path:
        path = self.settings.folder.staging
        path.mkdir(parents=True, exist_ok=True)
        return path

    def remove_leftovers(self) -> int:
        """Remove what killed processes left in the staging folder (how many entries): every
        write stages only while it holds the write lock, so under it none is in use."""
        with self._writing():
            found = list(self._staging_dir().iterdir())
            for path in found:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
        return len(found)

    def _parse_source(self, source: Source, fmt: str | None) -> list[Record]:
        try:
            content = source.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{source.path}: cannot read: {exc.strerror or exc}") from None
        graph = parse_records(
            content,
            source=str(source.path),
            fmt=guess_format(source.path.name, fmt),
            base_iri=source.base_iri,
            settings=self.settings,
        )
        return split(graph, str(source.path))

    def _owners(self, records: Sequence[Record]) -> dict[str, str]:
        """The records that are stored now (graph IRI -> the agency IRI that owns the stored
        version, '' for none): a publisher must own both what it sends and what it replaces."""
        if not records:
            return {}
        values = " ".join(URIRef(r.iri).n3() for r in records)
        rows = self.store.select(
            sparql_prefixes() + "SELECT DISTINCT ?g ?t ?p WHERE {"
            f" GRAPH ?g {{ VALUES ?r {{ {values} }} ?r a ?t OPTIONAL {{ ?r dct:publisher ?p }} }}"
            " FILTER(?r = ?g)"
            " VALUES ?t { cv:PublicOrganisation org:Organization dcat:DataService } }"
        )
        owners: dict[str, str] = {}
        for row in rows:
            graph = str(row["g"])
            agency = not str(row["t"]).endswith("DataService")
            owner = graph if agency else str(row.get("p", ""))
            owners[graph] = owners.get(graph) or owner
        return owners

    def _check(self, records: Sequence[Record]) -> ShaclReport:
        distinct(records)
        data = context_graph(self.store, records)
        focus = []
        for record in records:
            data += record.graph
            focus.extend(record.subjects)
        return check(data, focus, self.settings)

    def _commit(
        self,
        records: Sequence[Record],
        staging: BlobStore,
        actor: str,
        action: str,
        bulk: bool = False,
        beside: dict[str, bytes] | None = None,
    ) -> list[RecordVersion]:
        """Store the records and their history. `bulk` writes records that are new to the store
        with the store's bulk load (many times faster for a whole registry, but not one
        transaction) and replaces the others in one transaction as usual. `beside` are graphs
        that are not records (certificates...), written in the same transaction as they are."""
        self.generation += 1
        _publish_blobs(staging, self.blobs)
        contents = {r.iri: r.ntriples() for r in records}
        versions = [
            RecordVersion(
                r.iri,
                r.identifier,
                str(r.kind),
                action,
                actor,
                utc_now(),
                self.blobs.put(contents[r.iri]),
                len(r.graph),
            )
            for r in records
        ]
        if bulk:
            existing = set(self.store.graphs())
            fresh = {g: nt for g, nt in contents.items() if g not in existing}
            if fresh:
                self.store.load(_nquads(fresh), DumpFormat.NQUADS)
            contents = {g: nt for g, nt in contents.items() if g in existing}
        contents.update(beside or {})
        if contents:
            self.store.replace_graphs(contents)
        self.history.add(versions)
        return versions

    def withdraw(
        self, key: str, *, actor: str | None = None, publisher: str | None = None
    ) -> RecordVersion:
        """Remove a record from the current registry; its history stays."""
        who = self.actor(actor)
        with self._writing():
            try:
                record = self.read(key)
                authorise([record], publisher, self._owners([record]))
                if record.kind is RecordKind.AGENCY:
                    users = self.store.select(
                        sparql_prefixes()
                        + "SELECT DISTINCT ?id WHERE { GRAPH ?g { ?r dct:publisher "
                        + f"<{record.iri}> OPTIONAL {{ ?r dct:identifier ?id }} }}"
                        + " FILTER(?r = ?g) }"
                    )
                    if users:
                        names = ", ".join(sorted(str(r.get("id", "?")) for r in users))
                        raise RegistryError(
                            f"agency {record.identifier} still publishes {names}; "
                            "withdraw those interfaces first"
                        )
                self.store.drop_graph(record.iri)
                self.generation += 1
                version = RecordVersion(
                    record.iri,
                    record.identifier,
                    str(record.kind),
                    "withdraw",
                    who,
                    utc_now(),
                    None,
                    0,
                )
                self.history.add([version])
            except NifError as exc:
                self.history.audit(who, "withdraw", key, "refused", str(exc))
                raise
            except Exception as exc:
                self.history.audit_error(who, "withdraw", key, exc)
                raise
            self.history.audit(who, "withdraw", key, "withdrawn", record.iri)
        return version

    # bulk

    def load_folder(
        self,
        root: Path,
        *,
        check: bool = True,
        actor: str | None = None,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> LoadResult:
        """Load a registry folder (agencies/*.ttl, interfaces/<id>/): conforming records are
        stored, the others refused and reported."""
        from nif.registry._pinning import pin_record

        who = self.actor(actor)
        sources = folder_sources(root)
        with self._writing():
            staging_root = Path(tempfile.mkdtemp(prefix="staging-", dir=self._staging_dir()))
            try:
                staging = BlobStore(staging_root)
                records: list[Record] = []
                for bundle in sources:
                    with open_sources(bundle, self.settings) as found:
                        for source in found:
                            for record in self._parse_source(source, None):
                                pin_record(
                                    record.graph,
                                    record.identifier,
                                    source.bundle,
                                    staging,
                                    self.settings,
                                )
                                records.append(record)
                distinct(records)
                existing = set(self.store.graphs())
                gate, offenders = ownership(
                    self.store,
                    records,
                    self.settings,
                    graph_exists=existing.__contains__,
                    stored=[r.iri for r in self.records()] if existing else [],
                    empty=not existing,
                )
                shapes = self._check_many(records, workers, progress) if check else None
                report = ShaclReport.merge([gate, shapes] if shapes else [gate])
                failing = {r.focus for r in shapes.violations} if shapes else set()
                accepted = [
                    r
                    for r in records
                    if r.iri not in offenders and not failing & {str(s) for s in r.subjects}
                ]
                rejected = [r.identifier or r.iri for r in records if r not in accepted]
                stored = self._commit(accepted, staging, who, "load", bulk=True) if accepted else []
            except NifError as exc:
                self.history.audit(who, "load", str(root), "refused", str(exc))
                raise
            except Exception as exc:
                self.history.audit_error(who, "load", str(root), exc)
                raise
            finally:
                shutil.rmtree(staging_root, ignore_errors=True)
            self.history.audit(
                who, "load", str(root), "stored", f"{len(stored)} stored, {len(rejected)} refused"
            )
        return LoadResult(stored, rejected, report)

    def _check_many(
        self, records: list[Record], workers: int | None, progress: Progress | None
    ) -> ShaclReport:
        """Check records not yet stored, each with context from the store and from each other."""
        from nif.store.embedded import EmbeddedStore

        contents = {r.iri: r.ntriples() for r in records}
        with EmbeddedStore(None) as pending:
            pending.load(_nquads(contents), DumpFormat.NQUADS)
            chunks = (
                Chunk(
                    [(r.iri, contents[r.iri]) for r in batch],
                    _context_bytes([self.store, pending], batch),
                )
                for batch in _batches(records, CHUNK)
            )
            return check_chunks(
                chunks, len(records), self.settings, workers=workers, progress=progress
            )

    def export(self, out: BinaryIO, fmt: DumpFormat, blobs: Path | None = None) -> tuple[int, int]:
        """Write every current record and every graph kept beside them (TriG or N-Quads); copy
        the artefact blobs into `blobs`. Returns how many records and other graphs."""
        records = [r.iri for r in self.records()]
        beside = self.graphs_beside_records(records)
        self.store.dump(out, fmt, records + beside)
        if blobs is not None:
            copy = BlobStore(blobs)
            for digest in self.artefact_checksums():
                if self.blobs.has(digest) and not copy.has(digest):
                    copy.put(self.blobs.get(digest))
        return len(records), len(beside)

    def graphs_beside_records(self, records: Sequence[str] | None = None) -> list[str]:
        """nif's graphs (under `base_iri`) that are not records: certificates, revocations, and
        the runs and suites they were judged on. A backup must carry them, or certificates are
        lost; other graphs of a shared endpoint (Virtuoso's own) are not nif's."""
        known = set(records if records is not None else (r.iri for r in self.records()))
        base = self.settings.registry.base_iri
        return sorted(g for g in self.store.graphs() if g.startswith(base) and g not in known)

    def artefact_checksums(self) -> list[str]:
        """The sha256 of every file the records pin and serve (artefacts, parts, examples):
        what has a download URL, not the evidence hashes certification runs record."""
        rows = self.store.select(
            sparql_prefixes()
            + "SELECT DISTINCT ?v WHERE { ?n spdx:checksum ?c ; dcat:downloadURL ?url . "
            "?c spdx:checksumValue ?v }"
        )
        return sorted(str(r["v"]) for r in rows)

    def import_(
        self,
        data: bytes,
        fmt: DumpFormat,
        *,
        blobs: Path | None = None,
        actor: str | None = None,
    ) -> tuple[list[RecordVersion], list[str]]:
        """Restore a backup (each graph replaced, all in one write): records, and the graphs
        kept beside them as they are; returns the versions of the records stored and the
        artefact checksums whose blobs are still missing."""
        who = self.actor(actor)
        with self._writing():
            try:
                graphs = _group_quads(data, fmt)
                found = {g: stored_record(g, nt, f"{fmt} backup") for g, nt in graphs.items()}
                records = [r for r in found.values() if r is not None]
                distinct(records)
                beside = {g: graphs[g] for g, r in found.items() if r is None}
                if blobs is not None:
                    _publish_blobs(BlobStore(blobs), self.blobs)
                stored = self._commit(
                    records, BlobStore(self._staging_dir() / "none"), who, "import", beside=beside
                )
            except NifError as exc:
                self.history.audit(who, "import", f"{fmt} backup", "refused", str(exc))
                raise
            except Exception as exc:
                self.history.audit_error(who, "import", f"{fmt} backup", exc)
                raise
            detail = f"{len(stored)} records, {len(beside)} other graphs"
            self.history.audit(who, "import", f"{fmt} backup", "stored", detail)
        missing = [d for d in self.artefact_checksums() if not self.blobs.has(d)]
        return stored, missing

    def check(
        self,
        *,
        workers: int | None = None,
        progress: Progress | None = None,
        keys: Sequence[str] = (),
    ) -> ShaclReport:
        """Check every current record (or those named) against the shapes, in a process pool."""
        infos = [self.find(k) for k in keys] if keys else self.records()
        foreign = []

        def chunks() -> Iterator[Chunk]:
            for batch in _batches(infos, CHUNK):
                records = [from_ntriples(i.iri, self.store.read_graph(i.iri)) for i in batch]
                foreign.extend(foreign_statements(self.store, records, self.settings))
                yield Chunk(
                    [(r.iri, r.ntriples()) for r in records], _context_bytes([self.store], records)
                )

        report = check_chunks(
            chunks(), len(infos), self.settings, workers=workers, progress=progress
        )
        return ShaclReport.merge([report, report_of(foreign)]) if foreign else report


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


def _nquads(graphs: dict[str, bytes]) -> bytes:
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


def _publish_blobs(staging: BlobStore, blobs: BlobStore) -> None:
    for path in staging.root.glob("??/*"):
        if not path.name.startswith(".tmp-"):
            digest = path.parent.name + path.name
            if not blobs.has(digest):
                blobs.put(path.read_bytes())


def _names(records: Sequence[Record]) -> str:
    return ", ".join(r.identifier or r.iri for r in records)
