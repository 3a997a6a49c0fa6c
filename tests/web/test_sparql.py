"""The SPARQL 1.1 Protocol endpoint through a real server: real clients (SPARQLWrapper, rdflib's
SPARQLStore), the protocol's three ways to send a query, content negotiation, refusals, and the
time, size and concurrency limits."""

from __future__ import annotations

import csv
import io
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from nif.web import _streaming
from tests.conftest import recording_server
from tests.web.conftest import LiveServer

PREFIXES = """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
"""
INTERFACES = PREFIXES + (
    "SELECT ?id WHERE { ?i a dcat:DataService ; dct:identifier ?id } ORDER BY ?id"
)
DESCRIBE_BIRTH = PREFIXES + (
    'CONSTRUCT { ?i ?p ?o } WHERE { ?i a dcat:DataService ; dct:identifier "civreg-birth" ; ?p ?o }'
)
ASK_BIRTH = PREFIXES + 'ASK { ?i a dcat:DataService ; dct:identifier "civreg-birth" }'
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"
DCAT_SERVICE = rdflib.URIRef("http://www.w3.org/ns/dcat#DataService")


def cross_join(select: str = "*") -> str:
    """Every triple of the demo registry three times over: about 500 million rows."""
    return f"SELECT {select} WHERE {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }}"


def fruitless_join() -> str:
    """A join that finds nothing for long: no row to write before the time limit."""
    return (
        "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f "
        "FILTER (STRLEN(CONCAT(STR(?b), STR(?d), STR(?f))) < 0) }"
    )


def slow_count() -> str:
    """A count that Oxigraph evaluates in one step it cannot interrupt, for a few seconds."""
    values = " ".join(str(i) for i in range(10))
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?b . ?c ?q ?d . VALUES ?k {{ {values} }} }}"


@pytest.fixture(scope="module")
def interface_ids(server: LiveServer) -> list[str]:
    """The interface identifiers, read through the endpoint's default format."""
    with server.client() as client:
        response = client.get("/sparql", params={"query": INTERFACES})
    assert response.status_code == 200, response.text
    ids = [row["id"]["value"] for row in response.json()["results"]["bindings"]]
    assert "civreg-birth" in ids and len(ids) >= 8
    return ids


def wrapper(
    server: LiveServer, query: str, fmt: str, method: str = "GET", encoding: str = URLENCODED
) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setRequestMethod(encoding)
    return sparql


