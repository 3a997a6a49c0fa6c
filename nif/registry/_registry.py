"""The registry: records in a store, checked by the shapes, with history and pinned artefacts.

`Registry` is what the CLI and the service call. A submission: parse -> split into records ->
authorise (an agency writes only records it publishes) -> pin artefacts -> SHACL check of the
submitted nodes with the context they point to -> replace the records' graphs in one
transaction -> history and audit. A refused operation stores nothing. Every write ends with
`changed()`, the one signal caches of registry reads listen to (`_changes`). Backup and restore
live in `_backup`, folder loads and whole-registry checks in `_bulk`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from rdflib import Literal, URIRef

from nif.compat import Comparison
from nif.errors import (
    IncompatibleVersionError,
    NotFoundError,
    RejectedError,
)
from nif.registry import _backup, _bulk, _review, _withdrawal
from nif.registry._acceptance import check_submission
from nif.registry._assessment import (
    assess_records,
    compare_stored,
    read_assessment,
)
from nif.registry._blobs import Blobs
from nif.registry._changes import Changes, ReadCache
from nif.registry._check import Progress
from nif.registry._context import context_graph
from nif.registry._history import HISTORY_SCHEMA, AuditEntry, History, RecordVersion
from nif.registry._namespaces import sparql_prefixes
from nif.registry._preconditions import Precondition, check_records
from nif.registry._proposals import PROPOSALS_SCHEMA, Proposal, Proposals
from nif.registry._records import (
    Record,
    RecordKind,
    from_ntriples,
)
from nif.registry._recovery import settle_interrupted
from nif.registry._shacl import ShaclReport, check
from nif.registry._staging import clear_staging
from nif.registry._storing import store_records
from nif.registry._submission import (
    authorise,
    distinct,
    expect_record,
    own_nodes_only,
    prepared,
)
from nif.settings import Settings
from nif.state import State, open_state
from nif.store import DumpFormat, Row, Store, open_store

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


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
    proposal: Proposal | None = None
    """Set when the submission was kept for review instead of stored (`_review`)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "status": "proposed" if self.proposal and self.proposal.is_open else "stored",
            **({"proposal": self.proposal.to_dict()} if self.proposal else {}),
            "records": [v.to_dict() for v in self.records],
            "replaced": self.replaced,
            "artefacts": self.artefacts,
            "conforms": self.report.conforms,
            "results": [r.to_dict() for r in self.report.results],
        }


