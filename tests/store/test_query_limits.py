"""`Store.query_raw`'s time and row limits, on every store: embedded Oxigraph and Virtuoso."""

from __future__ import annotations

import json

import pytest

from nif.errors import QueryTimeoutError, ResultTooLargeError, UsageError
from nif.settings import Settings
from nif.store import QueryLimits, ResultFormat, Store, query_limits
from nif.store._remote import RemoteStore


def fill(store: Store, ns: str, count: int) -> str:
    """`count` triples in the test's own graph; returns the graph's IRI."""
    graph = ns + "g"
    data = "".join(f'<{ns}s{i}> <{ns}p> "value {i}" .\n' for i in range(count))
    store.replace_graph(graph, data.encode())
    return graph


def cross_join(graph: str, select: str = "*", where: str = "") -> str:
    """A query over every triple of `graph` three times over: count**3 rows."""
    return (
        f"SELECT {select} WHERE {{ GRAPH <{graph}> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f {where}}} }}"
    )


def rows(data: bytes) -> list[dict[str, object]]:
    return json.loads(data)["results"]["bindings"]  # type: ignore[no-any-return]


def test_a_select_up_to_the_row_limit_is_answered(store: Store, ns: str) -> None:
    graph = fill(store, ns, 20)
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert len(rows(store.query_raw(query, ResultFormat.JSON, QueryLimits(max_rows=20)))) == 20


def test_a_select_over_the_row_limit_is_refused(store: Store, ns: str) -> None:
    graph = fill(store, ns, 20)
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with pytest.raises(ResultTooLargeError, match=r"more than 19 rows.*sparql_max_rows.*LIMIT"):
        store.query_raw(query, ResultFormat.CSV, QueryLimits(max_rows=19))


def test_a_construct_over_the_row_limit_is_refused(store: Store, ns: str) -> None:
    graph = fill(store, ns, 20)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with pytest.raises(ResultTooLargeError, match="more than 10 triples"):
        store.query_raw(query, ResultFormat.TURTLE, QueryLimits(max_rows=10))
    assert (
        store.query_raw(query, ResultFormat.NTRIPLES, QueryLimits(max_rows=20)).count(b"\n") == 20
    )


def test_ask_has_no_rows_to_limit(store: Store, ns: str) -> None:
    graph = fill(store, ns, 5)
    answer = store.query_raw(
        f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", ResultFormat.JSON, QueryLimits(max_rows=0)
    )
    assert json.loads(answer)["boolean"] is True


def test_a_query_streaming_rows_past_its_time_limit_is_stopped(store: Store, ns: str) -> None:
    graph = fill(store, ns, 300)  # 27 million rows
    stopped = r"time limit of 0.5 s.*sparql_timeout.*narrow"
    if isinstance(store, RemoteStore):
        # Virtuoso may refuse the query up front, when its statistics estimate it past its own
        # limit: also a stop for the time limit, with the endpoint's reason
        stopped = rf"{stopped}|refused or stopped the query for its time limit; narrow"
    with pytest.raises(QueryTimeoutError, match=stopped):
        store.query_raw(cross_join(graph), ResultFormat.JSON, QueryLimits(timeout=0.5))


@pytest.mark.slow
def test_an_aggregate_past_its_time_limit_is_an_error_not_a_result(store: Store, ns: str) -> None:
    """Embedded Oxigraph counts in one step it cannot interrupt: the deadline is checked when
    it ends, and the count is thrown away; Virtuoso stops at its `timeout` parameter and its
    partial answer is refused."""
    graph = fill(store, ns, 200)  # 8 million rows to count
    # Virtuoso may count a bare cross join from its statistics in no time: make it see each row.
    where = "FILTER(STRLEN(CONCAT(?b, ?d, ?f)) > 0) " if isinstance(store, RemoteStore) else ""
    query = cross_join(graph, "(COUNT(*) AS ?n)", where)
    with pytest.raises(QueryTimeoutError, match=r"time limit of 0\.05 s"):
        store.query_raw(query, ResultFormat.JSON, QueryLimits(timeout=0.05))


def test_queries_within_their_limits_are_answered(store: Store, ns: str) -> None:
    graph = fill(store, ns, 3)
    answer = store.query_raw(
        cross_join(graph), ResultFormat.JSON, QueryLimits(timeout=30, max_rows=27)
    )
    assert len(rows(answer)) == 27


def test_every_kind_of_term_survives_the_limited_path(store: Store, ns: str) -> None:
    store.replace_graph(
        ns + "g",
        (
            f'<{ns}s> <{ns}p> "chat"@fr , "42"^^<http://www.w3.org/2001/XMLSchema#integer> , '
            f'"plain" , _:b1 , <{ns}o> .\n'
        ).encode(),
    )
    answer = store.query_raw(
        f"SELECT ?o WHERE {{ GRAPH <{ns}g> {{ ?s ?p ?o }} }}",
        ResultFormat.JSON,
        QueryLimits(timeout=30, max_rows=10),
    )
    values = sorted(
        (b["o"]["type"], b["o"].get("xml:lang", ""), b["o"].get("datatype", ""))
        for b in rows(answer)
    )
    integer = "http://www.w3.org/2001/XMLSchema#integer"
    assert values == sorted(
        [
            ("literal", "fr", ""),
            ("literal", "", integer),
            ("literal", "", ""),
            ("bnode", "", ""),
            ("uri", "", ""),
        ]
    )


def test_limits_must_make_sense() -> None:
    with pytest.raises(UsageError, match="over 0 seconds"):
        QueryLimits(timeout=0)
    with pytest.raises(UsageError, match="cannot be negative"):
        QueryLimits(max_rows=-1)


def test_settings_give_the_limits_and_zero_turns_one_off() -> None:
    assert query_limits(Settings()) == (10.0, 10_000)
    assert query_limits(Settings(sparql_timeout=0, sparql_max_rows=0)) == (None, None)