def error(response: httpx.Response, status: int, code: str) -> str:
    """The message of a JSON error body, after checking its status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["status"], body["error"]) == (status, code), body
    return str(body["message"])


# Real clients


@pytest.mark.parametrize(
    ("method", "encoding"), [("GET", URLENCODED), ("POST", URLENCODED), ("POST", POSTDIRECTLY)]
)
def test_sparqlwrapper_json(
    server: LiveServer, interface_ids: list[str], method: str, encoding: str
) -> None:
    results = wrapper(server, INTERFACES, JSON, method, encoding).queryAndConvert()
    assert [row["id"]["value"] for row in results["results"]["bindings"]] == interface_ids


def test_sparqlwrapper_xml(server: LiveServer, interface_ids: list[str]) -> None:
    document = wrapper(server, INTERFACES, XML).queryAndConvert()
    literals = document.getElementsByTagName("literal")
    assert [node.firstChild.data for node in literals] == interface_ids


def test_sparqlwrapper_csv(server: LiveServer, interface_ids: list[str]) -> None:
    data = wrapper(server, INTERFACES, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows == [["id"]] + [[i] for i in interface_ids]


def test_sparqlwrapper_tsv(server: LiveServer, interface_ids: list[str]) -> None:
    lines = wrapper(server, INTERFACES, TSV).queryAndConvert().decode().splitlines()
    assert lines == ["?id"] + [f'"{i}"' for i in interface_ids]


def test_sparqlwrapper_ask(server: LiveServer) -> None:
    assert wrapper(server, ASK_BIRTH, JSON).queryAndConvert()["boolean"] is True
    missing = ASK_BIRTH.replace("civreg-birth", "no-such-interface")
    assert wrapper(server, missing, XML).queryAndConvert().getElementsByTagName("boolean")


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt", [RDFXML, TURTLE, N3, JSONLD, XML])
def test_sparqlwrapper_construct_into_an_rdflib_graph(server: LiveServer, fmt: str) -> None:
    graph = wrapper(server, DESCRIBE_BIRTH, fmt).queryAndConvert()
    if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle and N3 over unparsed
        graph = rdflib.Graph().parse(data=graph, format="turtle")
    assert isinstance(graph, rdflib.Graph)
    assert len(graph) > 5
    assert (None, rdflib.RDF.type, DCAT_SERVICE) in graph


def test_rdflib_sparqlstore(server: LiveServer, interface_ids: list[str]) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql"))
    rows = graph.query(INTERFACES)
    assert [str(row.id) for row in rows] == interface_ids  # type: ignore[union-attr]
    assert graph.query(ASK_BIRTH).askAnswer is True
    described = graph.query(DESCRIBE_BIRTH).graph
    assert described is not None and (None, rdflib.RDF.type, DCAT_SERVICE) in described


def test_rdflib_sparqlstore_by_post(server: LiveServer, interface_ids: list[str]) -> None:
    for method in ("POST", "POST_FORM"):
        graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql", method=method))
        assert [str(row.id) for row in graph.query(INTERFACES)] == interface_ids  # type: ignore[union-attr]


# The protocol


def test_get_post_form_and_post_body_give_the_same_results(
    client: httpx.Client, interface_ids: list[str]
) -> None:
    answers = [
        client.get("/sparql", params={"query": INTERFACES}),
        client.post("/sparql", data={"query": INTERFACES}),
        client.post(
            "/sparql",
            content=INTERFACES.encode(),
            headers={"Content-Type": "application/sparql-query; charset=utf-8"},
        ),
    ]
    for response in answers:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/sparql-results+json"
        ids = [row["id"]["value"] for row in response.json()["results"]["bindings"]]
        assert ids == interface_ids


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv, application/sparql-results+xml;q=0.9", "text/csv; charset=utf-8"),
        ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
        ("text/*", "text/csv; charset=utf-8"),
        ("text/html, application/xhtml+xml, */*;q=0.8", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(
    client: httpx.Client, accept: str | None, expected: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": INTERFACES}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == expected
    assert "Accept" in response.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "expected", "rdflib_format"),
    [
        (None, "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/rdf+xml;q=0.2, text/turtle;q=0.1", "application/rdf+xml", "xml"),
        ("application/sparql-results+json, */*;q=0.1", "text/turtle; charset=utf-8", "turtle"),
    ],
)
def test_construct_content_negotiation(
    client: httpx.Client, accept: str | None, expected: str, rdflib_format: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": DESCRIBE_BIRTH}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == expected
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    assert (None, rdflib.RDF.type, DCAT_SERVICE) in graph


def test_describe_gives_rdf(client: httpx.Client) -> None:
    query = PREFIXES + 'DESCRIBE ?i WHERE { ?i dct:identifier "civreg-birth" }'
    response = client.get("/sparql", params={"query": query, "format": "ntriples"})
    assert response.status_code == 200, response.text
    assert (None, rdflib.RDF.type, DCAT_SERVICE) in rdflib.Graph().parse(
        data=response.content, format="nt"
    )


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("tsv", "text/tab-separated-values; charset=utf-8"),
        ("xml", "application/sparql-results+xml"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ],
)
def test_the_format_parameter_wins_over_accept(
    client: httpx.Client, fmt: str, expected: str
) -> None:
    response = client.get(
        "/sparql", params={"query": INTERFACES, "format": fmt}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == expected


def test_nothing_acceptable_is_406(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": INTERFACES}, headers={"Accept": "image/png"})
    message = error(response, 406, "not_acceptable")
    assert "image/png" in message and "application/sparql-results+json" in message
    response = client.get(
        "/sparql", params={"query": DESCRIBE_BIRTH}, headers={"Accept": "text/csv"}
    )
    assert "text/turtle" in error(response, 406, "not_acceptable")
    response = client.get("/sparql", params={"query": DESCRIBE_BIRTH, "format": "tsv"})
    assert "CONSTRUCT" in error(response, 406, "not_acceptable")


def test_an_unknown_format_is_400(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": INTERFACES, "format": "yaml"})
    message = error(response, 400, "bad_request")
    assert "'yaml'" in message and "json, xml, csv, tsv" in message


# Refusals


def test_updates_are_refused_and_change_nothing(make_server: Callable[..., LiveServer]) -> None:
    live = make_server()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    insert = 'INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> "c" } }'
    with live.client() as client:

        def triples() -> int:
            response = client.get("/sparql", params={"query": count})
            return int(response.json()["results"]["bindings"][0]["n"]["value"])

        before = triples()
        refused = [
            client.get("/sparql", params={"update": insert}),
            client.post("/sparql", data={"update": insert}),
            client.post(
                "/sparql",
                content=insert.encode(),
                headers={"Content-Type": "application/sparql-update"},
            ),
        ]
        for response in refused:
            assert "read-only" in error(response, 403, "forbidden")
        for text in (insert, "PREFIX ex: <urn:ex:>\n# comment\nDROP ALL", "CLEAR DEFAULT"):
            for response in (
                client.get("/sparql", params={"query": text}),
                client.post("/sparql", data={"query": text}),
            ):
                assert "SPARQL Update" in error(response, 400, "bad_request")
        assert triples() == before > 0


def test_federated_queries_are_refused_without_a_request(client: httpx.Client) -> None:
    with recording_server(b"<urn:a> <urn:b> <urn:c> .", "application/n-triples") as (url, seen):
        query = f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"
        response = client.get("/sparql", params={"query": query})
        assert "SERVICE" in error(response, 400, "bad_request")
        assert seen == []


def test_a_syntax_error_says_where(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p }"})
    message = error(response, 400, "bad_request")
    assert "not a SPARQL 1.1 query" in message and "2:" in message


@pytest.mark.parametrize(
    ("request_args", "status", "code", "words"),
    [
        # without any parameter, GET /sparql describes the service (tests/web/test_linked_data.py)
        ({"method": "GET", "url": "/sparql?format=json"}, 400, "bad_request", "no query"),
        ({"method": "GET", "url": "/sparql?query=%20"}, 400, "bad_request", "empty"),
        (
            {"method": "POST", "url": "/sparql", "data": {"format": "json"}},
            400,
            "bad_request",
            "no query",
        ),
        (
            {"method": "POST", "url": "/sparql", "content": b"x", "headers": {}},
            415,
            "unsupported_media_type",
            "application/sparql-query",
        ),
        (
            {
                "method": "POST",
                "url": "/sparql",
                "content": "SELECT ?x WHERE { ?x ?p 'é' }".encode("latin-1"),
                "headers": {"Content-Type": "application/sparql-query"},
            },
            400,
            "bad_request",
            "UTF-8",
        ),
        (
            {
                "method": "POST",
                "url": "/sparql",
                "content": b"query=" + b"x" * (1024 * 1024 + 1),
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            413,
            "too_large",
            "1024 KiB",
        ),
        (
            {
                "method": "GET",
                "url": "/sparql",
                "params": {"query": INTERFACES, "default-graph-uri": "urn:g"},
            },
            400,
            "bad_request",
            "default-graph-uri",
        ),
        (
            {
                "method": "POST",
                "url": "/sparql",
                "data": {"query": INTERFACES, "named-graph-uri": "urn:g"},
            },
            400,
            "bad_request",
            "named-graph-uri",
        ),
    ],
)
def test_bad_requests_say_what_is_wrong(
    client: httpx.Client, request_args: dict[str, object], status: int, code: str, words: str
) -> None:
    response = client.request(**request_args)  # type: ignore[arg-type]
    assert words in error(response, status, code)


# Limits


def test_the_embedded_store_is_answered_without_a_thread_per_chunk(
    make_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The query worker's pipe is waited on in the event loop: a thread hop per request cost
    the service more CPU than a small query does."""

    async def no_thread(*args: object) -> None:
        raise AssertionError("a thread hop")

    monkeypatch.setattr(_streaming, "run_in_threadpool", no_thread)
    live = make_server()
    with live.client() as client:
        assert client.get("/sparql", params={"query": ASK_BIRTH}).json()["boolean"] is True


