"""Consumers: the agencies that declare, in their own record, which interface versions they use.

An agency states `nif:consumes <version IRI>` on its own node; only its own record counts (a
record may not state another's node, and the queries read each agency from its own graph), so
no agency can enrol another as a consumer. The interface page lists each version's consumers
and names those a deprecation or a breaking successor affects; the agency page lists what the
agency consumes, with the version's status as its provider states it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rdflib import URIRef
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.catalogue._model import _StatusName
from nif.errors import InputError
from nif.registry import DCTERMS, NIF, STATUS, sparql_prefixes, version_key
from nif.store import Store

_BATCH = 200


@dataclasses.dataclass(frozen=True)
class Consumer:
    """An agency that declares it consumes an interface version."""

    iri: str
    identifier: str
    name: str


@dataclasses.dataclass(frozen=True)
class Consumed:
    """An interface version an agency declares it consumes; `interface` and `version` are None
    when the IRI names no version the registry holds (the shape warns of it)."""

    iri: str
    interface: str | None
    interface_title: str | None
    version: str | None
    status: _StatusName | None


def consumers(
    store: Store, versions: Iterable[str], *, lang: str = "en"
) -> dict[str, list[Consumer]]:
    """Version IRI -> the agencies whose own record consumes it, by name (versions without
    consumers are left out)."""
    iris = sorted(set(versions))
    found: dict[str, dict[str, Consumer]] = {}
    for start in range(0, len(iris), _BATCH):
        values = " ".join(read.ref(v) for v in iris[start : start + _BATCH])
        rows = store.select(
            sparql_prefixes() + f"SELECT ?v ?r ?p ?o WHERE {{ VALUES ?v {{ {values} }}"
            " GRAPH ?g { ?r a org:Organization ; nif:consumes ?v ; ?p ?o } FILTER(?r = ?g)"
            " FILTER(?p IN (dct:identifier, skos:prefLabel, foaf:name)) }"
        )
        by_version: dict[str, list[dict[str, Node]]] = {}
        for row in rows:
            by_version.setdefault(str(row["v"]), []).append(row)
        for version, version_rows in by_version.items():
            for iri, props in read.by_subject(version_rows).items():
                found.setdefault(version, {})[iri] = Consumer(
                    iri,
                    read.text(props.get(DCTERMS.identifier), lang) or "",
                    read.agency_name(props, lang),
                )
    return {
        version: sorted(agencies.values(), key=lambda a: (a.name.casefold(), a.identifier))
        for version, agencies in found.items()
    }


def consumed(store: Store, agency: str, *, lang: str = "en") -> list[Consumed]:
    """The interface versions the agency record `agency` (its IRI) consumes, by interface
    identifier and version, newest first; unknown IRIs last."""
    node = URIRef(agency)
    versions = sorted(
        {
            str(v)
            for v in read.read_graph(store, agency).objects(node, NIF.consumes)
            if isinstance(v, URIRef)
        }
    )
    known: dict[str, Consumed] = {}
    for start in range(0, len(versions), _BATCH):
        values = " ".join(_refs(versions[start : start + _BATCH]))
        if not values:
            continue
        rows = store.select(
            sparql_prefixes() + f"SELECT ?v ?r ?id ?n ?s ?title WHERE {{ VALUES ?v {{ {values} }}"
            " GRAPH ?g { ?r a dcat:DataService ; dcat:hasVersion ?v ; dct:identifier ?id ."
            "   ?v dcat:version ?n . OPTIONAL { ?v adms:status ?s }"
            "   OPTIONAL { ?r dct:title ?title } }"
            " FILTER(?r = ?g) }"
        )
        titles: dict[str, list[Node]] = {}
        for row in rows:
            if "title" in row:
                titles.setdefault(str(row["v"]), []).append(row["title"])
        for row in rows:
            status = row.get("s")
            known[str(row["v"])] = Consumed(
                str(row["v"]),
                str(row["id"]),
                read.text(titles.get(str(row["v"])), lang),
                str(row["n"]),
                read.local(status, str(STATUS)) if status is not None else None,
            )
    newest = sorted(known.values(), key=lambda c: version_key(c.version or ""), reverse=True)
    listed = sorted(newest, key=lambda c: c.interface or "")
    unknown = [Consumed(v, None, None, None, None) for v in versions if v not in known]
    return listed + unknown


def _refs(iris: Iterable[str]) -> Iterable[str]:
    """The IRIs `read.ref` can write into a query; one it refuses is no registered version
    either, and is listed as unknown."""
    for iri in iris:
        try:
            yield read.ref(iri)
        except InputError:
            continue