class Registry:
    """One registry: a store for the records, and a state for blobs, history and audit.

    Given no `state`, it opens the one the settings name (`open_state`) and closes it with
    itself; a state handed in (the service's, shared with tokens and runs) stays open."""

    def __init__(self, store: Store, settings: Settings, state: State | None = None) -> None:
        self.store = store
        self.settings = settings
        self._owns_state = state is None
        self.state = open_state(settings) if state is None else state
        try:
            self.blobs = self.state.blobs("artefacts")
            self.history = History(self.state.database(HISTORY_SCHEMA))
            self.proposals = Proposals(self.state.database(PROPOSALS_SCHEMA))
        except BaseException:
            if self._owns_state:
                self.state.close()
            raise
        self._changes = Changes()
        self._changes.follow(self.state.changes)

    @classmethod
    def open(
        cls, settings: Settings, store: str | None = None, state: State | None = None
    ) -> Registry:
        """The registry whose store is `store` (a path or SPARQL endpoint URL; default setting)
        and whose state is `state` (default: the one the settings name, owned)."""
        opened = open_store(settings, store)
        try:
            return cls(opened, settings, state)
        except BaseException:
            opened.close()
            raise

    def close(self) -> None:
        self.store.close()
        if self._owns_state:
            self.state.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def actor(self, actor: str | None = None) -> str:
        return actor or self.settings.registry.actor or getpass.getuser()

    @property
    def generation(self) -> int:
        """Moved on by every write through this object (`changed`), and by nothing else."""
        return self._changes.generation

    def changed(self) -> None:
        """Announce a write: every cache of what was read from this registry is dropped. Each
        write path calls it once its graphs are written (certification's too). Other processes
        on the same state hear of it through the state's change feed."""
        self._changes.announce()
        self.state.changes.publish()

    def read_cache(self, maxsize: int, ttl: float | None = None) -> ReadCache[K, V]:
        """A cache of answers read from this registry, dropped at every change (`ReadCache`)."""
        return ReadCache(self._changes, maxsize, ttl)

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after every write through this object (the catalogue's graph), not
        after another process's (its writer does what the write needs)."""
        self._changes.subscribe(listener, remote=False)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time per state (every process, every replica), so identifier checks
        see every earlier write."""
        with self.state.write_lock():
            settle_interrupted(self)  # under the lock: any pending write's writer died
            yield

    # reading

    def records(self, kind: RecordKind | None = None) -> list[RecordInfo]:
        """Every current record (of `kind`), sorted by kind then identifier."""
        return self._records("", kind)

    def _record_rows(self, restriction: str, optional: str) -> list[Row]:
        """(?g, ?t, ?o) per record graph `restriction` admits on its node ?r: the graph, the
        node's type and its `optional` property when it has one.

        `GRAPH ?g { ?g ... }` is what is meant, but Virtuoso does not join a graph variable
        with a subject inside it: bind the subject apart and compare."""
        return self.store.select(
            sparql_prefixes() + "SELECT DISTINCT ?g ?t ?o WHERE {"
            f" GRAPH ?g {{ {restriction} ?r a ?t OPTIONAL {{ ?r {optional} ?o }} }}"
            " FILTER(?r = ?g)"
            " VALUES ?t { cv:PublicOrganisation org:Organization dcat:DataService } }"
        )

    def _records(self, restriction: str, kind: RecordKind | None = None) -> list[RecordInfo]:
        found: dict[str, RecordInfo] = {}
        for row in self._record_rows(restriction, "dct:identifier"):
            agency = not str(row["t"]).endswith("DataService")
            info = RecordInfo(
                str(row["g"]),
                str(RecordKind.AGENCY if agency else RecordKind.INTERFACE),
                str(row.get("o", "")),
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

    def bundle(self, key: str) -> bytes:
        """A current record and its files as the zip it can be submitted as (`_bundle_export`)."""
        from nif.registry._bundle_export import export_bundle

        return export_bundle(self.read(key), self.blobs, self.settings)

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

    def compare_versions(
        self, interface_id: str, old_version: str | None, new_version: str
    ) -> Comparison:
        """Every message type of `new_version` against its counterpart in `old_version`
        (default: the version before it), compared on their pinned schemas."""
        return compare_stored(self, interface_id, old_version, new_version)

    def assessment(self, interface_id: str, version: str) -> dict[str, Any] | None:
        """The stored compatibility assessment of a version (what changed, message type by
        message type, against the versions its policy compares it with), None for a version
        nif did not assess (a first version). See `_assessment.read_assessment` for the keys."""
        return read_assessment(self.store, self.settings, interface_id, version)

    # submitting

    def submit(
        self,
        target: Path | bytes,
        *,
        name: str | None = None,
        fmt: str | None = None,
        actor: str | None = None,
        publisher: str | None = None,
        identifier: str | None = None,
        action: str = "submit",
        review: bool = False,
        expected: Precondition | None = None,
    ) -> SubmitResult:
        """Submit the records of a file, bundle folder, zip, or bytes; all are stored or none.

        Bytes named `*.zip` are a bundle. `name` is what the submission is called in errors and
        the audit (default: the path, or `<record>` for bytes); `action` is the history's word
        for it (`import-kosit` for a bundle nif wrote). `publisher`, when given, is the IRI of
        the only agency whose records this submission may touch (as submitted and as stored);
        `identifier`, when given, is the one record the submission must hold (the record a URL
        names). `review` keeps what the review rule names as a proposal instead (`_review`).
        `expected` is what the submission's one record must be now (`If-Match`), checked
        under the write lock (`_preconditions`).
        """
        who = self.actor(actor)
        shown = name or (str(target) if isinstance(target, Path) else "<record>")
        with self._writing():
            with (
                self.history.audited(who, action, shown),
                prepared(
                    self.settings, target, name or "<record>", fmt, (self.store, self.blobs)
                ) as (
                    records,
                    staging,
                    artefacts,
                ),
            ):
                if identifier is not None:
                    expect_record(records, identifier, shown)
                owners = self._owners(records)
                authorise(records, publisher, owners)
                if expected is not None:
                    check_records(self.store, records, expected, shown)
                own_nodes_only(self.store, records, self.settings, owners, shown)
                report = self._check(records)
                if not report.conforms:
                    raise RejectedError(
                        f"{shown}: rejected, {len(report.violations)} violation(s) of the "
                        f"shapes:\n{report.text()}",
                        report,
                    )
                check_submission(self, records, staging, shown)
                assessed = assess_records(self, records, staging)
                if assessed.refused:
                    raise IncompatibleVersionError(
                        f"{shown}: {assessed.message()}", assessed.comparisons()
                    )
                if review and (p := _review.propose(self, records, staging, who, assessed.graphs)):
                    return SubmitResult([], report, artefacts, proposal=p)
                stored = self._commit(records, staging, who, action, beside=assessed.graphs)
            self.history.audit(who, action, shown, "stored", _names(records))
        replaced = [r.iri for r in records if r.iri in owners]
        return SubmitResult(stored, report, artefacts, replaced)

    def remove_leftovers(self) -> int:
        """Remove what killed processes left in the staging folder (how many entries): every
        write stages only while it holds the write lock, so under it none is in use."""
        with self._writing():
            return clear_staging(self.settings)

    def _owners(self, records: Sequence[Record]) -> dict[str, str]:
        """The records that are stored now (graph IRI -> the agency IRI that owns the stored
        version, '' for none): a publisher must own both what it sends and what it replaces."""
        if not records:
            return {}
        values = " ".join(URIRef(r.iri).n3() for r in records)
        owners: dict[str, str] = {}
        for row in self._record_rows(f"VALUES ?r {{ {values} }}", "dct:publisher"):
            graph = str(row["g"])
            agency = not str(row["t"]).endswith("DataService")
            owner = graph if agency else str(row.get("o", ""))
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
        staging: Blobs,
        actor: str,
        action: str,
        bulk: bool = False,
        beside: dict[str, bytes] | None = None,
    ) -> list[RecordVersion]:
        """Store the records and their history. `bulk` writes records that are new to the store
        with the store's bulk load (many times faster for a whole registry, but not one
        transaction) and replaces the others in one transaction as usual. `beside` are graphs
        that are not records (certificates...), written in the same transaction as they are."""
        return store_records(self, records, staging, actor, action, bulk, beside)

    def withdraw(
        self,
        key: str,
        *,
        actor: str | None = None,
        publisher: str | None = None,
        expected: Precondition | None = None,
    ) -> RecordVersion:
        """Remove a record from the current registry; its history stays (`_withdrawal`).
        `expected` is what the record must be now (`If-Match`), checked under the write lock."""
        return _withdrawal.withdraw(self, key, self.actor(actor), publisher, expected)

    # review (`_review`)

    def accept(
        self, proposal_id: str, *, actor: str | None = None, comment: str = ""
    ) -> SubmitResult:
        """Store an open proposal's record, as its submission would have been stored."""
        decided, stored, report = _review.accept(self, proposal_id, self.actor(actor), comment)
        return SubmitResult(
            stored, report, proposal=decided, replaced=[decided.record] if decided.base else []
        )

    def reject(self, proposal_id: str, comment: str, *, actor: str | None = None) -> Proposal:
        """Close an open proposal without storing it; `comment` says why."""
        return _review.reject(self, proposal_id, self.actor(actor), comment)

    # bulk, backup

    def load_folder(
        self,
        root: Path,
        *,
        check: bool = True,
        actor: str | None = None,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> _bulk.LoadResult:
        """Load a registry folder: conforming records are stored, the others refused."""
        return _bulk.load_folder(
            self, root, check=check, actor=actor, workers=workers, progress=progress
        )

    def check(
        self,
        *,
        workers: int | None = None,
        progress: Progress | None = None,
        keys: Sequence[str] = (),
        full: bool = False,
    ) -> ShaclReport:
        """Check every current record (or those named) against the shapes, in a process pool:
        only records whose content or context changed since their last check (`full`: all)."""
        return _bulk.check_registry(self, workers=workers, progress=progress, keys=keys, full=full)

    def export(self, out: BinaryIO, fmt: DumpFormat, blobs: Path | None = None) -> tuple[int, int]:
        """Back up the registry (`_backup.export`): how many records and other graphs."""
        return _backup.export(self, out, fmt, blobs)

    def graphs_beside_records(self, records: Sequence[str] | None = None) -> list[str]:
        """nif's graphs that are not records (certificates, runs...): a backup carries them."""
        return _backup.graphs_beside_records(self, records)

    def artefact_checksums(self) -> list[str]:
        """The sha256 of every file the records pin and serve."""
        return _backup.artefact_checksums(self.store)

    def import_(
        self,
        data: bytes,
        fmt: DumpFormat,
        *,
        blobs: Path | None = None,
        actor: str | None = None,
    ) -> tuple[list[RecordVersion], list[str]]:
        """Restore a backup (`_backup.restore`): versions stored, blobs still missing."""
        return _backup.restore(self, data, fmt, blobs=blobs, actor=actor)


def _names(records: Sequence[Record]) -> str:
    return ", ".join(r.identifier or r.iri for r in records)
