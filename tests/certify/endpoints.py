"""Two small real implementations of the demo interfaces, for endpoint mode: one that conforms
and one that does not, each a real HTTP server on a loopback port.

POST a message to `{url}/civreg-birth/2.0.0` or `{url}/tax-vat-return/1.0.0`:

- the conforming server validates the request with nif's own validator against the demo
  registry's profile of the suite's sent type. A birth notification that fails it gets HTTP 422
  with a JSON problem document; a VAT return that fails it gets HTTP 422 with a rejected
  `VatReturnReceipt` naming the broken rules. A valid one gets HTTP 200 and a registration or
  receipt built from the request (its identifier echoed). Not XML: 400; not sent as XML: 415;
- the non-conforming server accepts everything with HTTP 200: a birth registration that passes
  the profile but echoes another notification's identifier, and a VAT receipt that breaks the
  profile (status "pending") and names another return.

Both servers also offer paths for the exchange's limits: `/slow` (trickles a byte every 0.1 s
until the client leaves), `/big?size=N` (N bytes, declared in Content-Length), `/stream?size=N`
(N bytes, no length declared), `/redirect` (302 to the birth path) and `/gzip` (a compressed
answer nobody asked for). Every request is recorded in `received` (path, headers, body).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gzip
import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from lxml import etree
from rdflib import URIRef

from nif.certify import find_suite
from nif.registry import Registry
from nif.registry._message_types import select_message_types
from nif.registry._profiles import build_profile
from nif.report import Severity, Verdict
from nif.settings import Settings
from nif.validate import Profile, validate

BIRTH = ("civreg-birth", "2.0.0")
VAT = ("tax-vat-return", "1.0.0")
BIRTH_NS = "urn:nif:demo:civreg:birth:2"
VAT_NS = "urn:nif:demo:tax:vat-return:1"


@dataclasses.dataclass(frozen=True)
class Received:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclasses.dataclass
class EndpointServer:
    """A running implementation: its base URL (no trailing slash) and what it received."""

    url: str
    conforming: bool
    received: list[Received]

    def endpoint(self, interface: str, version: str) -> str:
        """The URL to name as the endpoint of `interface@version`."""
        return f"{self.url}/{interface}/{version}"


def demo_profiles(registry: Registry) -> dict[tuple[str, str], Profile]:
    """The profile of the request type of each suite served, from `registry` (the demo's)."""
    profiles: dict[tuple[str, str], Profile] = {}
    for interface, version in (BIRTH, VAT):
        suite = find_suite(interface, version)
        (sent,) = {case.sent_type for case in suite.cases if case.sent_type}
        (ref,) = select_message_types(registry.store, f"VALUES ?mt {{ {URIRef(sent).n3()} }}")
        profiles[(interface, version)] = build_profile(registry.store, ref, registry.blobs)
    return profiles


@contextlib.contextmanager
def running(
    profiles: dict[tuple[str, str], Profile], settings: Settings, *, conforming: bool
) -> Iterator[EndpointServer]:
    """Serve one implementation on 127.0.0.1 (a free port) until the block ends."""
    received: list[Received] = []
    closing = threading.Event()
    lock = threading.Lock()
    numbers = itertools.count(1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            received.append(Received("POST", self.path, headers, body))
            path = urlsplit(self.path).path.strip("/")
            size = int(parse_qs(urlsplit(self.path).query).get("size", ["0"])[0])
            if path == "slow":
                return self._trickle()
            if path == "big":
                return self._answer(200, "application/xml", b"<a>" + b" " * size + b"</a>")
            if path == "stream":
                return self._stream(size)
            if path == "redirect":
                return self._answer(302, "text/plain", b"moved", Location="/civreg-birth/2.0.0")
            if path == "gzip":
                content = gzip.compress(b"<a/>")
                return self._answer(200, "application/xml", content, **{"Content-Encoding": "gzip"})
            key = tuple(path.split("/"))
            if key not in profiles:
                return self._answer(404, "text/plain", b"no such interface here")
            content_type = headers.get("content-type", "")
            if conforming and "xml" not in content_type:
                return self._answer(415, "text/plain", b"send XML")
            try:
                root = etree.fromstring(body, etree.XMLParser(resolve_entities=False))
            except etree.XMLSyntaxError as exc:
                if conforming:
                    return self._answer(400, "text/plain", f"not XML: {exc}".encode())
                root = None
            number = next(numbers)
            if key == BIRTH:
                status, media, answer = _birth(
                    root, body, profiles[key], settings, conforming, number, lock
                )
            else:
                status, media, answer = _vat(
                    root, body, profiles[key], settings, conforming, number, lock
                )
            self._answer(status, media, answer)

        def _answer(self, status: int, media: str, content: bytes, **extra: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(content)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)

        def _trickle(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b"<slow>")
                while not closing.wait(0.1):
                    self.wfile.write(b" ")
                    self.wfile.flush()

        def _stream(self, size: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(0, size, 4096):
                    self.wfile.write(b" " * 4096)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield EndpointServer(f"http://127.0.0.1:{httpd.server_address[1]}", conforming, received)
    finally:
        closing.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=30)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def _text(root: etree._Element | None, ns: str, path: str) -> str:
    if root is None:
        return ""
    found = root.findtext("/".join(f"{{{ns}}}{step}" for step in path.split("/")))
    return (found or "").strip()


def _problems(
    body: bytes, profile: Profile, settings: Settings, lock: threading.Lock
) -> list[tuple[str, str]]:
    """(rule, message) of what makes the request invalid; empty when it passes the profile."""
    with lock:
        report = validate(body, profile, source="request", settings=settings)
    if report.verdict is Verdict.VALID:
        return []
    serious = [f for f in report.findings if f.severity >= Severity.ERROR] or report.findings
    return [(f.rule_id or f.step, f.message) for f in serious] or [("request", "invalid")]


def _birth(
    root: etree._Element | None,
    body: bytes,
    profile: Profile,
    settings: Settings,
    conforming: bool,
    number: int,
    lock: threading.Lock,
) -> tuple[int, str, bytes]:
    now = _now()
    if not conforming:
        answer = _registration("BN-2024-000001", f"CR-{now.year}-0000001", "240314000", now)
        return 200, "application/xml", answer
    problems = _problems(body, profile, settings, lock)
    if problems:
        document = {
            "type": "urn:nif:demo:civreg:birth:refused",
            "title": "The birth notification breaks the rules of civreg-birth 2.0.0",
            "status": 422,
            "errors": [{"rule": rule, "message": message} for rule, message in problems],
        }
        return 422, "application/problem+json", json.dumps(document).encode()
    born = _text(root, BIRTH_NS, "Child/BirthDate")  # YYYY-MM-DD, checked by the profile
    child_id = f"{born[2:4]}{born[5:7]}{born[8:10]}{number % 1000:03d}"
    registration = f"CR-{now.year}-{number:07d}"
    notification = _text(root, BIRTH_NS, "NotificationID")
    return 200, "application/xml", _registration(notification, registration, child_id, now)


def _registration(notification: str, number: str, child_id: str, at: datetime.datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<BirthRegistration xmlns="{BIRTH_NS}">\n'
        "  <Version>2.0</Version>\n"
        f"  <NotificationID>{escape(notification)}</NotificationID>\n"
        f"  <RegistrationNumber>{number}</RegistrationNumber>\n"
        f"  <ChildPersonalID>{child_id}</ChildPersonalID>\n"
        f"  <RegisteredAt>{at.isoformat().replace('+00:00', 'Z')}</RegisteredAt>\n"
        "</BirthRegistration>\n"
    ).encode()


def _vat(
    root: etree._Element | None,
    body: bytes,
    profile: Profile,
    settings: Settings,
    conforming: bool,
    number: int,
    lock: threading.Lock,
) -> tuple[int, str, bytes]:
    now = _now()
    if not conforming:
        return 200, "application/xml", _receipt("VR-0000-00-000000", number, now, [], "pending")
    problems = _problems(body, profile, settings, lock)
    return_id = _text(root, VAT_NS, "ReturnID")
    return (422 if problems else 200), "application/xml", _receipt(return_id, number, now, problems)


def _receipt(
    return_id: str,
    number: int,
    at: datetime.datetime,
    problems: list[tuple[str, str]],
    status: str | None = None,
) -> bytes:
    errors = "".join(
        f'  <Error code="{escape(rule, {chr(34): "&quot;"})}">{escape(message)}</Error>\n'
        for rule, message in problems
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VatReturnReceipt xmlns="{VAT_NS}">\n'
        f"  <ReceiptID>RC-{at.year}{number:06d}</ReceiptID>\n"
        f"  <ReturnID>{escape(return_id)}</ReturnID>\n"
        f"  <ReceivedAt>{at.isoformat()}</ReceivedAt>\n"
        f"  <Status>{status or ('rejected' if problems else 'accepted')}</Status>\n"
        f"{errors}"
        "</VatReturnReceipt>\n"
    ).encode()
