"""What only the remote store does: credentials, errors, the protocol on the wire, and
Virtuoso's result limit."""

from __future__ import annotations

import base64
import contextlib
import http.server
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from nif.errors import StoreError, UsageError
from nif.settings import Settings
from nif.store import DumpFormat, ResultFormat, open_store
from nif.store._remote import RemoteStore
from tests import virtuoso as virtuoso_server
from tests.conftest import require_virtuoso

WRONG = "Wr0ng-pässword:@/"


@contextlib.contextmanager
def fake_endpoint(
    status: int = 200,
    body: bytes = b'{"head": {}, "boolean": true}',
    content_type: str = "application/sparql-results+json",
    delay: float = 0.0,
) -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A loopback HTTP server answering every request alike and recording each one."""
    requests: list[dict[str, object]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            requests.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length),
                }
            )
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Credentials


def test_credentials_in_the_url_are_used_and_never_shown(
    virtuoso: virtuoso_server.Virtuoso,
) -> None:
    port = virtuoso.http_port
    url = f"http://dba:{quote(virtuoso.password, safe='')}@127.0.0.1:{port}/sparql-auth"
    with RemoteStore(url, auth="digest") as store:
        assert store.ask("ASK {}") is True
        assert store.location == virtuoso.sparql_url
        assert virtuoso.password not in repr(store)
        assert quote(virtuoso.password, safe="") not in repr(store)


def test_open_store_with_settings_reaches_virtuoso(virtuoso: virtuoso_server.Virtuoso) -> None:
    settings = virtuoso.settings_for(Settings())
    with open_store(settings) as store:
        assert isinstance(store, RemoteStore)
        assert store.location == virtuoso.sparql_url
        assert store.select("SELECT (1 AS ?one) WHERE {}")[0]["one"].toPython() == 1


def test_a_wrong_password_is_a_store_error_without_the_password(
    virtuoso: virtuoso_server.Virtuoso,
) -> None:
    for store in (
        RemoteStore(virtuoso.sparql_url, user="dba", password=WRONG, auth="digest"),
        RemoteStore(
            f"http://dba:{quote(WRONG, safe='')}@127.0.0.1:{virtuoso.http_port}/sparql-auth",
            auth="digest",
        ),
    ):
        with store, pytest.raises(StoreError) as caught:
            store.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
        message = str(caught.value)
        assert "401" in message
        assert virtuoso.sparql_url in message
        assert WRONG not in message
        assert quote(WRONG, safe="") not in message


def test_basic_auth_against_a_digest_endpoint_is_refused(
    virtuoso: virtuoso_server.Virtuoso,
) -> None:
    with (
        RemoteStore(virtuoso.sparql_url, user="dba", password=virtuoso.password) as store,
        pytest.raises(StoreError, match="401"),
    ):
        store.ask("ASK {}")


def test_basic_auth_is_sent_as_configured() -> None:
    with fake_endpoint() as (url, requests):
        settings = Settings(store=url, store_user="reader", store_password="s3cret:x")
        with RemoteStore.from_settings(url, settings) as store:
            assert store.ask("ASK {}") is True
    expected = base64.b64encode(b"reader:s3cret:x").decode()
    assert requests[0]["headers"]["Authorization"] == f"Basic {expected}"


def test_an_unknown_auth_scheme_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="basic or digest"):
        RemoteStore("http://127.0.0.1:9/sparql", user="u", password="p", auth="ntlm")


@pytest.mark.parametrize("url", ["ftp://host/sparql", "http:///sparql", "registry.example/sparql"])
def test_a_bad_url_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        RemoteStore(url)


# Errors


def test_an_unreachable_endpoint_names_the_url_without_the_password() -> None:
    port = closed_port()
    with (
        RemoteStore(f"http://admin:{quote(WRONG, safe='')}@127.0.0.1:{port}/sparql") as store,
        pytest.raises(StoreError) as caught,
    ):
        store.select("SELECT * WHERE { ?s ?p ?o }")
    message = str(caught.value)
    assert f"http://127.0.0.1:{port}/sparql" in message
    assert "cannot reach" in message
    assert WRONG not in message
    assert quote(WRONG, safe="") not in message
    assert "admin" not in message


def test_an_endpoint_error_gives_the_status_and_an_excerpt_without_the_password() -> None:
    body = f"Internal failure while serving user admin with password {WRONG}; " + "x" * 5000
    with (
        fake_endpoint(500, body.encode(), "text/plain") as (url, _),
        RemoteStore(url, user="admin", password=WRONG) as store,
        pytest.raises(StoreError) as caught,
    ):
        store.select("SELECT * WHERE { ?s ?p ?o }")
    message = str(caught.value)
    assert "HTTP 500" in message
    assert "Internal failure" in message
    assert WRONG not in message
    assert len(message) < 600


def test_an_endpoint_that_does_not_answer_in_time() -> None:
    with (
        fake_endpoint(delay=3) as (url, _),
        RemoteStore(url, timeout=0.5) as store,
        pytest.raises(StoreError, match=r"no answer within 0\.5 s"),
    ):
        store.ask("ASK {}")


def test_an_answer_that_is_not_sparql_results_is_a_store_error() -> None:
    with (
        fake_endpoint(200, b"<html>login page</html>", "text/html") as (url, _),
        RemoteStore(url) as store,
        pytest.raises(StoreError, match="JSON results"),
    ):
        store.select("SELECT * WHERE { ?s ?p ?o }")


def test_an_update_the_endpoint_refuses_is_a_usage_error(
    virtuoso: virtuoso_server.Virtuoso,
) -> None:
    """Virtuoso 7 refuses blank nodes in INSERT DATA; the store says so, with its message."""
    with (
        open_store(virtuoso.settings_for(Settings())) as store,
        pytest.raises(UsageError, match=r"refused the update.*HTTP 400.*lank node"),
    ):
        store.update("INSERT DATA { GRAPH <urn:nif-test:bnode> { <urn:a> <urn:p> _:b } }")


# On the wire


def test_the_protocols_on_the_wire() -> None:
    """Queries form-encoded (Virtuoso never answers application/sparql-query), updates as
    application/sparql-update, no Virtuoso pragma for another server."""
    with (
        fake_endpoint() as (url, requests),
        RemoteStore(url + "/query", update_url=url + "/update") as store,
    ):
        store.ask("ASK { ?s ?p ?o }")
        store.update("CLEAR GRAPH <urn:g>")
    query, update = requests
    assert query["path"] == "/query"
    assert query["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert query["body"] == b"query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D"
    assert query["headers"]["Accept"] == "application/sparql-results+json"
    assert update["path"] == "/update"
    assert update["headers"]["Content-Type"] == "application/sparql-update"
    assert update["body"] == b"CLEAR GRAPH <urn:g>"


def test_the_graph_store_protocol_on_the_wire() -> None:
    triples = b"<urn:a> <urn:p> <urn:b> .\n"
    with (
        fake_endpoint(200, triples, "application/n-triples") as (url, requests),
        RemoteStore(url + "/sparql", graph_url=url + "/rdf-graph-store") as store,
    ):
        assert store.read_graph("urn:g") == triples
        store.drop_graph("urn:g")
        store.load(b"<urn:a> <urn:p> <urn:b> <urn:g> .\n", DumpFormat.NQUADS)
    read, drop, load = requests
    assert (read["method"], read["path"]) == ("GET", "/rdf-graph-store?graph=urn%3Ag")
    assert read["headers"]["Accept"] == "application/n-triples"
    assert (drop["method"], drop["path"]) == ("DELETE", "/rdf-graph-store?graph=urn%3Ag")
    assert (load["method"], load["path"]) == ("POST", "/rdf-graph-store?graph=urn%3Ag")
    assert load["body"] == triples


def test_settings_urls_apply_to_their_own_endpoint_only() -> None:
    settings = Settings(
        store="https://registry.example/sparql",
        store_update_url="https://registry.example/update",
        store_graph_url="https://registry.example/data",
    )
    with (
        fake_endpoint() as (url, requests),
        RemoteStore.from_settings(url + "/other", settings) as store,
    ):
        store.update("CLEAR GRAPH <urn:g>")
    assert [r["path"] for r in requests] == ["/other", "/other"]


def test_load_refuses_triples_outside_a_named_graph() -> None:
    with (
        RemoteStore("http://127.0.0.1:9/sparql") as store,
        pytest.raises(UsageError, match="outside any named graph"),
    ):
        store.load(b"<urn:a> <urn:p> <urn:b> .\n", DumpFormat.NQUADS)


# Virtuoso's result limit


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    """A Virtuoso that cuts results at 100 rows, like one left at its 10,000 default."""
    require_virtuoso()
    directory: Path = tmp_path_factory.mktemp("virtuoso-capped")
    with (
        virtuoso_server.running(directory, max_rows=100) as server,
        open_store(server.settings_for(Settings())) as store,
    ):
        store.replace_graph("urn:nif-test:big", _triples(150))
        yield store


def _triples(count: int) -> bytes:
    return "".join(f'<urn:s{i}> <urn:p> "{i}" .\n' for i in range(count)).encode()


def test_a_cut_select_is_an_error_not_a_short_answer(capped: RemoteStore) -> None:
    with pytest.raises(StoreError, match=r"cut the results at 100 rows.*ResultSetMaxRows"):
        capped.select("SELECT * WHERE { GRAPH <urn:nif-test:big> { ?s ?p ?o } }")
    with pytest.raises(StoreError, match="cut the results"):
        capped.query_raw("SELECT * WHERE { ?s <urn:p> ?o }", ResultFormat.CSV)
    assert len(capped.select("SELECT * WHERE { ?s <urn:p> ?o } LIMIT 50")) == 50


def test_a_cut_graph_read_is_an_error(capped: RemoteStore) -> None:
    with pytest.raises(StoreError, match=r"sent 10\d of the 150 triples of <urn:nif-test:big>"):
        capped.read_graph("urn:nif-test:big")
    with pytest.raises(StoreError, match="150 triples"):
        capped.dump(io.BytesIO(), DumpFormat.NQUADS, ["urn:nif-test:big"])
