"""The incremental registry check: each record's last results, under a fingerprint of all
they depend on, so a full check re-checks only the records whose fingerprint changed.

A record's results depend on its content, its context (the triples of other records it is
judged with, `record_contexts`, with the graphs that state them), the shapes and vocabularies,
and the code that judges (nif, pyshacl, rdflib). The fingerprint hashes all of them. The
results are kept as the N-Triples of the record's part of the `sh:ValidationReport`, read back
with the same code that reads a fresh report. The cache can only save work: a row that is
missing, stale or unreadable means the record is checked again, never that it conforms.

The rows live in the state (`CHECKS_SCHEMA`); a full export leaves them out, and the first check
after an import rebuilds them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nif.registry._context import Row
from nif.registry._namespaces import RDF, SH
from nif.registry._shacl import ShaclReport, report_results
from nif.resources import data_folder
from nif.settings import Settings
from nif.state import Database, Migration, Schema

log = logging.getLogger("nif.registry")

CHECKS_SCHEMA = Schema(
    "checks",
    ("check_results",),
    (
        Migration(
            1,
            """
CREATE TABLE IF NOT EXISTS check_results (
  record TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  results {bytes} NOT NULL,
  checksum TEXT NOT NULL,
  at TEXT NOT NULL
)
""",
        ),
    ),
)
"""The last check of each record (`checks.sqlite` on the embedded state): a cache."""

_ENGINE = ("nif", "pyshacl", "rdflib", "pyoxigraph")


@functools.cache
def _profile_key(extra: tuple[Path, ...]) -> str:
    """What judges: the shape and vocabulary files and the versions of the code that runs them."""
    digest = hashlib.sha256()
    for name in _ENGINE:
        digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
    files = [
        Path(str(p))
        for folder in ("shapes", "vocabularies")
        for p in data_folder(folder).iterdir()
        if p.name.endswith(".ttl")
    ]
    for path in sorted(files) + list(extra):
        digest.update(f"{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def profile_key(settings: Settings) -> str:
    return _profile_key(tuple(settings.registry.extra_shape_files()))


def fingerprint(profile: str, content: bytes, context: Sequence[Row]) -> str:
    """The record's content and context under the profile that judges them."""
    digest = hashlib.sha256(profile.encode())
    digest.update(b"\0")
    digest.update(content)
    for s, p, o, g in context:
        digest.update(f"\0{s.n3()} {p.n3()} {o.n3()} <{g}>".encode())
    return digest.hexdigest()


class CheckCache:
    """Read and write the cached results of records (`CHECKS_SCHEMA`)."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def fresh(self, fingerprints: dict[str, str]) -> dict[str, ShaclReport]:
        """The cached report of each record whose fingerprint is unchanged and whose row reads."""
        if not fingerprints:
            return {}
        marks = ", ".join("?" for _ in fingerprints)
        try:
            rows = self._db.query(
                "SELECT record, fingerprint, results, checksum FROM check_results"
                f" WHERE record IN ({marks})",
                list(fingerprints),
            )
        except Exception as exc:  # an unreadable cache: check every record again
            log.warning("the check cache cannot be read (%s): checking every record", exc)
            return {}
        found: dict[str, ShaclReport] = {}
        for record, kept, results, checksum in rows:
            if kept != fingerprints.get(record):
                continue
            try:
                if checksum != _checksum(record, kept, bytes(results)):
                    raise ValueError("its checksum does not match")
                found[record] = _report(bytes(results))
            except Exception as exc:  # any unreadable row: check the record again
                log.warning(
                    "the cached check of <%s> is unreadable (%s): checking again", record, exc
                )
        return found

    def keep(self, entries: Iterable[tuple[str, str, bytes]]) -> None:
        """Keep (record, fingerprint, results N-Triples) rows, replacing older ones."""
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            (record, print_, results, _checksum(record, print_, results), at)
            for record, print_, results in entries
        ]
        if not rows:
            return
        try:
            with self._db.session() as session:
                session.executemany(
                    "INSERT INTO check_results (record, fingerprint, results, checksum, at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (record) DO UPDATE SET"
                    " fingerprint = excluded.fingerprint, results = excluded.results,"
                    " checksum = excluded.checksum, at = excluded.at",
                    rows,
                )
        except Exception as exc:  # not kept: the next check checks these records again
            log.warning("the check cache cannot be written (%s)", exc)

    def forget_others(self, records: Iterable[str]) -> None:
        """Drop the rows of records that are no longer in the registry."""
        keep = set(records)
        try:
            rows = self._db.query("SELECT record FROM check_results")
            gone = [(r,) for (r,) in rows if r not in keep]
            if gone:
                with self._db.session() as session:
                    session.executemany("DELETE FROM check_results WHERE record = ?", gone)
        except Exception as exc:  # a row left behind is never read: its record is gone
            log.warning("the check cache cannot be pruned (%s)", exc)


def _checksum(record: str, fingerprint: str, results: bytes) -> str:
    """Tells a damaged row (cut short, emptied) from a record checked without results."""
    return hashlib.sha256(f"{record}\0{fingerprint}\0".encode() + results).hexdigest()


def split_results(report: ShaclReport, owners: dict[str, str]) -> dict[str, bytes] | None:
    """Each record's part of `report` (its results and their nodes) as N-Triples; `owners` maps
    a focus node to its record. A record with no results gets an empty part; None (keep
    nothing) when a result cannot be given to one record."""
    parts: dict[str, Graph] = {}
    for node in report.graph.subjects(RDF.type, SH.ValidationResult):
        focus = report.graph.value(node, SH.focusNode)
        owner = owners.get(str(focus)) if isinstance(focus, URIRef) else None
        if owner is None:
            return None
        part = parts.setdefault(owner, Graph())
        part += report.graph.cbd(node)
    return {
        owner: parts[owner].serialize(format="nt", encoding="utf-8") if owner in parts else b""
        for owner in set(owners.values())
    }


def _report(results: bytes) -> ShaclReport:
    """A record's cached report, its results read as a fresh report's are."""
    graph = Graph()
    if results.strip():
        graph.parse(data=results.decode("utf-8"), format="nt")
    found = report_results(graph)
    top = BNode()
    graph.add((top, RDF.type, SH.ValidationReport))
    conforms = all(r.severity in ("warning", "info") for r in found)
    graph.add((top, SH.conforms, Literal(conforms)))
    for node in list(graph.subjects(RDF.type, SH.ValidationResult)):
        graph.add((top, SH.result, node))
    return ShaclReport(conforms, found, graph)


def focus_owners(records: Sequence[tuple[str, Iterable[Node]]]) -> dict[str, str]:
    """Focus node -> record, for the records (graph IRI, subjects) of one chunk."""
    return {str(s): iri for iri, subjects in records for s in subjects if isinstance(s, URIRef)}
