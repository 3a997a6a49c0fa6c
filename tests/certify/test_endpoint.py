"""Endpoint mode's exchanges against real HTTP servers on loopback: what nif refuses to reach,
what it sends, the limits of an exchange, and that header values stay secret."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import logging
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from nif import __version__
from nif.certify import CaseKind, find_suite
from nif.certify._endpoint import Endpoint, parse_headers
from nif.certify._model import CaseOutcome, Mode, Purpose, Run
from nif.certify._runner import run_suite
from nif.errors import UsageError
from nif.registry import Registry
from nif.settings import Settings
from tests.certify.endpoints import BIRTH, VAT, EndpointServer
from tests.processes import free_port

SECRET = "Bearer tok-7f3a9c1e55d04b2b"
OPEN = {"endpoint_allow_http": True, "endpoint_allow_private": True, "endpoint_timeout": 10.0}


def settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(home=tmp_path).replace(**changes)


@pytest.mark.parametrize(
    ("url", "changes", "said"),
    [
        (
            "http://203.0.113.7/x",
            {},
            "plain http is not allowed, use https (or set endpoint_allow_http)",
        ),
        (
            "https://127.0.0.1:8443/x",
            {},
            "127.0.0.1 is a loopback address (set endpoint_allow_private",
        ),
        ("http://127.0.0.1/x", {"endpoint_allow_http": True}, "127.0.0.1 is a loopback address"),
        ("https://[::1]/x", {}, "::1 is a loopback address"),
        ("https://10.1.2.3/x", {}, "10.1.2.3 is a private address"),
        ("https://169.254.169.254/latest", {}, "a link-local address"),
        ("https://[::ffff:127.0.0.1]/x", {}, "which embeds 127.0.0.1, a loopback address"),
        ("https://localhost/x", {}, "localhost is"),
        ("ftp://example.org/x", {}, "ftp: URLs are not an endpoint, use https"),
        ("example.org/birth", {}, "a URL without a scheme is not an endpoint"),
        ("https:///birth", {}, "has no host"),
        ("https://example.org:abc/x", {}, "is not a valid URL: Invalid port"),
        ("https://no-such-host.invalid/x", {}, "cannot resolve no-such-host.invalid"),
    ],
)
def test_urls_the_settings_refuse_are_usage_errors_that_say_why(
    tmp_path: Path, url: str, changes: dict[str, object], said: str
) -> None:
    with pytest.raises(UsageError, match="endpoint") as caught:
        Endpoint(url, {}, settings(tmp_path, **changes))
    assert said in str(caught.value)


def test_loopback_over_http_is_reached_only_when_both_settings_allow_it(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    url = conforming_endpoint.url + "/redirect"
    with pytest.raises(UsageError, match="endpoint_allow_http"):
        Endpoint(url, {}, settings(tmp_path, endpoint_allow_private=True))
    with pytest.raises(UsageError, match="endpoint_allow_private"):
        Endpoint(url, {}, settings(tmp_path, endpoint_allow_http=True))
    exchange = Endpoint(url, {}, settings(tmp_path, **OPEN)).send(b"<a/>", "application/xml")
    assert exchange.status == 302


def test_credentials_in_the_url_are_refused_without_being_repeated(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        Endpoint("https://agency:hunter2@203.0.113.7/birth", {}, settings(tmp_path))
    message = str(caught.value)
    assert "send credentials in a header" in message
    assert "hunter2" not in message and "agency:" not in message


def test_the_shown_url_has_no_query_and_no_fragment(tmp_path: Path) -> None:
    endpoint = Endpoint(
        "http://127.0.0.1:9/civreg-birth/2.0.0?api_key=abc123#top", {}, settings(tmp_path, **OPEN)
    )
    assert endpoint.shown == "http://127.0.0.1:9/civreg-birth/2.0.0"
    assert "abc123" not in repr(endpoint)


def test_header_lines_become_a_mapping() -> None:
    lines = ["Authorization: Bearer a:b:c ", "", "X-Agency-Id:  AG-17", "  "]
    assert parse_headers(lines) == {"Authorization": "Bearer a:b:c", "X-Agency-Id": "AG-17"}


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (["X-Key: 1", "Authorization Bearer s3cr3t"], "header line 2 has no ':'"),
        ([": s3cr3t"], "header line 1 has an empty header name"),
        (["Bearer s3cr3t x: y"], "header line 1: the name before ':' is not a header name"),
        (["Host: s3cr3t.example"], "header line 1: Host cannot be set"),
        (["content-length: 12"], "content-length cannot be set"),
        (["Transfer-Encoding: chunked"], "hop-by-hop"),
        (["Content-Type: text/s3cr3t"], "the media type of each message's type"),
        (["X-Key: s3cr3t\r\nX-Other: 1"], "the value of X-Key holds a line break"),
        (["X-Key: s3cr3t\x00"], "a control"),
        (["X-Key: s3cr3t-é"], "non-ASCII"),
        (["X-Key: 1", "x-key: s3cr3t"], "header line 2: x-key is given twice"),
    ],
)
def test_bad_header_lines_are_named_without_their_values(lines: list[str], said: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_headers(lines)
    assert said in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_a_header_mapping_is_checked_as_lines_are(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="the value of Authorization holds a line break") as caught:
        Endpoint("https://203.0.113.7/x", {"Authorization": "s3cr3t\nX: y"}, settings(tmp_path))
    assert "s3cr3t" not in str(caught.value)


def test_a_message_is_posted_with_its_type_and_the_agency_headers(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    url = conforming_endpoint.endpoint(*BIRTH) + "?probe=headers"
    endpoint = Endpoint(url, {"Authorization": SECRET}, settings(tmp_path, **OPEN))
    exchange = endpoint.send(b"<not-a-notification/>", "application/xml", accept="application/xml")
    (received,) = [r for r in conforming_endpoint.received if r.path.endswith("probe=headers")]
    assert received.method == "POST" and received.body == b"<not-a-notification/>"
    assert received.headers["authorization"] == SECRET
    assert received.headers["content-type"] == "application/xml"
    assert received.headers["accept"] == "application/xml"
    assert received.headers["user-agent"] == f"nif/{__version__} (conformance)"
    assert received.headers["host"] == conforming_endpoint.url.removeprefix("http://")
    assert "cookie" not in received.headers
    assert exchange.status == 422
    assert exchange.media_type == "application/problem+json"
    assert exchange.error is None and exchange.millis > 0


def test_a_host_name_is_sent_as_the_host_header(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    port = conforming_endpoint.url.rsplit(":", 1)[1]
    url = f"http://localhost:{port}/civreg-birth/2.0.0?probe=name"
    Endpoint(url, {}, settings(tmp_path, **OPEN)).send(b"<a/>", "application/xml")
    (received,) = [r for r in conforming_endpoint.received if r.path.endswith("probe=name")]
    assert received.headers["host"] == f"localhost:{port}"


def test_header_values_never_show_in_repr_exchanges_or_errors(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    answered = Endpoint(
        conforming_endpoint.endpoint(*BIRTH), {"Authorization": SECRET}, settings(tmp_path, **OPEN)
    )
    unreachable = Endpoint(
        f"http://127.0.0.1:{free_port()}/x", {"Authorization": SECRET}, settings(tmp_path, **OPEN)
    )
    exchanges = [
        answered.send(b"<a/>", "application/xml"),
        unreachable.send(b"<a/>", "application/xml"),
    ]
    assert "Authorization" in repr(answered)
    assert answered.header_names == ("Authorization",)
    shown = [repr(answered), str(answered), repr(unreachable), *map(repr, exchanges)]
    for text in shown:
        assert SECRET not in text and "tok-7f3a" not in text


def test_a_refused_connection_is_an_exchange_without_status(tmp_path: Path) -> None:
    port = free_port()
    exchange = Endpoint(f"http://127.0.0.1:{port}/x", {}, settings(tmp_path, **OPEN)).send(
        b"<a/>", "application/xml"
    )
    assert exchange.status is None and exchange.content == b""
    assert exchange.error is not None and exchange.error.startswith("cannot connect (127.0.0.1: ")


def test_an_answer_that_trickles_past_the_time_limit_is_cut(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    limited = settings(tmp_path, **{**OPEN, "endpoint_timeout": 0.5})
    exchange = Endpoint(conforming_endpoint.url + "/slow", {}, limited).send(b"<a/>", "text/xml")
    assert exchange.status is None
    assert exchange.error == "no complete answer within 0.5 s"


@pytest.mark.parametrize("path", ["big", "stream"])
def test_an_answer_over_the_size_limit_is_not_read(
    tmp_path: Path, conforming_endpoint: EndpointServer, path: str
) -> None:
    limited = settings(tmp_path, **{**OPEN, "endpoint_max_bytes": 64 * 1024})
    endpoint = Endpoint(f"{conforming_endpoint.url}/{path}?size={1024 * 1024}", {}, limited)
    exchange = endpoint.send(b"<a/>", "application/xml")
    assert exchange.status == 200 and exchange.content == b""
    assert exchange.error is not None
    assert "over the limit of 65536 bytes (endpoint_max_bytes)" in exchange.error
    small = Endpoint(f"{conforming_endpoint.url}/{path}?size=4096", {}, limited)
    assert small.send(b"<a/>", "application/xml").error is None


def test_a_redirect_is_the_answer_not_followed(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    before = len(conforming_endpoint.received)
    endpoint = Endpoint(
        conforming_endpoint.url + "/redirect?probe=once", {}, settings(tmp_path, **OPEN)
    )
    exchange = endpoint.send(b"<a/>", "application/xml")
    assert exchange.status == 302 and exchange.content == b"moved"
    paths = [r.path for r in conforming_endpoint.received[before:]]
    assert "/civreg-birth/2.0.0" not in paths


def test_a_compressed_answer_nobody_asked_for_is_an_error(
    tmp_path: Path, conforming_endpoint: EndpointServer
) -> None:
    endpoint = Endpoint(conforming_endpoint.url + "/gzip", {}, settings(tmp_path, **OPEN))
    exchange = endpoint.send(b"<a/>", "application/xml")
    (received,) = [r for r in conforming_endpoint.received if r.path == "/gzip"][-1:]
    assert received.headers["accept-encoding"] == "identity"
    assert exchange.error == "the endpoint sent Content-Encoding gzip though nif asked for none"


AGENCIES = {BIRTH: "civreg", VAT: "tax"}


def endpoint_run(registry: Registry, server: EndpointServer, interface: str, version: str) -> Run:
    settings = registry.settings.replace(**OPEN)
    endpoint = Endpoint(server.endpoint(interface, version), {"Authorization": SECRET}, settings)
    return run_suite(
        registry,
        find_suite(interface, version),
        agency=AGENCIES[(interface, version)],
        endpoint=endpoint,
        actor="certifier",
        purpose=Purpose.CERTIFICATION,
    )


@pytest.mark.parametrize("served", [BIRTH, VAT])
def test_a_conforming_endpoint_passes_every_case(
    demo_registry: Registry, conforming_endpoint: EndpointServer, served: tuple[str, str]
) -> None:
    run = endpoint_run(demo_registry, conforming_endpoint, *served)
    assert {r.case: str(r.outcome) for r in run.results} == {
        case.identifier: "passed" for case in find_suite(*served).cases
    }
    assert run.passed and run.mode is Mode.ENDPOINT
    assert run.endpoint == conforming_endpoint.endpoint(*served)
    assert SECRET not in json.dumps(run.to_dict())


def test_a_nonconforming_birth_endpoint_fails_the_cases_it_breaks(
    demo_registry: Registry, nonconforming_endpoint: EndpointServer
) -> None:
    run = endpoint_run(demo_registry, nonconforming_endpoint, *BIRTH)
    outcomes = {r.case: str(r.outcome) for r in run.results}
    assert outcomes == {
        "produce-registration": "passed",
        "consume-newborn": "failed",
        "reject-missing-mother-id": "failed",
        "reject-mother-born-after-child": "failed",
    }
    assert not run.passed
    assert run.failed_mandatory == ("consume-newborn", "reject-missing-mother-id")
    newborn = run.result("consume-newborn")
    assert newborn.status == 200 and "echoes the notification's identifier" in newborn.summary
    assert "accepted with HTTP 200" in run.result("reject-missing-mother-id").summary


def test_a_nonconforming_vat_endpoint_fails_on_the_profile(
    demo_registry: Registry, nonconforming_endpoint: EndpointServer
) -> None:
    run = endpoint_run(demo_registry, nonconforming_endpoint, *VAT)
    assert {r.case for r in run.results if r.outcome is not CaseOutcome.FAILED} == set()
    monthly = run.result("consume-monthly")
    assert "invalid against tax-vat-return@1.0.0/VatReturnReceipt" in monthly.summary
    assert any("pending" in line for line in monthly.details)
    assert run.failed_mandatory == (
        "produce-receipt",
        "consume-monthly",
        "reject-total-not-sum-of-lines",
    )


def test_an_unreachable_endpoint_fails_every_case_it_sends_and_cannot_tell_the_rest(
    demo_registry: Registry, tmp_path: Path
) -> None:
    settings = demo_registry.settings.replace(**OPEN)
    endpoint = Endpoint(f"http://127.0.0.1:{free_port()}/birth", {}, settings)
    run = run_suite(
        demo_registry,
        find_suite(*BIRTH),
        agency="civreg",
        endpoint=endpoint,
        actor="publisher",
        purpose=Purpose.SELF_TEST,
    )
    assert str(run.result("produce-registration").outcome) == "cantTell"
    sent = [r for r in run.results if r.kind is not CaseKind.PRODUCE]
    assert sent and all(r.outcome is CaseOutcome.FAILED and r.status is None for r in sent)
    assert all(r.summary.startswith("no answer: cannot connect") for r in sent)


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[str]:
    """An https server on loopback whose certificate no public authority signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "server.pem"
    pem.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/birth"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=30)


def test_tls_certificates_are_verified(tmp_path: Path, self_signed_server: str) -> None:
    allowed = settings(tmp_path, endpoint_allow_private=True)
    exchange = Endpoint(self_signed_server, {}, allowed).send(b"<a/>", "application/xml")
    assert exchange.status is None
    assert exchange.error is not None and "CERTIFICATE_VERIFY_FAILED" in exchange.error


def test_logs_hold_neither_header_values_nor_the_query(
    tmp_path: Path, conforming_endpoint: EndpointServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = conforming_endpoint.endpoint(*BIRTH) + "?api_key=q-55e1d0c2"
    endpoint = Endpoint(url, {"Authorization": SECRET}, settings(tmp_path, **OPEN))
    with caplog.at_level(logging.DEBUG):
        endpoint.send(b"<a/>", "application/xml")
    assert "HTTP Request: POST" in caplog.text
    assert "/civreg-birth/2.0.0" in caplog.text
    assert "q-55e1d0c2" not in caplog.text and "tok-7f3a" not in caplog.text