def test_a_query_past_the_time_limit_is_503(make_server: Callable[..., LiveServer]) -> None:
    live = make_server(sparql_timeout=0.3, sparql_max_rows=0)
    with live.client() as client:
        response = client.get("/sparql", params={"query": fruitless_join()})
        message = error(response, 503, "query_timeout")
        assert "0.3 s" in message and "sparql_timeout" in message
        assert response.headers["retry-after"]
        assert client.get("/sparql", params={"query": ASK_BIRTH}).status_code == 200


@pytest.mark.parametrize(
    ("limits", "fmt"),
    [
        ({"sparql_timeout": 0.5, "sparql_max_rows": 0}, "json"),
        ({"sparql_max_rows": 3000}, "json"),
        ({"sparql_max_rows": 3000}, "xml"),
        ({"sparql_max_rows": 3000}, "csv"),
        ({"sparql_max_rows": 3000}, "tsv"),
    ],
)
def test_a_limit_passed_mid_answer_cuts_it_off(
    make_server: Callable[..., LiveServer],
    monkeypatch: pytest.MonkeyPatch,
    limits: dict[str, float],
    fmt: str,
) -> None:
    """Past what is held the answer is streamed with status 200: a limit passed after that
    closes the connection without the chunked body's end, never a complete answer."""
    monkeypatch.setattr(_streaming, "HOLD_BYTES", 256 * 1024)
    live = make_server(**limits)
    with live.client() as client:
        with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
            client.get("/sparql", params={"query": cross_join(), "format": fmt})
        assert client.get("/sparql", params={"query": ASK_BIRTH}).status_code == 200


