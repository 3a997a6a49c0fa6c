"""Fetching artefacts: what a record may make nif reach, against real servers on loopback."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import http.server
import ipaddress
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.errors import FetchError
from nif.outbound import OutboundPolicy, refusal, shown
from nif.registry._fetch import fetch
from nif.settings import Settings

Respond = Callable[[http.server.BaseHTTPRequestHandler], None]


@dataclasses.dataclass
class Server:
    """A loopback server, the requests it saw and the TLS names (SNI) clients asked for."""

    port: int
    scheme: str
    seen: list[tuple[str, dict[str, str]]]
    sni: list[str | None]

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


@contextlib.contextmanager
def serve(respond: Respond, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    """A real HTTP(S) server on 127.0.0.1 whose GET handler is `respond`."""
    seen: list[tuple[str, dict[str, str]]] = []
    sni: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, dict(self.headers)))
            respond(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
    if tls is not None:
        tls.sni_callback = lambda sock, name, context: sni.append(name)  # type: ignore[assignment]
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield Server(httpd.server_address[1], "https" if tls else "http", seen, sni)
    finally:
        httpd.shutdown()
        httpd.server_close()


def reply(
    handler: http.server.BaseHTTPRequestHandler,
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    headers = {"Content-Length": str(len(body)), **(headers or {})}
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect_to(location: str) -> Respond:
    return lambda handler: reply(handler, 302, headers={"Location": location})


HTTP = OutboundPolicy(allow_http=True, allow_private=True)
"""Loopback servers speak plain http on a private address: both must be allowed to reach them."""


@pytest.fixture(scope="module")
def stop() -> Iterator[threading.Event]:
    """Set when the module's tests end, so sleeping handlers return."""
    event = threading.Event()
    yield event
    event.set()


# --- schemes -------------------------------------------------------------------------------------


def test_a_public_https_policy_is_the_default() -> None:
    policy = OutboundPolicy.from_settings(Settings())
    assert (policy.allow_http, policy.allow_private) == (False, False)
    custom = OutboundPolicy.from_settings(
        Settings(
            fetch_allow_http=True,
            fetch_allow_private=True,
            fetch_max_bytes=10,
            fetch_timeout=2.5,
            fetch_max_redirects=1,
        )
    )
    assert custom == OutboundPolicy(True, True, 10, 2.5, 1)


def test_plain_http_is_refused_without_a_request() -> None:
    with (
        serve(lambda h: reply(h, body=b"<xs:schema/>")) as server,
        pytest.raises(FetchError, match=r"plain http is not allowed, use https") as caught,
    ):
        fetch(server.url("/birth.xsd"), OutboundPolicy(allow_private=True))
    assert server.url("/birth.xsd") in str(caught.value)
    assert server.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://ftp.example.org/schema.xsd",
        "data:text/plain,hello",
        "gopher://example.org/1",
        "javascript:alert(1)",
        "schemas/birth.xsd",
    ],
)
def test_other_schemes_are_always_refused(url: str) -> None:
    with pytest.raises(FetchError, match=r"never fetched, only https"):
        fetch(url, HTTP)


def test_credentials_are_neither_sent_nor_shown() -> None:
    with serve(lambda h: reply(h, body=b"x")) as server:
        target = server.url("/x.xsd").replace("http://", "http://agency:s3cret@")
        with pytest.raises(FetchError, match=r"credentials") as caught:
            fetch(target, HTTP)
    assert "s3cret" not in str(caught.value) and "agency" not in str(caught.value)
    assert server.seen == []
    assert shown("https://u:p@example.org/a") == "https://example.org/a"


