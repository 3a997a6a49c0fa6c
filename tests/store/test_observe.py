"""`Store.observe`: every back end's calls timed in one place, each counted once."""

from __future__ import annotations

from nif.store import EmbeddedStore

GRAPH = "https://registry.nif.example/interface/a"
TRIPLE = b"<https://x.example/s> <https://x.example/p> <https://x.example/o> .\n"


def test_each_call_is_timed_by_its_operation() -> None:
    seen: list[tuple[str, float]] = []
    with EmbeddedStore(None) as store:
        store.observe(lambda operation, seconds: seen.append((operation, seconds)))
        store.replace_graph(GRAPH, TRIPLE)
        store.select("SELECT ?s WHERE { ?s ?p ?o }")
        store.ask("ASK { ?s ?p ?o }")
        store.update(f"DROP SILENT GRAPH <{GRAPH}b>")
        assert store.read_graph(GRAPH) == TRIPLE
    assert [operation for operation, _ in seen] == ["graph", "select", "select", "update", "graph"]
    assert all(seconds >= 0 for _, seconds in seen)


def test_a_call_inside_another_counts_once_and_none_after_observe_none() -> None:
    seen: list[str] = []
    with EmbeddedStore(None) as store:
        store.observe(lambda operation, _: seen.append(operation))
        store.replace_graphs({GRAPH: TRIPLE, GRAPH + "b": TRIPLE})  # may call replace_graph
        assert seen == ["graph"]
        store.observe(None)
        store.graphs()
    assert seen == ["graph"]


def test_an_unobserved_store_works_as_before() -> None:
    with EmbeddedStore(None) as store:
        store.replace_graph(GRAPH, TRIPLE)
        assert store.graphs() == [GRAPH]