def test_a_result_over_the_row_limit_is_refused_before_it_would_stream(
    make_server: Callable[..., LiveServer],
) -> None:
    """An answer is held up to a few MiB before it streams, so that one over the row limit
    still gets its 422 and the message saying what to do."""
    live = make_server(sparql_max_rows=3000)
    with live.client() as client:
        response = client.get("/sparql", params={"query": cross_join(), "format": "json"})
        assert "more than 3,000 rows" in error(response, 422, "result_too_large")


def test_a_large_answer_is_streamed_whole(
    make_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_streaming, "HOLD_BYTES", 256 * 1024)
    live = make_server(sparql_max_rows=0)
    query = cross_join() + " LIMIT 20000"
    with live.client() as client:
        response = client.get("/sparql", params={"query": query, "format": "tsv"})
        assert response.headers.get("transfer-encoding") == "chunked"
        assert response.text.count("\n") == 20001


def test_a_client_leaving_mid_answer_frees_its_slot(
    make_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The only slot's worker is stopped when its reader goes: the next query is answered."""
    monkeypatch.setattr(_streaming, "HOLD_BYTES", 256 * 1024)
    live = make_server(sparql_max_rows=0, sparql_max_concurrent=1)
    with live.client() as client:
        with client.stream("GET", "/sparql", params={"query": cross_join()}) as response:
            assert response.headers.get("transfer-encoding") == "chunked"
            assert next(response.iter_bytes())
        for _ in range(100):  # the service notices the closed connection at its next write
            status = client.get("/sparql", params={"query": ASK_BIRTH}).status_code
            if status != 429:
                break
            threading.Event().wait(0.1)
        assert status == 200


def test_a_result_over_the_row_limit_is_422(make_server: Callable[..., LiveServer]) -> None:
    live = make_server(sparql_max_rows=5)
    with live.client() as client:
        response = client.get("/sparql", params={"query": INTERFACES})
        message = error(response, 422, "result_too_large")
        assert "more than 5 rows" in message and "LIMIT" in message
        response = client.get("/sparql", params={"query": DESCRIBE_BIRTH})
        assert "more than 5 triples" in error(response, 422, "result_too_large")
        response = client.get("/sparql", params={"query": INTERFACES + " LIMIT 5"})
        assert len(response.json()["results"]["bindings"]) == 5


def test_a_runaway_query_is_stopped_and_frees_its_slot(
    make_server: Callable[..., LiveServer],
) -> None:
    """Oxigraph cannot interrupt a count: its worker process is killed at the time limit, so
    the only slot is free for the next query as soon as the 503 is answered."""
    live = make_server(sparql_timeout=0.3, sparql_max_concurrent=1)
    with live.client() as client:
        response = client.get("/sparql", params={"query": slow_count()})
        assert "0.3 s" in error(response, 503, "query_timeout")
        assert int(response.headers["retry-after"]) > 0
        response = client.get("/sparql", params={"query": ASK_BIRTH})
        assert response.status_code == 200, response.text
        assert response.json()["boolean"] is True


def test_queries_are_answered_while_others_run_past_their_limit(
    make_server: Callable[..., LiveServer],
) -> None:
    """While a runaway query holds one slot, the other answers queries."""
    live = make_server(sparql_timeout=3, sparql_max_concurrent=2)
    with live.client() as client:
        assert client.get("/sparql", params={"query": ASK_BIRTH}).status_code == 200
        runaway: list[httpx.Response] = []
        thread = threading.Thread(
            target=lambda: runaway.append(
                client.get("/sparql", params={"query": cross_join("(COUNT(*) AS ?n)")})
            )
        )
        thread.start()
        answers = [client.get("/sparql", params={"query": ASK_BIRTH}) for _ in range(3)]
        thread.join()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert runaway[0].status_code == 503


def test_a_write_is_seen_by_the_next_query(make_server: Callable[..., LiveServer]) -> None:
    """Queries run over a snapshot of the store: one taken after the last write."""
    live = make_server()
    ask_gone = ASK_BIRTH.replace("civreg-birth", "civreg-address")
    with live.client() as reader, live.client(live.token("admin")) as admin:
        assert reader.get("/sparql", params={"query": ask_gone}).json()["boolean"] is True
        assert admin.delete("/api/records/civreg-address").status_code == 200
        assert reader.get("/sparql", params={"query": ask_gone}).json()["boolean"] is False


# OpenAPI


def test_openapi_documents_the_endpoint(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]["/sparql"]
    get, post = paths["get"], paths["post"]
    assert get["summary"] and post["summary"]
    assert {p["name"] for p in get["parameters"]} >= {"query", "format", "default-graph-uri"}
    media_types = set(get["responses"]["200"]["content"])
    assert {"application/sparql-results+json", "text/csv", "text/turtle"} <= media_types
    assert {"application/ld+json", "application/rdf+xml"} <= media_types
    body = set(post["requestBody"]["content"])
    assert body == {"application/x-www-form-urlencoded", "application/sparql-query"}
    assert {"406", "422", "429", "503"} <= set(get["responses"])


def test_results_parse_as_what_they_claim(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": INTERFACES, "format": "xml"})
    root = ET.fromstring(response.content)
    assert root.tag == SPARQL_RESULTS + "sparql"
    response = client.get("/sparql", params={"query": ASK_BIRTH})
    assert json.loads(response.content) == {"head": {}, "boolean": True}
