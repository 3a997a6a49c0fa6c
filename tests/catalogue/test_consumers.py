"""Who consumes an interface version, and what an agency consumes, in both stores: only an
agency's own graph counts."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import ORG, RDF

from nif import catalogue
from nif.registry import NIF, Registry

BASE = "https://registry.nif.example/"
V1 = f"{BASE}interface/civreg-birth/1.0.0"
V2 = f"{BASE}interface/civreg-birth/2.0.0"
UNKNOWN = f"{BASE}interface/civreg-birth/9.9.9"


def declare(registry: Registry, graph: str, subject: str, values: list[URIRef | Literal]) -> None:
    """Replace what `subject` consumes, as stated in the graph `graph`."""
    g = Graph().parse(data=registry.store.read_graph(graph), format="nt")
    g.remove((URIRef(subject), NIF.consumes, None))
    for value in values:
        g.add((URIRef(subject), NIF.consumes, value))
    registry.store.replace_graph(graph, g.serialize(format="nt", encoding="utf-8"))


@pytest.mark.slow  # loads the demo registry, its versions assessed
def test_consumers_come_from_the_agencies_own_records(demo: Registry) -> None:
    agencies = [g for g in demo.store.graphs() if g.startswith(f"{BASE}agency/")]
    for agency in agencies:
        declare(demo, agency, agency, [])
    tax, socsec, vehreg = (f"{BASE}agency/{a}" for a in ("tax", "socsec", "vehreg"))
    declare(demo, tax, tax, [URIRef(V1), URIRef(V2), URIRef(UNKNOWN), Literal("civreg-birth")])
    declare(demo, socsec, socsec, [URIRef(V2)])
    # a statement about vehreg in another record's graph is not vehreg's word
    interface = f"{BASE}interface/civreg-birth"
    foreign = Graph().parse(data=demo.store.read_graph(interface), format="nt")
    foreign.add((URIRef(vehreg), RDF.type, ORG.Organization))
    foreign.add((URIRef(vehreg), NIF.consumes, URIRef(V1)))
    demo.store.replace_graph(interface, foreign.serialize(format="nt", encoding="utf-8"))

    found = catalogue.consumers(demo.store, [V1, V2, UNKNOWN])
    assert {v: [c.identifier for c in found[v]] for v in found} == {
        V1: ["tax"],
        V2: ["socsec", "tax"],
        UNKNOWN: ["tax"],
    }
    assert found[V1][0] == catalogue.Consumer(tax, "tax", "Tax Administration")
    assert catalogue.consumers(demo.store, []) == {}

    consumed = catalogue.consumed(demo.store, tax)
    assert [(c.interface, c.version, c.status) for c in consumed] == [
        ("civreg-birth", "2.0.0", "Completed"),
        ("civreg-birth", "1.0.0", "Deprecated"),
        (None, None, None),
    ]
    assert consumed[0].iri == V2 and consumed[0].interface_title
    assert consumed[2].iri == UNKNOWN
    assert catalogue.consumed(demo.store, vehreg) == []
