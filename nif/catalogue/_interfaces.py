"""Interfaces: a page of them, filtered and searched, and one with everything it defines.

Each answer costs a few SPARQL queries whatever the size of the registry: paging and counting
happen in the store, and details are fetched for one page at a time, never one query per item.
"""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Literal, URIRef

from nif.catalogue import _reading as read
from nif.catalogue._details import Details, Link
from nif.catalogue._model import STATUSES, Interface, InterfacePage, InterfaceSummary
from nif.errors import InputError, NotFoundError
from nif.registry import (
    ADMS,
    DCAT,
    DCTERMS,
    NIF,
    STATUS,
    sparql_prefixes,
    version_key,
)
from nif.store import Store

MAX_LIMIT = 200
"""The largest page `interfaces` returns."""


def interfaces(
    store: Store,
    *,
    agency: str | None = None,
    status: str | None = None,
    text: str | None = None,
    offset: int = 0,
    limit: int = 50,
    lang: str = "en",
) -> InterfacePage:
    """A page of interfaces by identifier, filtered by agency identifier, status of the
    current version (an ADMS status name, see STATUSES) and text in the title, description
    or identifier (case-insensitive). Three queries: count, page, details of the page."""
    if offset < 0:
        raise InputError(f"offset must be 0 or more, got {offset}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    where = _interface_filter(agency, status, text)
    count = store.select(sparql_prefixes() + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    total = int(str(count[0]["n"])) if count and "n" in count[0] else 0
    if total == 0 and agency is not None:
        read.agency_iri(store, agency)  # an unknown agency is not found, not an empty page
    rows = (
        store.select(
            sparql_prefixes() + f"SELECT ?r ?id WHERE {{ {where} }}"
            f" ORDER BY ?id ?r OFFSET {offset} LIMIT {limit}"
        )
        if offset < total
        else []
    )
    iris = [str(r["r"]) for r in rows]
    return InterfacePage(_summaries(store, iris, lang), total, offset, limit)


def interface(
    store: Store, identifier: str, *, lang: str = "en", link: Link | None = None
) -> Interface:
    """One interface by identifier, with its versions, message types, artefacts and examples
    (two queries: the record's graph and its agency). With `link`, each pinned file has its
    `download` URL."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?a ?p ?o WHERE {"
        f" GRAPH ?g {{ ?r a dcat:DataService ; dct:identifier {Literal(identifier).n3()} }}"
        " FILTER(?r = ?g)"
        " OPTIONAL { ?r dct:publisher ?a . GRAPH ?ag { ?a ?p ?o } FILTER(?a = ?ag)"
        "   FILTER(?p IN (dct:identifier, skos:prefLabel, foaf:name)) } }"
    )
    if not rows:
        raise NotFoundError(f"no interface with identifier {identifier!r} in the registry")
    iri = str(rows[0]["r"])
    publisher = read.by_subject([r | {"r": r["a"]} for r in rows if "a" in r and "p" in r])
    agency_props = next(iter(publisher.values()), {})
    details = Details(read.read_graph(store, iri), lang, link)
    node = URIRef(iri)
    graph = details.graph
    current = graph.value(node, DCAT.hasCurrentVersion)
    versions = sorted(
        (details.version(v, v == current) for v in graph.objects(node, DCAT.hasVersion)),
        key=lambda v: version_key(v.version),
        reverse=True,
    )
    now = next((v for v in versions if v.current), None)
    return Interface(
        iri,
        identifier,
        details.text(node, DCTERMS.title) or identifier,
        details.text(node, DCTERMS.description),
        read.text(agency_props.get(DCTERMS.identifier), lang),
        read.agency_name(agency_props, lang) if agency_props else None,
        read.iri(list(graph.objects(node, DCAT.endpointURL))),
        read.local(graph.value(node, NIF.transport)),
        now.status if now else None,
        now.status_label if now else None,
        now.version if now else None,
        versions,
    )


def _interface_filter(agency: str | None, status: str | None, text: str | None) -> str:
    """The WHERE clause binding ?r (an interface record) and ?id under the filters."""
    inner = "?r a dcat:DataService ; dct:identifier ?id ."
    outer = ""
    if status is not None:
        if status not in STATUSES:
            allowed = ", ".join(STATUSES)
            raise InputError(f"status must be one of {allowed}, got {status!r}")
        inner += f" ?r dcat:hasCurrentVersion ?cur . ?cur adms:status <{STATUS[status]}> ."
    if agency is not None:
        inner += " ?r dct:publisher ?a ."
        outer += f" GRAPH ?ag {{ ?a dct:identifier {Literal(agency).n3()} }} FILTER(?a = ?ag)"
    if text is not None and text.strip():
        needle = Literal(text.strip().lower()).n3()
        inner += (
            " FILTER EXISTS { ?r dct:title|dct:description|dct:identifier ?t"
            f" FILTER(CONTAINS(LCASE(STR(?t)), {needle})) }}"
        )
    return f"GRAPH ?g {{ {inner} }} FILTER(?r = ?g) {outer}"


def _summaries(store: Store, iris: Sequence[str], lang: str) -> list[InterfaceSummary]:
    """The listed fields of these interfaces, their agencies and current versions, at once."""
    if not iris:
        return []
    # The VALUES sit in each branch (a store joins an outer VALUES with a UNION only after
    # evaluating the union over the whole registry), and the predicates are filtered, not
    # joined with VALUES (which makes Oxigraph scan every triple of those predicates). Each
    # fact comes from its record's own graph: the interface's, or its agency's.
    # (Virtuoso refuses a BIND after a graph FILTER in a union: the first branch binds ?r.)
    listed = " ".join(read.ref(i) for i in iris)
    values = f"VALUES ?i {{ {listed} }}"
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?p ?o WHERE {"
        f" {{ VALUES ?r {{ {listed} }} GRAPH ?g {{ ?r ?p ?o }} FILTER(?g = ?r) }}"
        f" UNION {{ {values} GRAPH ?g {{ ?i dcat:hasCurrentVersion ?r . ?r ?p ?o }}"
        " FILTER(?g = ?i) }"
        f" UNION {{ {values} GRAPH ?g {{ ?i dct:publisher ?r }} FILTER(?g = ?i)"
        " GRAPH ?ag { ?r ?p ?o } FILTER(?ag = ?r) }"
        " FILTER(?p IN (dct:identifier, dct:title, dct:description, dct:publisher,"
        " dcat:hasCurrentVersion, skos:prefLabel, foaf:name, adms:status, dcat:version)) }"
    )
    subjects = read.by_subject(rows)
    found = []
    for iri in iris:
        props = subjects.get(iri, {})
        identifier = read.text(props.get(DCTERMS.identifier), lang) or ""
        publisher = read.iri(props.get(DCTERMS.publisher))
        agency_props = subjects.get(publisher or "", {})
        current = subjects.get(read.iri(props.get(DCAT.hasCurrentVersion)) or "", {})
        status = read.local(read.first(current.get(ADMS.status)))
        found.append(
            InterfaceSummary(
                iri,
                identifier,
                read.text(props.get(DCTERMS.title), lang) or identifier,
                read.text(props.get(DCTERMS.description), lang),
                read.text(agency_props.get(DCTERMS.identifier), lang),
                read.agency_name(agency_props, lang) if agency_props else None,
                status,
                STATUSES.get(status or ""),
                read.text(current.get(DCAT.version), lang),
            )
        )
    return found
