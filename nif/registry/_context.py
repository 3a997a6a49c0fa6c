"""The registry context a record is checked with: what it points to, and who shares its ids.

A record is checked alone, yet some rules need other records: its publisher must be an agency in
the registry, and its identifiers must be unused. Two indexed queries fetch just that: the
triples of every IRI the records point to, and every node elsewhere with one of their ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from nif.registry._namespaces import DCTERMS, RDF, sparql_prefixes
from nif.registry._records import Record
from nif.store import Store

_BATCH = 500


def context_graph(store: Store, records: Sequence[Record]) -> Graph:
    """Triples from other records of `store` that `records` need to be judged."""
    own = {r.iri for r in records}
    subjects = {s for r in records for s in r.graph.subjects()}
    referenced = sorted(
        {
            o
            for r in records
            for o in r.graph.objects()
            if isinstance(o, URIRef) and o not in subjects and str(o).startswith(("http", "urn"))
        }
    )
    # Only agencies' and interfaces' identifiers must be unique registry-wide; message type ids
    # recur in every version that reuses a standard and would bloat the context.
    identifiers = sorted(
        {o for r in records for o in r.graph.objects(URIRef(r.iri), DCTERMS.identifier)}, key=str
    )
    graph = Graph()
    for chunk in _chunks(referenced):
        query = (
            f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {_terms(chunk)} }} "
            "GRAPH ?g { ?s ?p ?o } }"
        )
        for row in store.select(query):
            if str(row["g"]) not in own:
                graph.add((row["s"], row["p"], row["o"]))
    for chunk in _chunks(identifiers):
        query = (
            sparql_prefixes() + f"SELECT ?s ?t ?id ?g WHERE {{ VALUES ?id {{ {_terms(chunk)} }} "
            "GRAPH ?g { ?s dct:identifier ?id ; a ?t } }"
        )
        for row in store.select(query):
            if str(row["g"]) not in own:
                graph.add((row["s"], RDF.type, row["t"]))
                graph.add((row["s"], DCTERMS.identifier, row["id"]))
    return graph


def _chunks(items: Sequence[Node]) -> Iterable[Sequence[Node]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _terms(nodes: Iterable[Node]) -> str:
    return " ".join(n.n3() if isinstance(n, URIRef | Literal) else "" for n in nodes)
