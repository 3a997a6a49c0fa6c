"""Feeds: what happened to an interface, or to what an agency publishes and consumes, newest
first, for the Atom feeds agencies subscribe to.

A read model of the registry like the catalogue's pages, read from three sources: the history
(every content a record ever had, and when) says when a version appeared, changed status or end
date, or left; the assessments nif wrote at submission (`nif:CompatibilityAssessment` in nif's
own graphs) say which versions break their predecessors; the agencies' `nif:consumes` say whom
a change affects. Each entry's id is derived from what it reports, so it is the same in every
request and in both feeds that carry it.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence

from rdflib import URIRef
from rdflib.namespace import FOAF, SKOS
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.catalogue import _snapshots as snap
from nif.catalogue._consumers import Consumer, consumed, consumers
from nif.catalogue._model import STATUSES
from nif.errors import NotFoundError
from nif.registry import (
    ReadCache,
    Registry,
    sparql_prefixes,
    version_key,
)

MAX_ENTRIES = 100
"""The most entries a feed carries (the newest)."""

FEEDS_KEPT = 256
"""Feeds each registry keeps (least recently read go)."""
TTL = 30.0
"""Seconds a feed is kept at most: what another writer to a remote store may wait."""
EPOCH = "1970-01-01T00:00:00.000Z"
"""When a record without history is taken to date from: stable, so readers see no news."""


@dataclasses.dataclass(frozen=True)
class FeedEntry:
    """One thing that happened: `kind` is published, status, end-date, removed, withdrawn or
    breaking; `concerns` are the version IRIs whose consumers it affects, `affected` those
    consumers (agency identifiers); `anchor` is the fragment of the interface page."""

    id: str
    kind: str
    title: str
    summary: str
    updated: str
    interface: str
    version: str | None
    anchor: str
    concerns: tuple[str, ...] = ()
    affected: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Feed:
    """An interface's or an agency's feed (`kind`), its entries newest first."""

    id: str
    kind: str
    identifier: str
    title: str
    author: str
    updated: str
    entries: list[FeedEntry]


_feeds: weakref.WeakKeyDictionary[Registry, ReadCache[tuple[str, str, int], Feed]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def interface_feed(registry: Registry, identifier: str, *, limit: int = MAX_ENTRIES) -> Feed:
    """The feed of the interface `identifier` (current or withdrawn, known from its history);
    `NotFoundError` when no interface record of that identifier was ever stored."""
    key = ("interface", identifier, limit)
    return _cached(registry, key, lambda: _interface_feed(registry, identifier, limit))


def agency_feed(registry: Registry, identifier: str, *, limit: int = MAX_ENTRIES) -> Feed:
    """The feed of the agency `identifier`: every entry of the interfaces it publishes, and the
    status changes and breaking changes that affect the interface versions it consumes."""
    key = ("agency", identifier, limit)
    return _cached(registry, key, lambda: _agency_feed(registry, identifier, limit))


def _cached(registry: Registry, key: tuple[str, str, int], build: Callable[[], Feed]) -> Feed:
    """A feed kept until the registry changes (`Registry.read_cache`), `TTL` seconds at most."""
    with _lock:
        feeds = _feeds.get(registry)
        if feeds is None:
            feeds = _feeds[registry] = registry.read_cache(FEEDS_KEPT, TTL)
    return feeds.get(key, build)


def _interface_feed(registry: Registry, identifier: str, limit: int) -> Feed:
    iri, history = _interface_history(registry, identifier)
    entries = _newest_first(_interface_entries(registry, identifier, iri, history))
    last = next((s for _, s in reversed(history) if s is not None), None)
    publisher = _agency_name(registry, last.publisher) if last and last.publisher else None
    return Feed(
        iri,
        "interface",
        identifier,
        (last.title if last else None) or identifier,
        publisher or identifier,
        _updated(entries, history[-1][0] if history else EPOCH),
        entries[:limit],
    )


def _agency_feed(registry: Registry, identifier: str, limit: int) -> Feed:
    store = registry.store
    iri = read.agency_iri(store, identifier)
    listed = consumed(store, iri)
    versions = {c.iri for c in listed}
    own = _published_by(registry, iri)
    others = {c.interface for c in listed if c.interface} - own
    found: dict[str, FeedEntry] = {}
    for interface in sorted(own | others):
        ref, history = _interface_history(registry, interface)
        for entry in _interface_entries(registry, interface, ref, history):
            if interface in own or set(entry.concerns) & versions:
                found.setdefault(entry.id, entry)
    entries = _newest_first(found.values())
    own_history = registry.history.versions(iri)
    name = _agency_name(registry, iri) or identifier
    return Feed(
        iri,
        "agency",
        identifier,
        name,
        name,
        _updated(entries, (snap.instant(own_history[-1].at) if own_history else None) or EPOCH),
        entries[:limit],
    )


# the history of one interface


def _interface_history(
    registry: Registry, identifier: str
) -> tuple[str, list[tuple[str, snap.Snapshot | None]]]:
    """The interface record's IRI and each content it had (None: withdrawn), oldest first."""
    rows = [v for v in registry.history.versions(identifier) if v.kind == "interface"]
    rows = [v for v in rows if v.identifier == identifier or v.record == identifier]
    if rows:
        iri = rows[-1].record
        return iri, [
            (snap.instant(v.at) or EPOCH, snap.of(registry, v)) for v in rows if v.record == iri
        ]
    # a record stored without nif's history (another writer's store): its current content
    unknown = NotFoundError(f"no interface with identifier {identifier!r} in the registry")
    try:
        found = registry.find(identifier)
    except NotFoundError:
        raise unknown from None
    if found.kind != "interface":
        raise unknown
    return found.iri, [(EPOCH, snap.parse(found.iri, registry.store.read_graph(found.iri)))]


