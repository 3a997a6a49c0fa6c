"""Results written by Oxigraph in chunks: the row limit counted on the bytes, the same answer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nif.errors import QueryTimeoutError, ResultTooLargeError, UsageError
from nif.store import query_form
from nif.store._base import QueryLimits, ResultFormat, write_results
from nif.store._result_stream import _COUNTERS, CHUNK, serialize_results, stream_results

TRICKY = [
    "plain",
    "",
    '},{"s":{"type":"uri"}},{',
    'quote " backslash \\ end \\',
    "\\",
    "line\nbreak\r\nand return\r",
    "<result><result>",
    "[{ [{ ,{",
    '"",""\r\n"',
    "日本語 😀",
    "x" * 20_000,
]
SELECT = "SELECT ?s ?o ?n WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:n> ?n } } ORDER BY ?s ?o"
FORMATS = [ResultFormat.JSON, ResultFormat.XML, ResultFormat.CSV, ResultFormat.TSV]


@pytest.fixture(scope="module")
def store() -> ox.Store:  # this module's own: a bare Oxigraph store
    store = ox.Store()
    p, n = ox.NamedNode("urn:p"), ox.NamedNode("urn:n")
    for i, text in enumerate(TRICKY * 3):
        subject = ox.NamedNode(f"urn:s{i:03}") if i % 4 else ox.BlankNode(f"b{i}")
        store.add(ox.Quad(subject, p, ox.Literal(text, language="en" if i % 5 == 1 else None)))
        if i % 3 == 0:
            store.add(ox.Quad(subject, n, ox.Literal(str(i), datatype=ox.NamedNode("urn:t"))))
    store.add(ox.Quad(ox.NamedNode("urn:e"), p, ox.NamedNode("urn:o?a=b&c#&lt;")))
    return store


def rows(store: ox.Store) -> int:
    return len(list(store.query(SELECT)))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 8192])
def test_rows_are_counted_across_any_chunking(
    store: ox.Store, fmt: ResultFormat, size: int
) -> None:
    data = serialize_results(store.query(SELECT), fmt, QueryLimits())
    counter = _COUNTERS[fmt]()
    counts = [counter.feed(data[i : i + size]) for i in range(0, len(data), size)]
    assert counts[-1] == rows(store)
    assert counts == sorted(counts)  # never counted back


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_results_and_empty_rows_are_counted(fmt: ResultFormat) -> None:
    empty = ox.Store()
    for query, expected in [("SELECT ?x WHERE { }", 1), ("SELECT * WHERE { ?s ?p ?o }", 0)]:
        data = serialize_results(empty.query(query), fmt, QueryLimits())
        assert _COUNTERS[fmt]().feed(data) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_row_limit_holds_at_its_bound(store: ox.Store, fmt: ResultFormat) -> None:
    total = rows(store)
    assert serialize_results(store.query(SELECT), fmt, QueryLimits(max_rows=total))
    with pytest.raises(ResultTooLargeError, match=f"more than {total - 1:,} rows"):
        serialize_results(store.query(SELECT), fmt, QueryLimits(max_rows=total - 1))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_answer_is_the_one_written_from_python_rows(store: ox.Store, fmt: ResultFormat) -> None:
    """The remote store writes rows it read; both stores' answers stay byte for byte alike."""
    limits = QueryLimits(max_rows=1000)
    assert serialize_results(store.query(SELECT), fmt, limits) == write_results(
        store.query(SELECT), fmt, QueryLimits(max_rows=1000)
    )


@pytest.mark.parametrize(
    "fmt", [ResultFormat.TURTLE, ResultFormat.NTRIPLES, ResultFormat.JSONLD, ResultFormat.RDFXML]
)
def test_triples_are_limited_and_written_as_before(store: ox.Store, fmt: ResultFormat) -> None:
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    total = len(store)
    data = serialize_results(store.query(construct), fmt, QueryLimits(max_rows=total))
    assert data == write_results(store.query(construct), fmt, QueryLimits())
    with pytest.raises(ResultTooLargeError, match="triples"):
        serialize_results(store.query(construct), fmt, QueryLimits(max_rows=total - 1))


def test_large_answers_are_handed_on_in_chunks(store: ox.Store) -> None:
    big = ox.Store()
    for i in range(5000):
        big.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal("v" * 200)))
    query = "SELECT * WHERE { ?s ?p ?o }"
    chunks: list[bytes] = []
    rest = stream_results(big.query(query), ResultFormat.JSON, QueryLimits(), chunks.append)
    assert len(chunks) >= 3 and all(len(chunk) >= CHUNK for chunk in chunks)
    assert b"".join([*chunks, rest]) == serialize_results(
        big.query(query), ResultFormat.JSON, QueryLimits()
    )


def test_the_time_limit_is_checked_as_oxigraph_writes() -> None:
    big = ox.Store()
    for i in range(2000):
        big.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal("v" * 50)))
    limits = QueryLimits(timeout=0.001)
    limits._deadline = 0.0  # passed already
    with pytest.raises(QueryTimeoutError):
        serialize_results(big.query("SELECT * WHERE { ?s ?p ?o }"), ResultFormat.CSV, limits)


@pytest.mark.parametrize("length", [100, 20_000])
def test_a_query_form_is_remembered_but_never_a_refusal(length: int) -> None:
    """Forms are remembered for repeated queries (short ones); refused queries stay refused."""
    padding = "#" + "x" * length + "\n"
    select = padding + "SELECT * WHERE { ?s ?p ?o }"
    assert query_form(select) is ox.QuerySolutions
    assert query_form(select) is ox.QuerySolutions
    assert query_form(padding + "ASK { }") is ox.QueryBoolean
    federated = padding + "SELECT * WHERE { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }"
    for _ in range(2):
        with pytest.raises(UsageError, match="SERVICE"):
            query_form(federated)
    for _ in range(2):
        with pytest.raises(UsageError, match="not a SPARQL 1\\.1 query"):
            query_form(padding + "SELECT WHERE")
