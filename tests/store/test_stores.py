"""The store contract, run against every store: embedded Oxigraph and a real Virtuoso."""

from __future__ import annotations

import csv
import io
import json
import threading
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from nif.errors import UsageError
from nif.store import DumpFormat, ResultFormat, Store
from tests.conftest import recording_server

SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


def xsd(name: str) -> URIRef:
    return URIRef("http://www.w3.org/2001/XMLSchema#" + name)


def graph_of(data: bytes, fmt: str = "nt") -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt)


def rich_graph(ns: str) -> rdflib.Graph:
    """Every kind of term a record holds, with the values stores like to rewrite."""
    g = rdflib.Graph()
    s, p = URIRef(ns + "s"), URIRef(ns + "p")
    for literal in [
        Literal("plain"),
        Literal(""),
        Literal("Zivilstandsamt", lang="de-CH"),
        Literal("Civil registry", lang="en"),
        Literal("42", datatype=xsd("integer")),
        Literal("1.5", datatype=xsd("decimal")),
        Literal("2024-02-29", datatype=xsd("date")),
        Literal("2024-02-29T12:30:00Z", datatype=xsd("dateTime")),
        Literal("https://a.example/x", datatype=xsd("anyURI")),
        Literal("2.0.0", datatype=URIRef(ns + "semver")),
        Literal("ünïcödé 日本語 𝄞 😀"),
        Literal('quote " backslash \\ newline \n tab \t return \r'),
        Literal("x" * 100_000),
    ]:
        g.add((s, p, literal))
    g.add((s, p, URIRef(ns + "straße/ü")))
    contact, checksum = BNode(), BNode()
    g.add((s, URIRef(ns + "contact"), contact))
    g.add((contact, URIRef(ns + "fn"), Literal("Desk")))
    g.add((contact, URIRef(ns + "checksum"), checksum))
    g.add((URIRef(ns + "other"), URIRef(ns + "checksum"), checksum))
    g.add((checksum, URIRef(ns + "value"), Literal("ab" * 32)))
    return g


def lowered(g: rdflib.Graph) -> rdflib.Graph:
    """`g` with its language tags in lower case, as both stores return them (tags are
    case-insensitive, but rdflib's isomorphism compares them as written)."""
    out = rdflib.Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        out.add((s, p, o))
    return out