# --- addresses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("[::1]", "loopback"),
        ("2130706433", "loopback"),  # 127.0.0.1 spelt as one decimal number
        ("[::ffff:127.0.0.1]", "embeds 127.0.0.1, a loopback"),
    ],
)
def test_loopback_is_refused_without_a_request(host: str, reason: str) -> None:
    with (
        serve(lambda h: reply(h, body=b"secret")) as server,
        pytest.raises(FetchError, match=reason) as caught,
    ):
        fetch(server.url("/admin", host=host), OutboundPolicy(allow_http=True))
    assert "fetch_allow_private" in str(caught.value)
    assert server.seen == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://10.1.2.3/schema.xsd", "private"),
        ("https://192.168.1.10/schema.xsd", "private"),
        ("https://172.16.0.1/schema.xsd", "private"),
        ("https://0.0.0.0/schema.xsd", "unspecified"),
        ("https://[fd00:ec2::254]/latest/", "private"),
        ("https://[fe80::1]/schema.xsd", "link-local"),
        ("https://[64:ff9b::a9fe:a9fe]/", "embeds 169.254.169.254"),
        ("https://100.64.0.1/schema.xsd", "not a globally routable"),
    ],
)
def test_private_addresses_are_refused_before_connecting(url: str, reason: str) -> None:
    with pytest.raises(FetchError, match=rf"refused: .* is .*{reason}"):
        fetch(url, OutboundPolicy())


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass_the_check(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_an_allowed_private_host_is_fetched() -> None:
    with serve(lambda h: reply(h, body=b"<xs:schema/>")) as server:
        policy = OutboundPolicy(
            allow_http=True, allow_private_hosts=frozenset({f"127.0.0.1:{server.port}"})
        )
        assert fetch(server.url("/a.xsd"), policy) == b"<xs:schema/>"
        with pytest.raises(FetchError, match="loopback"):
            fetch(server.url("/a.xsd", host="localhost"), policy)
    assert server.paths == ["/a.xsd"]


# --- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://127.0.0.1:{other}/meta", "loopback"),
        ("http://localhost:{port}/again", "loopback"),
        ("http://169.254.169.254/latest/meta-data/iam/", "link-local"),
        ("http://10.0.0.7/internal.xsd", "private"),
        ("file:///etc/passwd", "never fetched"),
        ("gopher://127.0.0.1:{other}/", "never fetched"),
    ],
)
def test_every_redirect_is_checked_again(target: str, reason: str) -> None:
    """The first server is trusted by name and port; where it redirects to is checked anew."""
    with serve(lambda h: reply(h, body=b"metadata")) as other:
        locations: list[str] = []
        with serve(lambda h: reply(h, 302, headers={"Location": locations[0]})) as first:
            location = target.format(other=other.port, port=first.port)
            locations.append(location)
            policy = OutboundPolicy(
                allow_http=True, allow_private_hosts=frozenset({f"127.0.0.1:{first.port}"})
            )
            with pytest.raises(FetchError, match=reason) as caught:
                fetch(first.url("/schema.xsd"), policy)
    assert first.paths == ["/schema.xsd"]
    assert other.seen == []
    assert f"{first.url('/schema.xsd')} (redirected to " in str(caught.value)
    assert location.rsplit("/", 1)[1] + "): refused" in str(caught.value)


def test_a_redirect_to_another_allowed_address_is_followed() -> None:
    """The control for the test above: with private addresses allowed, the same hop succeeds."""
    with (
        serve(lambda h: reply(h, body=b"metadata")) as other,
        serve(redirect_to(other.url("/meta"))) as first,
    ):
        assert fetch(first.url("/schema.xsd"), HTTP) == b"metadata"
    assert other.paths == ["/meta"]


def test_relative_redirects_are_followed_without_cookies() -> None:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        if handler.path == "/start":
            reply(handler, 301, headers={"Location": "final.xsd", "Set-Cookie": "session=abc"})
        else:
            reply(handler, body=b"done")

    with serve(respond) as server:
        assert fetch(server.url("/start"), HTTP) == b"done"
    assert server.paths == ["/start", "/final.xsd"]
    for _, headers in server.seen:
        assert {"Cookie", "Authorization"}.isdisjoint(headers)
        assert headers["Host"] == f"127.0.0.1:{server.port}"


def test_too_many_redirects() -> None:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        reply(handler, 307, headers={"Location": f"/{int(handler.path[1:]) + 1}"})

    with serve(respond) as server:
        policy = dataclasses.replace(HTTP, max_redirects=3)
        with pytest.raises(FetchError, match=r"more than 3 redirects \(last to .*/4\)"):
            fetch(server.url("/0"), policy)
    assert server.paths == ["/0", "/1", "/2", "/3"]


def test_a_redirect_without_location() -> None:
    with (
        serve(lambda h: reply(h, 302)) as server,
        pytest.raises(FetchError, match="302 without Location"),
    ):
        fetch(server.url("/x"), HTTP)


# --- answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "text"), [(404, "404 Not Found"), (500, "500 Internal")])
def test_an_error_status_is_refused(status: int, text: str) -> None:
    with (
        serve(lambda h: reply(h, status, b"oops")) as server,
        pytest.raises(FetchError, match=rf"/gone.xsd: the server answered {text}"),
    ):
        fetch(server.url("/gone.xsd"), HTTP)


def test_a_declared_length_over_the_limit_is_refused() -> None:
    with (
        serve(lambda h: reply(h, body=b"x" * 1000)) as server,
        pytest.raises(FetchError, match=r"Content-Length 1000 bytes is over the limit of 999"),
    ):
        fetch(server.url(), dataclasses.replace(HTTP, max_bytes=999))
        assert fetch(server.url(), dataclasses.replace(HTTP, max_bytes=1000)) == b"x" * 1000


