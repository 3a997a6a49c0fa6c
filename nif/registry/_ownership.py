"""Which graph owns a node: a record states only its own nodes, never another record's or nif's.

A store keeps each record as the named graph of its main IRI, and readers take what a graph
says about a node as that record's word. So a submitted record may name as subjects only nodes
it owns already (they are in its stored graph) or that are new to the registry; its IRI must not
name another graph (a certificate, a run, a graph of a shared endpoint); and nothing of it may
lie in the space only nif writes (`_iris.reserved`). Blank nodes are local to their graph.

The same test over what is stored finds foreign statements written around the gate (older
data, imports, a store others write): `nif registry check` reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rdflib import BNode, Graph, Literal, URIRef

from nif.registry._iris import NIF_ONLY_TYPES, reserved, reserved_space
from nif.registry._namespaces import RDF, SH
from nif.registry._records import Record
from nif.registry._shacl import ShaclReport, ShaclResult
from nif.settings import Settings
from nif.store import Store

CONSTRAINT = "https://w3id.org/nif/ns#RecordOwnership"
"""The constraint the results name, so a report tells them from the shapes' results."""
_BATCH = 400


def statements_elsewhere(store: Store, subjects: Iterable[URIRef]) -> dict[str, set[str]]:
    """Subject IRI -> every named graph of `store` in which it is a subject (indexed lookups,
    a few hundred subjects a query)."""
    found: dict[str, set[str]] = {}
    items = sorted({str(s) for s in subjects if isinstance(s, URIRef)})
    for start in range(0, len(items), _BATCH):
        values = " ".join(URIRef(i).n3() for i in items[start : start + _BATCH])
        rows = store.select(
            f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        )
        for row in rows:
            if isinstance(row.get("g"), URIRef):
                found.setdefault(str(row["s"]), set()).add(str(row["g"]))
    return found


def ownership(
    store: Store,
    records: Sequence[Record],
    settings: Settings,
    *,
    graph_exists: Callable[[str], bool],
    stored: Iterable[str],
    empty: bool = False,
) -> tuple[ShaclReport, set[str]]:
    """The records' statements about nodes that are not theirs, as violations (none: conforms),
    and the IRIs of the records that make them.

    `stored` are the IRIs of the records stored now (a record may replace its own graph);
    `graph_exists` tells whether the store has a named graph of that IRI; `empty` says the
    store has no graph at all (a first load), so nothing needs looking up.
    """
    submitted = {r.iri for r in records}
    is_record = set(stored)
    elsewhere = {} if empty else _elsewhere(store, records)
    results: list[ShaclResult] = []
    offenders: set[str] = set()
    stating: dict[str, list[str]] = {}
    for record in records:
        if record.iri not in is_record and graph_exists(record.iri):
            message = (
                "the record's IRI names a graph the registry holds that is not a record: "
                "a record may not replace it"
            )
            results.append(_result(record.iri, message))
            offenders.add(record.iri)
        for iri in _subjects(record):
            stating.setdefault(iri, []).append(record.iri)
        found = _foreign(record, elsewhere, submitted, settings)
        results.extend(found)
        offenders.update([record.iri] if found else [])
    for iri, graphs in stating.items():
        if len(graphs) > 1:
            # the node's own record, when one is known: the one it names, or the one storing it
            owners = [g for g in graphs if g == iri] or [
                g for g in graphs if g in elsewhere.get(iri, ())
            ]
            owner = owners[0] if len(owners) == 1 else None
            for graph in graphs:
                if graph != owner:
                    shown = ", ".join(f"<{g}>" for g in graphs if g != graph)
                    message = (
                        f"the record <{graph}> states this node, which {shown} of the same "
                        "submission states too: a node belongs to one record"
                    )
                    results.append(_result(iri, message))
                    offenders.add(graph)
    return report_of(results), offenders


def foreign_statements(
    store: Store, records: Sequence[Record], settings: Settings
) -> list[ShaclResult]:
    """Statements of stored records about nodes another graph states, or that lie in nif's
    space: what `ownership` refuses at submission, found in the store."""
    elsewhere = _elsewhere(store, records)
    return [r for record in records for r in _foreign(record, elsewhere, {record.iri}, settings)]


def _elsewhere(store: Store, records: Sequence[Record]) -> dict[str, set[str]]:
    subjects = [URIRef(s) for r in records for s in _subjects(r)]
    return statements_elsewhere(store, subjects) if subjects else {}


def _subjects(record: Record) -> list[str]:
    return list(dict.fromkeys(str(s) for s in record.graph.subjects() if isinstance(s, URIRef)))


def _foreign(
    record: Record, elsewhere: dict[str, set[str]], own: set[str], settings: Settings
) -> list[ShaclResult]:
    """`record`'s subjects in nif's space or stated by graphs other than `own`."""
    results = [
        _result(str(node), _nif_type_message(record, kind))
        for kind in NIF_ONLY_TYPES
        for node in record.graph.subjects(RDF.type, URIRef(kind))
    ]
    for iri in _subjects(record):
        if reserved(iri, settings):
            results.append(_result(iri, _reserved_message(record, settings)))
            continue
        others = sorted(g for g in elsewhere.get(iri, ()) if g not in own)
        if others:
            results.append(_result(iri, _foreign_message(record.iri, others)))
    return results


def _reserved_message(record: Record, settings: Settings) -> str:
    return (
        f"in the record <{record.iri}>: the IRI lies in the space only nif writes "
        f"({reserved_space(settings)}): a record may not use it"
    )


def _nif_type_message(record: Record, kind: str) -> str:
    return f"in the record <{record.iri}>: only nif writes nodes of type <{kind}>"


def _foreign_message(graph: str, others: Sequence[str]) -> str:
    shown = ", ".join(f"<{g}>" for g in others[:3]) + (" ..." if len(others) > 3 else "")
    return (
        f"the record <{graph}> states this node, which graph {shown} states too: a record "
        "may state only its own nodes and new ones, not another record's"
    )


def _result(focus: str, message: str) -> ShaclResult:
    return ShaclResult("violation", focus, "", message, constraint=CONSTRAINT)


def report_of(results: Sequence[ShaclResult]) -> ShaclReport:
    """Results of this module as a report (with its `sh:ValidationReport` graph), to raise or
    to merge with the shapes' report."""
    graph = Graph()
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(not results)))
    for found in sorted(set(results)):
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, URIRef(found.focus)))
        graph.add((node, SH.resultSeverity, SH.Violation))
        graph.add((node, SH.resultMessage, Literal(found.message)))
        graph.add((node, SH.sourceConstraintComponent, URIRef(CONSTRAINT)))
    return ShaclReport(not results, sorted(set(results)), graph)