def same(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    return isomorphic(lowered(a), lowered(b))


def nt(g: rdflib.Graph) -> bytes:
    return g.serialize(format="nt", encoding="utf-8")


def simple(ns: str, name: str, count: int, label: str = "v") -> bytes:
    return "".join(f'<{ns}{name}/s{i}> <{ns}p> "{label} {i}" .\n' for i in range(count)).encode()


def count(store: Store, graph: str) -> int:
    rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


# Queries


def test_select_gives_rdflib_terms_and_leaves_unbound_variables_out(store: Store, ns: str) -> None:
    store.replace_graph(
        ns + "g",
        f'<{ns}a> <{ns}p> "Hallo"@de , "7"^^<{xsd("integer")}> , _:b .\n'
        f"_:b <{ns}q> <{ns}c> .\n".encode(),
    )
    rows = store.select(f"SELECT ?o ?x WHERE {{ <{ns}a> <{ns}p> ?o OPTIONAL {{ ?o <{ns}q> ?x }} }}")
    assert len(rows) == 3
    assert {row["o"] for row in rows if isinstance(row["o"], Literal)} == {
        Literal("Hallo", lang="de"),
        Literal(7),
    }
    assert all("x" not in row for row in rows if isinstance(row["o"], Literal))
    assert [row["x"] for row in rows if isinstance(row["o"], BNode)] == [URIRef(ns + "c")]


def test_ask(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", f"<{ns}a> <{ns}p> <{ns}b> .\n".encode())
    assert store.ask(f"ASK {{ <{ns}a> <{ns}p> <{ns}b> }}") is True
    assert store.ask(f"ASK {{ <{ns}a> <{ns}p> <{ns}nothing> }}") is False


def test_select_and_ask_refuse_each_others_queries(store: Store, ns: str) -> None:
    with pytest.raises(UsageError, match="SELECT"):
        store.select("ASK { ?s ?p ?o }")
    with pytest.raises(UsageError, match="ASK"):
        store.ask("SELECT * WHERE { ?s ?p ?o }")


@pytest.fixture
def two_labels(store: Store, ns: str) -> str:
    store.replace_graph(
        ns + "g",
        f'<{ns}a> <{ns}label> "Alpha, \\"one\\"" .\n<{ns}b> <{ns}label> "Beta" .\n'.encode(),
    )
    return f"SELECT ?s ?label WHERE {{ ?s <{ns}label> ?label }} ORDER BY ?label"


def test_query_raw_json(store: Store, ns: str, two_labels: str) -> None:
    results = json.loads(store.query_raw(two_labels, ResultFormat.JSON))
    assert set(results["head"]["vars"]) == {"s", "label"}
    assert [b["label"]["value"] for b in results["results"]["bindings"]] == [
        'Alpha, "one"',
        "Beta",
    ]


def test_query_raw_xml(store: Store, ns: str, two_labels: str) -> None:
    root = ET.fromstring(store.query_raw(two_labels, ResultFormat.XML))
    assert root.tag == SPARQL_RESULTS + "sparql"
    labels = [
        b.find(SPARQL_RESULTS + "literal").text
        for b in root.iter(SPARQL_RESULTS + "binding")
        if b.get("name") == "label"
    ]
    assert labels == ['Alpha, "one"', "Beta"]


def test_query_raw_csv(store: Store, ns: str, two_labels: str) -> None:
    rows = list(csv.reader(io.StringIO(store.query_raw(two_labels, ResultFormat.CSV).decode())))
    assert rows == [["s", "label"], [ns + "a", 'Alpha, "one"'], [ns + "b", "Beta"]]


def test_query_raw_tsv(store: Store, ns: str, two_labels: str) -> None:
    lines = store.query_raw(two_labels, ResultFormat.TSV).decode().splitlines()
    assert [line.split("\t") for line in lines] == [
        ["?s", "?label"],
        [f"<{ns}a>", '"Alpha, \\"one\\""'],
        [f"<{ns}b>", '"Beta"'],
    ]


def test_query_raw_ask_in_json(store: Store, ns: str, two_labels: str) -> None:
    answer = json.loads(store.query_raw(f"ASK {{ <{ns}a> ?p ?o }}", ResultFormat.JSON))
    assert answer["boolean"] is True


@pytest.mark.parametrize(
    ("fmt", "rdflib_format"),
    [
        (ResultFormat.TURTLE, "turtle"),
        (ResultFormat.NTRIPLES, "nt"),
        (ResultFormat.JSONLD, "json-ld"),
        (ResultFormat.RDFXML, "xml"),
    ],
)
def test_query_raw_construct(store: Store, ns: str, fmt: ResultFormat, rdflib_format: str) -> None:
    expected = rich_graph(ns)
    store.replace_graph(ns + "g", nt(expected))
    data = store.query_raw(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ns}g> {{ ?s ?p ?o }} }}", fmt
    )
    assert same(graph_of(data, rdflib_format), expected)


def test_query_raw_refuses_a_format_that_does_not_fit(store: Store) -> None:
    with pytest.raises(UsageError, match="turtle"):
        store.query_raw("SELECT * WHERE { ?s ?p ?o }", ResultFormat.TURTLE)
    with pytest.raises(UsageError, match="RDF"):
        store.query_raw("CONSTRUCT WHERE { ?s ?p ?o }", ResultFormat.JSON)


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA {{ GRAPH <{ns}g> {{ <{ns}a> <{ns}p> <{ns}b> }} }}",
        "DROP ALL",
        "CLEAR GRAPH <{ns}kept>",
        "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <{ns}g>",
    ],
)
def test_queries_refuse_updates_before_they_reach_the_store(
    store: Store, ns: str, update: str
) -> None:
    store.replace_graph(ns + "kept", f"<{ns}a> <{ns}p> <{ns}b> .\n".encode())
    text = update.format(ns=ns)
    for run in (
        lambda: store.query_raw(text, ResultFormat.JSON),
        lambda: store.select(text),
        lambda: store.ask(text),
    ):
        with pytest.raises(UsageError):
            run()
    assert store.read_graph(ns + "g") == b""
    assert count(store, ns + "kept") == 1


