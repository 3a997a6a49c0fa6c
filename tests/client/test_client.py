"""`nif.client.Client` against a real service (uvicorn on loopback, over a copy of the demo
home) and against hostile servers (real sockets answering garbage, endless bodies, redirects):
nif's own types back, nif's own errors raised, the token never sent astray or shown."""

from __future__ import annotations

import contextlib
import http.server
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.client import Client
from nif.errors import (
    AuthenticationError,
    DetectionError,
    NotFoundError,
    PreconditionFailedError,
    RejectedError,
    ServiceError,
    UsageError,
)
from nif.report import Report
from tests.conftest import ROOT
from tests.web.conftest import LiveServer

BIRTH = ROOT / "registry/interfaces/civreg-birth"
EXAMPLES = BIRTH / "examples/2.0.0/BirthNotification"
SECRET = "nif_0123456789abcdef_TOPSECRETTOKENVALUE"

MakeServer = Callable[..., LiveServer]


# a hostile server


@contextlib.contextmanager
def hostile(
    answer: Callable[[http.server.BaseHTTPRequestHandler], None],
) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A real HTTP server on loopback whose every request `answer` handles; the headers of each
    request are recorded."""
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            seen.append(dict(self.headers))
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer(self)

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _reply(status: int, body: bytes, content_type: str, **headers: str) -> Callable[..., None]:
    def answer(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def test_garbage_is_a_service_error_naming_the_server_not_the_token() -> None:
    with (
        hostile(_reply(200, b"\x00\xffnot json", "application/json")) as (url, _),
        Client(url, token=SECRET) as client,
        pytest.raises(ServiceError) as caught,
    ):
        client.records()
    assert url in str(caught.value) and SECRET not in str(caught.value)


def test_a_proxy_page_is_not_taken_for_an_error_of_nif() -> None:
    page = b"<html><body>502 Bad Gateway</body></html>"
    with (
        hostile(_reply(502, page, "text/html")) as (url, _),
        Client(url) as client,
        pytest.raises(ServiceError, match="502 with text/html"),
    ):
        client.validate(b"<a/>")


def test_an_endless_body_is_cut_at_the_limit() -> None:
    """The server streams far more than the client reads: it stops at its limit (memory stays
    bounded) with a clear error, whatever the server keeps sending."""
    sent: list[int] = []

    def endless(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        chunk = b" " * 65536
        with contextlib.suppress(OSError):
            for _ in range(1024):  # 64 MiB at most, never all read
                handler.wfile.write(chunk)
                sent.append(len(chunk))

    with (
        hostile(endless) as (url, _),
        Client(url, max_response_bytes=1 << 20) as client,
        pytest.raises(ServiceError, match="more than 1,048,576 bytes"),
    ):
        client.records()


def test_a_declared_huge_body_is_refused_before_reading() -> None:
    def liar(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(1 << 40))
        handler.end_headers()

    with (
        hostile(liar) as (url, _),
        Client(url, max_response_bytes=1 << 20) as client,
        pytest.raises(ServiceError),
    ):
        client.records()


def test_a_redirect_to_another_host_is_not_followed_with_the_token() -> None:
    with hostile(_reply(200, b'{"records": []}', "application/json")) as (elsewhere, seen):
        target = elsewhere.replace("127.0.0.1", "localhost") + "/api/records"
        with (
            hostile(_reply(307, b"", "text/plain", Location=target)) as (url, _),
            Client(url, token=SECRET) as client,
            pytest.raises(ServiceError) as caught,
        ):
            client.records()
    assert seen == []  # not followed at all: the token reached no other host
    assert "redirects to" in str(caught.value) and SECRET not in str(caught.value)


def test_credentials_in_the_url_are_never_shown() -> None:
    with (
        pytest.raises(ServiceError) as caught,
        Client("http://agency:hunter2@127.0.0.1:9", token=SECRET, timeout=5) as client,
    ):
        client.records()
    message = str(caught.value)
    assert "cannot reach the server at http://127.0.0.1:9" in message
    assert "hunter2" not in message and SECRET not in message


@pytest.mark.parametrize("url", ["ftp://nif.example", "nif.example", "http://x/?q=1"])
def test_a_url_that_is_not_a_service_is_a_usage_error(url: str) -> None:
    with pytest.raises(UsageError):
        Client(url)


# a real service


def test_the_client_reads_validates_and_writes_a_real_service(make_server: MakeServer) -> None:
    live = make_server()
    admin = live.token("admin")
    with Client(live.url, token=admin) as nif:
        report = nif.validate(EXAMPLES / "invalid-missing-mother-id.xml")
        assert isinstance(report, Report) and report.verdict == "invalid"
        assert report.source.endswith("invalid-missing-mother-id.xml")
        named = nif.validate(
            (EXAMPLES / "valid-newborn.xml").read_bytes(),
            interface="civreg-birth",
            version="2.0.0",
            source="birth.xml",
        )
        assert named.verdict == "valid" and named.source == "birth.xml"
        with pytest.raises(DetectionError):
            nif.validate(b"<Unknown/>")

        kinds = [r.kind for r in nif.records()]
        assert kinds.count("agency") == 5 and kinds.count("interface") == 8
        record = nif.record("civreg-birth")
        assert record.etag and record.content.startswith(b"@prefix")
        versions = nif.history("civreg-birth")
        assert [v.action for v in versions] == ["load"]
        assert nif.version_content("civreg-birth", 1).startswith(b"<https://")

        changed = live.home.parent / "changed" / "civreg-birth"
        shutil.copytree(BIRTH, changed)
        text = (changed / "interface.ttl").read_text()
        (changed / "interface.ttl").write_text(
            text.replace('"Birth registration"@en', '"Births"@en')
        )
        stored = nif.submit(changed, if_match=record.etag)
        assert stored.status == "stored" and stored.records[0].identifier == "civreg-birth"
        with pytest.raises(PreconditionFailedError):  # the ETag read before is stale now
            nif.withdraw("civreg-birth", if_match=record.etag)
        assert nif.withdraw("civreg-birth", if_match=nif.record("civreg-birth").etag).sha256 is None
        with pytest.raises(NotFoundError):
            nif.record("civreg-birth")

        pulled = nif.pull("civreg-address", live.home.parent / "pulled")
        assert pulled.kind == "interface" and (pulled.target / "interface.ttl").is_file()
        rows = nif.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "csv")
        assert rows.startswith(b"n\r\n")


def test_refusals_come_back_as_the_errors_of_nif(make_server: MakeServer, tmp_path: Path) -> None:
    live = make_server()
    with Client(live.url) as anonymous, pytest.raises(AuthenticationError, match="--token"):
        anonymous.withdraw("civreg-birth")
    broken = tmp_path / "civreg.ttl"
    agency = (ROOT / "registry/agencies/civreg.ttl").read_text()
    broken.write_text(re.sub(r"  skos:prefLabel [^\n]*\n", "", agency))  # a required name
    with (
        Client(live.url, token=live.token("admin")) as nif,
        pytest.raises(RejectedError) as caught,
    ):
        nif.submit(broken)
    assert isinstance(caught.value.report, list) and caught.value.report
