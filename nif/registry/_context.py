"""The registry context a record is checked with: what it points to, and who shares its ids.

A record is checked alone, yet some rules need other records: its publisher must be an agency in
the registry, and its identifiers must be unused. Two indexed queries fetch just that: the
triples of every IRI the records point to, and every node elsewhere with one of their ids.
`record_contexts` keeps each row's graph and splits the rows by record, so the incremental
check (`_check_cache`) can tell which records' context changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from nif.registry._namespaces import DCTERMS, RDF, sparql_prefixes
from nif.registry._records import Record
from nif.store import Store

_BATCH = 500

Row = tuple[Node, Node, Node, str]
"""A context triple and the graph (record) that states it."""


def context_graph(store: Store, records: Sequence[Record]) -> Graph:
    """Triples from other records of `store` that `records` need to be judged."""
    own = {r.iri for r in records}
    subjects = {s for r in records for s in r.graph.subjects()}
    graph = Graph()
    for s, p, o, g in _rows(store, _referenced(records, subjects), _identifiers(records)):
        if g not in own:
            graph.add((s, p, o))
    return graph


def record_contexts(store: Store, records: Sequence[Record]) -> dict[str, list[Row]]:
    """Each record's context rows (from graphs other than its own), fetched for all at once."""
    wanted = {
        r.iri: (_referenced([r], set(r.graph.subjects())), _identifiers([r])) for r in records
    }
    referenced = sorted({o for refs, _ in wanted.values() for o in refs}, key=str)
    identifiers = sorted({i for _, ids in wanted.values() for i in ids}, key=str)
    by_subject: dict[Node, list[Row]] = {}
    by_identifier: dict[Node, list[Row]] = {}
    for row in _rows(store, referenced, identifiers):
        s, p, o, _ = row
        if p == DCTERMS.identifier:
            by_identifier.setdefault(o, []).append(row)
        by_subject.setdefault(s, []).append(row)
    contexts: dict[str, list[Row]] = {}
    for iri, (refs, ids) in wanted.items():
        rows = {row for ref in refs for row in by_subject.get(ref, ())}
        for ident in ids:
            for s, _, _, g in by_identifier.get(ident, ()):
                rows.update(r for r in by_subject.get(s, ()) if r[3] == g and _id_row(r, ident))
        contexts[iri] = sorted((row for row in rows if row[3] != iri), key=_row_key)
    return contexts


def _id_row(row: Row, ident: Node) -> bool:
    """A row the identifier query gives: the holder's type, or the identifier itself."""
    return row[1] == RDF.type or (row[1] == DCTERMS.identifier and row[2] == ident)


def _row_key(row: Row) -> tuple[str, str, str, str]:
    return (row[0].n3(), row[1].n3(), row[2].n3(), row[3])


def _referenced(records: Sequence[Record], subjects: set[Node]) -> list[URIRef]:
    return sorted(
        {
            o
            for r in records
            for o in r.graph.objects()
            if isinstance(o, URIRef) and o not in subjects and str(o).startswith(("http", "urn"))
        }
    )


def _identifiers(records: Sequence[Record]) -> list[Node]:
    # Only agencies' and interfaces' identifiers must be unique registry-wide; message type ids
    # recur in every version that reuses a standard and would bloat the context.
    return sorted(
        {o for r in records for o in r.graph.objects(URIRef(r.iri), DCTERMS.identifier)}, key=str
    )


def _rows(store: Store, referenced: Sequence[Node], identifiers: Sequence[Node]) -> Iterable[Row]:
    for chunk in _chunks(referenced):
        query = (
            f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {_terms(chunk)} }} "
            "GRAPH ?g { ?s ?p ?o } }"
        )
        for row in store.select(query):
            yield row["s"], row["p"], row["o"], str(row["g"])
    for chunk in _chunks(identifiers):
        query = (
            sparql_prefixes() + f"SELECT ?s ?t ?id ?g WHERE {{ VALUES ?id {{ {_terms(chunk)} }} "
            "GRAPH ?g { ?s dct:identifier ?id ; a ?t } }"
        )
        for row in store.select(query):
            g = str(row["g"])
            yield row["s"], RDF.type, row["t"], g
            yield row["s"], DCTERMS.identifier, row["id"], g


def _chunks(items: Sequence[Node]) -> Iterable[Sequence[Node]]:
    for start in range(0, len(items), _BATCH):
        yield items[start : start + _BATCH]


def _terms(nodes: Iterable[Node]) -> str:
    return " ".join(n.n3() if isinstance(n, URIRef | Literal) else "" for n in nodes)
