"""The update text that writes graphs: operations small enough for Virtuoso, blank nodes kept
together, common namespaces as prefixes."""

from __future__ import annotations

import pyoxigraph as ox

from nif.store._update_text import update_text

EX = "http://example.org/"
GRAPH = ox.NamedNode(EX + "g")


def _triples(count: int) -> list[ox.Triple]:
    return [
        ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)))
        for i in range(count)
    ]


def test_ground_triples_go_in_operations_of_a_thousand() -> None:
    text = update_text({GRAPH: _triples(2500)}, replace=False)
    assert text.count("INSERT DATA") == 3
    assert "DROP" not in text


def test_a_replace_drops_the_graph_first_and_names_common_namespaces() -> None:
    text = update_text({GRAPH: _triples(3)}, replace=True)
    assert text.startswith(f"PREFIX n0: <{EX}>\n")
    assert text.index("DROP SILENT GRAPH") < text.index("INSERT DATA")
    assert "n0:s2 n0:p" in text


def test_triples_sharing_a_blank_node_stay_in_one_operation() -> None:
    blank = [ox.BlankNode(f"b{i}") for i in range(150)]
    chain = [ox.Triple(blank[i], ox.NamedNode(EX + "next"), blank[i + 1]) for i in range(149)]
    loose = [
        ox.Triple(ox.BlankNode(f"x{i}"), ox.NamedNode(EX + "p"), ox.Literal("v"))
        for i in range(150)
    ]
    text = update_text({GRAPH: chain + loose}, replace=False)
    operations = [op for op in text.split(" ;\n") if "WHERE {}" in op]
    assert any(op.count(" .\n") == 149 for op in operations)
    assert all(op.count(" .\n") <= 149 for op in operations)
    assert sum(op.count(" .\n") for op in operations) == 299


def test_the_update_text_parses_and_writes_what_it_was_given() -> None:
    triples = [
        *_triples(5),
        ox.Triple(ox.BlankNode("a"), ox.NamedNode(EX + "p"), ox.BlankNode("b")),
        ox.Triple(ox.BlankNode("b"), ox.NamedNode(EX + "q"), ox.Literal("x", language="en")),
    ]
    store = ox.Store()
    store.update(update_text({GRAPH: triples}, replace=True))
    assert len(list(store.quads_for_pattern(None, None, None, GRAPH))) == 7