@pytest.mark.parametrize(
    "query", ["SELEC * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p }", "", "ASK { FILTER( }"]
)
def test_a_bad_query_is_a_usage_error(store: Store, query: str) -> None:
    with pytest.raises(UsageError, match="SPARQL"):
        store.select(query)
    with pytest.raises(UsageError, match="SPARQL"):
        store.query_raw(query, ResultFormat.CSV)


def test_a_bad_update_is_a_usage_error(store: Store, ns: str) -> None:
    with pytest.raises(UsageError):
        store.update(f"INSERT DATA {{ GRAPH <{ns}g> {{ <{ns}a> <{ns}p> }} }}")
    assert store.read_graph(ns + "g") == b""


def test_federated_queries_are_refused_without_a_request(store: Store, ns: str) -> None:
    with recording_server(b"{}", "application/sparql-results+json") as (url, requests):
        for query in (
            f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <{url}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ \\u0053ERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        ):
            with pytest.raises(UsageError, match="SERVICE"):
                store.query_raw(query, ResultFormat.JSON)
            with pytest.raises(UsageError, match="SERVICE"):
                store.select(query)
    assert requests == []


def test_service_in_a_string_or_name_is_not_a_federated_query(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", f'<{ns}SERVICE> <{ns}p> "SERVICE" .\n'.encode())
    rows = store.select(f'SELECT ?service WHERE {{ ?service <{ns}p> "SERVICE" }} # SERVICE')
    assert rows == [{"service": URIRef(ns + "SERVICE")}]


def test_the_default_graph_is_the_union_of_the_named_graphs(store: Store, ns: str) -> None:
    store.replace_graph(ns + "one", f'<{ns}a> <{ns}p> "from one" .\n'.encode())
    store.replace_graph(
        ns + "two", f'<{ns}b> <{ns}p> "from two" .\n<{ns}a> <{ns}q> <{ns}b> .\n'.encode()
    )
    rows = store.select(f"SELECT ?o WHERE {{ <{ns}a> <{ns}q> ?x . ?x <{ns}p> ?o }}")
    assert rows == [{"o": Literal("from two")}]
    labels = store.select(f"SELECT ?o WHERE {{ ?s <{ns}p> ?o }} ORDER BY ?o")
    assert [row["o"] for row in labels] == [Literal("from one"), Literal("from two")]


def test_from_chooses_the_default_graph(store: Store, ns: str) -> None:
    store.replace_graph(ns + "one", f'<{ns}a> <{ns}p> "from one" .\n'.encode())
    store.replace_graph(ns + "two", f'<{ns}b> <{ns}p> "from two" .\n'.encode())
    rows = store.select(f"SELECT ?o FROM <{ns}one> WHERE {{ ?s <{ns}p> ?o }}")
    assert rows == [{"o": Literal("from one")}]
    both = f"SELECT ?o FROM <{ns}one> FROM <{ns}two> WHERE {{ ?s <{ns}p> ?o }} ORDER BY ?o"
    assert [row["o"] for row in store.select(both)] == [Literal("from one"), Literal("from two")]
    named = f"SELECT ?g FROM NAMED <{ns}two> WHERE {{ GRAPH ?g {{ ?s <{ns}p> ?o }} }}"
    assert store.select(named) == [{"g": URIRef(ns + "two")}]


# Graphs


def test_replace_graph_replaces_and_leaves_other_graphs_alone(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", simple(ns, "old", 5, "old"))
    store.replace_graph(ns + "h", simple(ns, "h", 2))
    store.replace_graph(ns + "g", simple(ns, "new", 3, "new"))
    assert same(graph_of(store.read_graph(ns + "g")), graph_of(simple(ns, "new", 3, "new")))
    assert not store.ask('ASK { ?s ?p "old 0" }')
    assert count(store, ns + "h") == 2


def test_replace_graph_with_nothing_removes_it(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", simple(ns, "g", 3))
    store.replace_graph(ns + "g", b"")
    assert store.read_graph(ns + "g") == b""
    assert ns + "g" not in store.graphs()


def test_replace_graphs_replaces_each(store: Store, ns: str) -> None:
    store.replace_graphs({ns + "a": simple(ns, "a", 2), ns + "b": simple(ns, "b", 2)})
    store.replace_graphs({ns + "a": simple(ns, "a2", 1), ns + "b": b""})
    assert count(store, ns + "a") == 1
    assert store.read_graph(ns + "b") == b""


def test_the_same_blank_node_label_in_two_graphs_is_two_nodes(store: Store, ns: str) -> None:
    store.replace_graphs(
        {
            ns + "one": f'<{ns}s1> <{ns}q> _:x .\n_:x <{ns}p> "one" .\n'.encode(),
            ns + "two": f'<{ns}s2> <{ns}q> _:x .\n_:x <{ns}p> "two" .\n'.encode(),
        }
    )
    rows = store.select(f"SELECT ?s ?v WHERE {{ ?s <{ns}q> ?b . ?b <{ns}p> ?v }} ORDER BY ?s")
    assert [(str(r["s"]), str(r["v"])) for r in rows] == [(ns + "s1", "one"), (ns + "s2", "two")]


def test_replace_graphs_of_nothing_changes_nothing(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", simple(ns, "g", 1))
    store.replace_graphs({})
    assert count(store, ns + "g") == 1


def test_replace_is_atomic_for_readers(store: Store, ns: str) -> None:
    """A reader counting the graph while it is replaced sees the old size or the new one."""
    old, new = simple(ns, "old", 2000), simple(ns, "new", 3000)
    store.replace_graph(ns + "g", old)
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(count(store, ns + "g"))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for data in (new, old, new):
            store.replace_graph(ns + "g", data)
    finally:
        done.set()
        reader.join(timeout=120)
    assert seen <= {2000, 3000}
    assert count(store, ns + "g") == 3000


def test_read_graph_round_trips_every_kind_of_term(store: Store, ns: str) -> None:
    expected = rich_graph(ns)
    store.replace_graph(ns + "g", nt(expected))
    back = graph_of(store.read_graph(ns + "g"))
    assert same(back, expected)
    tags = {o.language for o in back.objects() if isinstance(o, Literal) and o.language}
    assert {t.lower() for t in tags} == {"de-ch", "en"}  # stores may lower-case tags
    assert max(len(o) for o in back.objects() if isinstance(o, Literal)) == 100_000


@pytest.mark.slow
def test_blank_nodes_survive_with_fresh_labels(store: Store, ns: str) -> None:
    """Many small blank node structures and one long chain (larger than one update batch)."""
    lines = []
    for i in range(120):
        lines.append(f'<{ns}s{i}> <{ns}checksum> _:c{i} .\n_:c{i} <{ns}value> "{i}" .\n')
    lines.append(f"<{ns}list> <{ns}first> _:n0 .\n")
    lines += [f"_:n{i} <{ns}next> _:n{i + 1} .\n" for i in range(120)]
    expected = graph_of("".join(lines).encode())
    store.replace_graph(ns + "g", nt(expected))
    back = graph_of(store.read_graph(ns + "g"))
    assert same(back, expected)
    store.replace_graph(ns + "g", nt(back))
    assert same(graph_of(store.read_graph(ns + "g")), expected)


@pytest.mark.slow
def test_a_large_graph(store: Store, ns: str) -> None:
    data = simple(ns, "big", 100_000, "value number")
    store.replace_graph(ns + "g", data)
    assert count(store, ns + "g") == 100_000
    back = store.read_graph(ns + "g")
    assert len(back.splitlines()) == 100_000
    assert set(ox.parse(back, format=ox.RdfFormat.N_TRIPLES)) == set(
        ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    )


def test_read_graph_of_a_missing_graph_is_empty(store: Store, ns: str) -> None:
    assert store.read_graph(ns + "missing") == b""


def test_drop_graph(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", simple(ns, "g", 3))
    store.replace_graph(ns + "h", simple(ns, "h", 1))
    store.drop_graph(ns + "g")
    store.drop_graph(ns + "g")
    store.drop_graph(ns + "never")
    assert store.read_graph(ns + "g") == b""
    assert [g for g in store.graphs() if g.startswith(ns)] == [ns + "h"]


def test_graphs_lists_the_named_graphs(store: Store, ns: str) -> None:
    names = [ns + "b", ns + "a", ns + "c/d"]
    for name in names:
        store.replace_graph(name, simple(ns, "x", 1))
    assert [g for g in store.graphs() if g.startswith(ns)] == sorted(names)


@pytest.mark.parametrize(
    "graph", ["urn:x> } ; DROP ALL ; INSERT DATA { GRAPH <urn:y", "not an iri", "relative/path"]
)
def test_a_graph_name_that_is_not_an_iri_is_refused(store: Store, ns: str, graph: str) -> None:
    store.replace_graph(ns + "kept", simple(ns, "k", 1))
    for run in (
        lambda: store.replace_graph(graph, simple(ns, "g", 1)),
        lambda: store.read_graph(graph),
        lambda: store.drop_graph(graph),
        lambda: store.dump(io.BytesIO(), DumpFormat.NQUADS, [graph]),
    ):
        with pytest.raises(UsageError, match="IRI"):
            run()
    assert count(store, ns + "kept") == 1


def test_triples_that_are_not_ntriples_are_refused(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", simple(ns, "k", 2))
    hostile = f"<{ns}a> <{ns}p> <{ns}b> }} }} ; DROP ALL ; INSERT DATA {{ GRAPH <{ns}x> {{ <{ns}a> <{ns}p> <{ns}b> .\n"
    with pytest.raises(UsageError, match="N-Triples"):
        store.replace_graph(ns + "g", hostile.encode())
    assert count(store, ns + "g") == 2


# Backup and restore


def dataset(ns: str) -> str:
    return (
        f'<{ns}g1> {{ <{ns}a> <{ns}p> "one"@en , _:b1 . _:b1 <{ns}q> "inner" . }}\n'
        f'<{ns}g2> {{ <{ns}b> <{ns}p> "2"^^<{xsd("integer")}> . }}\n'
        f'<{ns}g3> {{ <{ns}c> <{ns}p> "ünï 😀" . }}\n'
    )


@pytest.mark.parametrize("fmt", [DumpFormat.TRIG, DumpFormat.NQUADS])
def test_load_and_dump_round_trip(store: Store, ns: str, fmt: DumpFormat) -> None:
    source = rdflib.Dataset()
    source.parse(data=dataset(ns), format="trig")
    store.load(source.serialize(format=fmt.value, encoding="utf-8"), fmt)
    out = io.BytesIO()
    store.dump(out, fmt, [ns + "g1", ns + "g2"])
    back = rdflib.Dataset()
    back.parse(data=out.getvalue(), format=fmt.value)
    names = {str(g.identifier) for g in back.graphs() if len(g)}
    assert names == {ns + "g1", ns + "g2"}
    for name in names:
        assert same(back.graph(URIRef(name)), source.graph(URIRef(name)))
    assert count(store, ns + "g3") == 1


def test_load_adds_to_existing_graphs(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g1", simple(ns, "before", 2))
    store.load(dataset(ns).encode(), DumpFormat.TRIG)
    assert count(store, ns + "g1") == 5


def test_load_accepts_a_binary_stream(store: Store, ns: str) -> None:
    store.load(io.BytesIO(dataset(ns).encode()), DumpFormat.TRIG)
    assert {ns + "g1", ns + "g2", ns + "g3"} <= set(store.graphs())


def test_load_refuses_bad_data(store: Store, ns: str) -> None:
    with pytest.raises(UsageError, match="trig"):
        store.load(f"<{ns}g> {{ <{ns}a> <{ns}p> }}".encode(), DumpFormat.TRIG)


def test_dump_of_a_missing_graph_writes_nothing(store: Store, ns: str) -> None:
    out = io.BytesIO()
    store.dump(out, DumpFormat.NQUADS, [ns + "missing"])
    assert out.getvalue().strip() == b""