def test_an_undeclared_body_over_the_limit_is_cut_while_streaming() -> None:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"x" * 1024)

    with (
        serve(respond) as server,
        pytest.raises(FetchError, match=r"body is over the limit of 100000 bytes"),
    ):
        fetch(server.url(), dataclasses.replace(HTTP, max_bytes=100_000))


def test_a_body_longer_than_declared_is_read_only_as_far_as_declared() -> None:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        reply(handler, body=b"y" * 100_000, headers={"Content-Length": "10"})

    with serve(respond) as server:
        assert fetch(server.url(), dataclasses.replace(HTTP, max_bytes=1000)) == b"y" * 10


def test_a_body_shorter_than_declared_fails() -> None:
    with (
        serve(lambda h: reply(h, body=b"short", headers={"Content-Length": "50"})) as server,
        pytest.raises(FetchError, match="failed"),
    ):
        fetch(server.url(), HTTP)


def test_compressed_answers_are_refused() -> None:
    """nif asks for no compression: a small gzip answer must not inflate past the limit."""
    bomb = gzip.compress(b"\0" * 1_000_000)

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        reply(handler, body=bomb, headers={"Content-Encoding": "gzip"})

    with (
        serve(respond) as server,
        pytest.raises(FetchError, match=r"Content-Encoding gzip though nif asked for none"),
    ):
        fetch(server.url(), dataclasses.replace(HTTP, max_bytes=100_000))
    assert server.seen[0][1]["Accept-Encoding"] == "identity"


def test_a_silent_server_times_out(stop: threading.Event) -> None:
    with (
        serve(lambda h: stop.wait(30)) as server,
        pytest.raises(FetchError, match=r"no complete answer within 0.3 s"),
    ):
        fetch(server.url("/slow.xsd"), dataclasses.replace(HTTP, timeout=0.3))


def test_the_timeout_bounds_the_whole_fetch_not_each_read(stop: threading.Event) -> None:
    """A byte every 50 ms never trips a read timeout; the fetch's deadline still ends it."""

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        while not stop.wait(0.05):
            handler.wfile.write(b"x")
            handler.wfile.flush()

    with (
        serve(respond) as server,
        pytest.raises(FetchError, match=r"no complete answer within 0.5 s"),
    ):
        fetch(server.url(), dataclasses.replace(HTTP, timeout=0.5))


# --- TLS -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Pki:
    ca: Path
    folder: Path

    def context(self, name: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.folder / f"{name}.pem", self.folder / f"{name}.key")
        return context


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA with certificates for `localhost` and for `elsewhere.example`."""
    folder = tmp_path_factory.mktemp("pki")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=nif test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    for name in ("localhost", "elsewhere.example"):
        (folder / f"{name}.ext").write_text(
            f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\n"
            "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid\n"
        )
        openssl(
            "req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}"
        )
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.pem", "-days", "2",
                "-extfile", f"{name}.ext")  # fmt: skip
    return Pki(folder / "ca.pem", folder)


def test_https_connects_to_the_checked_address_with_the_name_in_host_and_sni(pki: Pki) -> None:
    """nif connects to the IP it checked; the name still reaches the server and the certificate."""
    with serve(lambda h: reply(h, body=b"<xs:schema/>"), pki.context("localhost")) as server:
        policy = OutboundPolicy(allow_private=True, ca_file=pki.ca)
        assert fetch(server.url("/a.xsd", host="localhost"), policy) == b"<xs:schema/>"
    assert server.sni == ["localhost"]
    assert server.seen[0][1]["Host"] == f"localhost:{server.port}"


def test_https_verifies_the_certificate_against_the_name(pki: Pki) -> None:
    with (
        serve(lambda h: reply(h, body=b"x"), pki.context("elsewhere.example")) as server,
        pytest.raises(FetchError, match=r"cannot connect.*CERTIFICATE_VERIFY_FAILED"),
    ):
        fetch(server.url(host="localhost"), OutboundPolicy(allow_private=True, ca_file=pki.ca))
    assert server.seen == []


def test_https_trusts_only_known_authorities(pki: Pki) -> None:
    with (
        serve(lambda h: reply(h, body=b"x"), pki.context("localhost")) as server,
        pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        fetch(server.url(host="localhost"), OutboundPolicy(allow_private=True))
    assert server.seen == []


def test_https_redirect_to_http_is_refused(pki: Pki) -> None:
    with (
        serve(lambda h: None) as plain,
        serve(redirect_to(plain.url("/x.xsd")), pki.context("localhost")) as server,
    ):
        policy = OutboundPolicy(allow_private=True, ca_file=pki.ca)
        with pytest.raises(FetchError, match=r"redirected to http://.*plain http is not allowed"):
            fetch(server.url("/x.xsd", host="localhost"), policy)
    assert plain.seen == []