# entries


def _interface_entries(
    registry: Registry,
    identifier: str,
    iri: str,
    history: Sequence[tuple[str, snap.Snapshot | None]],
) -> list[FeedEntry]:
    """Every entry of one interface, each naming the consumers it affects, in the order they
    happened (entries of one instant too: a version's publication before its deprecation)."""
    entries = _history_entries(identifier, iri, history)
    seen: dict[str, str] = {}
    for at, snapshot in history:
        for v in snapshot.versions.values() if snapshot else ():
            seen.setdefault(v.version, at)
    entries += _breaking_entries(registry, identifier, seen)
    found = consumers(registry.store, {c for e in entries for c in e.concerns})
    named = []
    for entry in entries:
        affected = {a.identifier: a for c in entry.concerns for a in found.get(c, ())}
        summary = entry.summary
        if affected:
            listed = sorted(affected.values(), key=lambda a: (a.name.casefold(), a.identifier))
            shown = ", ".join(_label(a) for a in listed)
            summary = f"{summary} Consumers affected: {shown}.".strip()
        named.append(dataclasses.replace(entry, affected=tuple(sorted(affected)), summary=summary))
    return named


class _Entries:
    """Collects one interface's entries; an entry's id is a UUID of what it reports."""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier
        self.found: list[FeedEntry] = []

    def add(
        self,
        kind: str,
        title: str,
        updated: str,
        key: Iterable[str],
        summary: str,
        version: str | None = None,
        concerns: tuple[str, ...] = (),
    ) -> None:
        name = uuid.uuid5(uuid.NAMESPACE_URL, "\n".join((kind, *key)))
        anchor = f"v-{version}" if version else ""
        self.found.append(
            FeedEntry(
                f"urn:uuid:{name}",
                kind,
                title,
                summary,
                updated,
                self.identifier,
                version,
                anchor,
                concerns,
            )
        )


def _history_entries(
    identifier: str, iri: str, history: Sequence[tuple[str, snap.Snapshot | None]]
) -> list[FeedEntry]:
    """Entries from each stored content of the record against the one before it: a version
    that appears, changes status or end date, or leaves; the record withdrawn."""
    out = _Entries(identifier)
    before: dict[str, snap.Version] = {}
    times: dict[str, int] = {}
    for at, snapshot in history:
        if snapshot is None:
            if before:
                text = "The interface was withdrawn from the registry."
                out.add(
                    "withdrawn", f"{identifier} withdrawn", at, (iri, at), text, None, tuple(before)
                )
            before = {}
            continue
        for v, now in sorted(snapshot.versions.items(), key=lambda i: version_key(i[1].version)):
            _version_entries(out, v, before.get(v), now, at, times)
        for v, was in before.items():
            if v not in snapshot.versions:
                text = "The version is no longer listed by the interface."
                title = f"{identifier} {was.version} removed"
                out.add("removed", title, at, (v, at), text, was.version, (v,))
        before = dict(snapshot.versions)
    return out.found


