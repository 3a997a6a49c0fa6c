"""Agencies: all of them with their interface counts, and one with its contact points."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import FOAF, SKOS
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.catalogue._interfaces import interfaces
from nif.catalogue._model import Agency, AgencySummary, Contact
from nif.registry import DCAT, DCTERMS, VCARD, sparql_prefixes
from nif.store import Store


def agencies(store: Store, *, lang: str = "en") -> list[AgencySummary]:
    """Every agency, by name, with the number of interfaces each publishes (two queries)."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?p ?o WHERE {"
        " GRAPH ?g { ?r a org:Organization ; ?p ?o } FILTER(?r = ?g)"
        " FILTER(?p IN (dct:identifier, skos:prefLabel, foaf:name, foaf:homepage)) }"
    )
    counts = _interface_counts(store)
    found = [
        AgencySummary(
            iri,
            read.text(props.get(DCTERMS.identifier), lang) or "",
            read.agency_name(props, lang),
            read.iri(props.get(FOAF.homepage)),
            counts.get(iri, 0),
        )
        for iri, props in read.by_subject(rows).items()
    ]
    return sorted(found, key=lambda a: (a.name.casefold(), a.identifier))


def agency(
    store: Store, identifier: str, *, lang: str = "en", offset: int = 0, limit: int = 50
) -> Agency:
    """One agency by identifier, with its contact points and a page of its interfaces."""
    iri = read.agency_iri(store, identifier)
    graph = read.read_graph(store, iri)
    node = URIRef(iri)
    props: dict[Node, list[Node]] = {
        p: list(graph.objects(node, p)) for p in (SKOS.prefLabel, FOAF.name, FOAF.homepage)
    }
    contacts = [
        Contact(
            read.text(list(graph.objects(c, VCARD.fn)), lang),
            read.mailto(read.iri(list(graph.objects(c, VCARD.hasEmail)))),
            read.text(list(graph.objects(c, VCARD.hasTelephone)), lang),
            read.iri(list(graph.objects(c, VCARD.hasURL))),
        )
        for c in graph.objects(node, DCAT.contactPoint)
    ]
    return Agency(
        iri,
        identifier,
        read.agency_name(props, lang),
        read.iri(props[FOAF.homepage]),
        sorted(contacts, key=lambda c: (c.name or "", c.email or "")),
        interfaces(store, agency=identifier, lang=lang, offset=offset, limit=limit),
    )


def _interface_counts(store: Store) -> dict[str, int]:
    rows = store.select(
        sparql_prefixes() + "SELECT ?a (COUNT(DISTINCT ?r) AS ?n) WHERE {"
        " GRAPH ?g { ?r a dcat:DataService ; dct:publisher ?a } FILTER(?r = ?g) } GROUP BY ?a"
    )
    return {str(r["a"]): int(str(r["n"])) for r in rows if "a" in r and "n" in r}
