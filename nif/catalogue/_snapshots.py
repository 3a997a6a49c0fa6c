"""Snapshots: what one stored content of an interface record says about its versions (title,
publisher, each version's status, issue and end dates, notes), parsed once per content.

Content-addressed by sha256, so a snapshot is never stale and is shared by every feed and request.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

from cachetools import LRUCache
from rdflib import Graph, URIRef
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.registry import ADMS, DCAT, DCTERMS, RecordVersion, Registry

_KEPT: tuple[URIRef, ...] = (DCAT.hasVersion, DCAT.version, ADMS.status, DCTERMS.issued)
_KEPT += (DCTERMS.title, DCTERMS.publisher, DCTERMS.temporal, DCAT.endDate, ADMS.versionNotes)
_LINES = tuple(f" <{p}> ".encode() for p in _KEPT)


@dataclasses.dataclass(frozen=True)
class Version:
    """One version as a content states it: status, issue and end dates, notes."""

    version: str
    status: str | None
    issued: str | None
    end: str | None
    notes: str | None


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What one stored content of an interface record says about its versions."""

    title: str | None
    publisher: str | None
    versions: dict[str, Version]


_snapshots: LRUCache[str, Snapshot] = LRUCache(4096)
"""Snapshots by content sha256: content-addressed, so never stale and shared safely."""
_lock = threading.Lock()


def of(registry: Registry, version: RecordVersion) -> Snapshot | None:
    """The snapshot of `version`'s content (None for a withdrawal, which has no content)."""
    if version.sha256 is None:
        return None
    with _lock:
        cached = _snapshots.get(version.sha256)
    if cached is None:
        cached = parse(version.record, registry.content(version))
        with _lock:
            _snapshots[version.sha256] = cached
    return cached


def parse(iri: str, content: bytes) -> Snapshot:
    """The facts a feed needs from a record's N-Triples: only the lines of their predicates
    are parsed (a record's artefacts and examples are most of its triples)."""
    kept = b"\n".join(line for line in content.splitlines() if any(p in line for p in _LINES))
    graph = Graph()
    graph.parse(data=kept.decode("utf-8"), format="nt")
    node = URIRef(iri)
    versions = {}
    for v in graph.objects(node, DCAT.hasVersion):
        status = read.local(read.first(list(graph.objects(v, ADMS.status))))
        ends = [
            e for t in graph.objects(v, DCTERMS.temporal) for e in graph.objects(t, DCAT.endDate)
        ]
        versions[str(v)] = Version(
            _text(graph, v, DCAT.version) or read.local(v) or str(v),
            status,
            instant(read.first(list(graph.objects(v, DCTERMS.issued)))),
            day(read.first(ends)),
            _text(graph, v, ADMS.versionNotes),
        )
    return Snapshot(
        _text(graph, node, DCTERMS.title),
        read.iri(list(graph.objects(node, DCTERMS.publisher))),
        versions,
    )


def _text(graph: Graph, node: Node, prop: URIRef) -> str | None:
    return read.text(list(graph.objects(node, prop)), "en")


def instant(value: Node | str | None) -> str | None:
    """An `xsd:dateTime` or `xsd:date` literal (or a history time) as an RFC 3339 UTC instant
    in one spelling, so instants compare as text; None if it is neither."""
    if value is None or isinstance(value, URIRef):
        return None
    text = str(value).strip()
    try:
        if "T" not in text:
            when = dt.datetime.combine(dt.date.fromisoformat(text[:10]), dt.time())
        else:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def day(node: Node | None) -> str | None:
    """An end date as `YYYY-MM-DD`, or None when it is not a date."""
    when = instant(node)
    return when[:10] if when else None