def _version_entries(
    out: _Entries,
    v: str,
    was: snap.Version | None,
    now: snap.Version,
    at: str,
    times: dict[str, int],
) -> None:
    name = f"{out.identifier} {now.version}"
    if was is None:
        times[v] = times.get(v, 0) + 1
        key: tuple[str, ...] = (v, str(times[v]))
        out.add(
            "published", f"{name} published", now.issued or at, key, now.notes or "", now.version
        )
    old = was.status if was else None
    if now.status != old and (was is not None or now.status in _NEWS):
        label = _status(now.status)
        text = f"Status: {label}" + (f" (was {_status(old)})." if old else ".")
        key = (v, now.status or "", at)
        out.add("status", f"{name} {label.lower()}", at, key, text, now.version, (v,))
    if now.end and now.end != (was.end if was else None):
        key = (v, now.end, at)
        text = f"End date: {now.end}."
        out.add("end-date", f"{name} ends on {now.end}", at, key, text, now.version, (v,))


_NEWS = ("Deprecated", "Withdrawn")
"""Statuses worth an entry of their own when a version first appears with them."""


def _status(name: str | None) -> str:
    return STATUSES.get(name or "", name or "no status")


def _breaking_entries(registry: Registry, identifier: str, seen: dict[str, str]) -> list[FeedEntry]:
    """An entry per version whose stored assessment says it breaks the versions it was
    compared with (`Registry.assessment`), naming the message types and directions that do.
    `seen` is when each version was first stored: nif assesses a version just before it
    stores it, and the entry is news no earlier than the version."""
    out = _Entries(identifier)
    for version, stored in sorted(seen.items(), key=lambda i: version_key(i[0])):
        found = registry.assessment(identifier, version)
        if not found or not found["breaking"]:
            continue
        at = max(snap.instant(found["generated"]) or EPOCH, stored)
        previous = tuple(c["iri"] for c in found["compared_with"])
        shown = ", ".join(c["version"] for c in found["compared_with"])
        broken = sorted(
            {
                f"{m['name'] or read.local(URIRef(m['message_type'] or ''))} ({way})"
                for m in found["messages"]
                for way in m["required"]
                if m[way]["verdict"] != "compatible"
            }
        )
        text = f"Version {version} is not compatible with {shown} under the interface's policy."
        if broken:
            text += " Breaking: " + ", ".join(broken) + "."
        title = f"{identifier} {version} breaks {shown}"
        out.add("breaking", title, at, (found["iri"], at), text, version, previous)
    return out.found


# agencies


def _agency_name(registry: Registry, iri: str) -> str | None:
    """An agency's name from its own record, None when it has no record."""
    graph = read.read_graph(registry.store, iri)
    node = URIRef(iri)
    props: dict[Node, list[Node]] = {
        p: list(graph.objects(node, p)) for p in (SKOS.prefLabel, FOAF.name)
    }
    return read.agency_name(props, "en") or None


def _label(agency: Consumer) -> str:
    name, identifier = agency.name, agency.identifier
    return f"{name} ({identifier})" if name and name != identifier else identifier


def _published_by(registry: Registry, agency: str) -> set[str]:
    """The identifiers of the current interfaces `agency` (an IRI) publishes."""
    rows = registry.store.select(
        sparql_prefixes() + "SELECT ?id WHERE { GRAPH ?g { ?r a dcat:DataService ;"
        f" dct:publisher {read.ref(agency)} ; dct:identifier ?id }} FILTER(?r = ?g) }}"
    )
    return {str(r["id"]) for r in rows if "id" in r}


# time


def _newest_first(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """Newest first; at the same instant, the later event first (the order they were found)."""
    listed = list(entries)
    order = {id(e): n for n, e in enumerate(listed)}
    return sorted(listed, key=lambda e: (e.updated, order[id(e)]), reverse=True)


def _updated(entries: Sequence[FeedEntry], otherwise: str) -> str:
    return max((e.updated for e in entries), default=otherwise)
