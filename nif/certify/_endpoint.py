"""Endpoint mode: sending a suite's messages to an agency's live endpoint, safely.

The URL comes from a user (CLI or web form), so it gets the artefact fetcher's rules
(`nif.registry._fetch`):

- https only (http when `endpoint_allow_http`), TLS certificates verified, no proxy or .netrc
  from the environment, no cookies kept between requests;
- the host is resolved once, when the `Endpoint` is made, and every address it resolves to is
  checked: loopback, private, link-local (cloud metadata), multicast, reserved and other
  non-global addresses are refused unless `endpoint_allow_private`. Every request then goes to
  one of those checked addresses (the name only in `Host` and TLS SNI), so a second DNS answer
  cannot aim a run elsewhere;
- URLs with user:password@ are refused: credentials go into a header (`Authorization: ...`),
  whose value is a secret. Header values never appear in `repr`, errors, an `Exchange`, runs or
  logs; the query string is never shown either (`Endpoint.shown`);
- each exchange is one POST within `endpoint_timeout` seconds (connect, send and read together;
  a trickling server is cut at its next chunk after the deadline) and reads at most
  `endpoint_max_bytes` of answer; redirects are not followed (a 3xx is the answer).

The endpoint's own failures (no connection, time-out, an answer too large or compressed) are
never raised: they are an `Exchange` with `status` None or an `error`, which the runner judges.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import httpx

from nif import __version__
from nif.certify._model import Exchange
from nif.errors import FetchError, UsageError
from nif.registry._fetch import IPAddress, _resolve, refusal
from nif.settings import Settings

_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")
_RESERVED = {
    "host": "nif sends the endpoint's host",
    "content-length": "nif sends the length of each message",
    "content-type": "nif sends the media type of each message's type",
    "content-encoding": "nif sends messages as they are",
    "transfer-encoding": "it is a hop-by-hop header",
    "connection": "it is a hop-by-hop header",
    "keep-alive": "it is a hop-by-hop header",
    "proxy-connection": "it is a hop-by-hop header",
    "te": "it is a hop-by-hop header",
    "trailer": "it is a hop-by-hop header",
    "upgrade": "it is a hop-by-hop header",
    "expect": "nif sends each message at once",
    "accept-encoding": "nif asks for answers as sent, uncompressed",
    "cookie": "nif keeps no cookies; send credentials in Authorization",
}
_DEFAULT_ACCEPT = "application/xml, application/json;q=0.9, */*;q=0.1"


class _QuerylessLog(logging.Filter):
    """httpx logs every request's URL at INFO; an endpoint's query may hold a key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _shown(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_QuerylessLog())


def parse_headers(lines: Sequence[str]) -> dict[str, str]:
    """`Name: value` lines (CLI `--header`, the web form's text area) as a header mapping.

    Blank lines are skipped. The error names the line number and header name, never the value.
    """
    headers: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise UsageError(f"header line {number} has no ':'; write it as 'Name: value'")
        name, value = name.strip(), value.strip()
        _check_header(name, value, f"header line {number}")
        if name.lower() in {n.lower() for n in headers}:
            raise UsageError(f"header line {number}: {name} is given twice")
        headers[name] = value
    return headers


def _check_header(name: str, value: str, where: str) -> None:
    if not name:
        raise UsageError(f"{where} has an empty header name; write it as 'Name: value'")
    if not _TOKEN.fullmatch(name):
        raise UsageError(
            f"{where}: the name before ':' is not a header name (letters, digits and "
            "!#$%&'*+-.^_`|~ only; it is not shown, in case a value slipped into it)"
        )
    reason = _RESERVED.get(name.lower())
    if reason:
        raise UsageError(f"{where}: {name} cannot be set ({reason})")
    if not _VALUE.fullmatch(value):
        raise UsageError(
            f"{where}: the value of {name} holds a line break, a control or a non-ASCII "
            "character (the value is not shown: it may be a secret)"
        )


class Endpoint:
    """An agency's endpoint that nif POSTs messages to; made once per run.

    `UsageError` when the URL is malformed, refused by the settings or its host does not
    resolve, or a header is not acceptable; the message says why without any header value.
    """

    def __init__(self, url: str, headers: Mapping[str, str], settings: Settings) -> None:
        self._url = _checked_url(url, settings)
        self.shown = _shown(self._url)
        """The URL without its query (it may hold a key) and fragment: for runs, EARL, pages."""
        for name, value in headers.items():
            _check_header(name, value, "header")
        self._headers = dict(headers)
        self._secrets = tuple(sorted({v for v in headers.values() if v}, key=len, reverse=True))
        self._timeout = settings.endpoint.timeout
        self._max_bytes = settings.endpoint.max_bytes
        host = self._url.raw_host.decode("ascii")
        port = self._url.port or _PORTS[self._url.scheme]
        try:
            self._addresses = _resolve(host, port)
        except FetchError as exc:
            raise UsageError(f"endpoint {self.shown}: {exc}") from None
        if not settings.endpoint.allow_private:
            for address in self._addresses:
                reason = refusal(address)
                if reason:
                    what = f"{host} is" if host == str(address) else f"{host} is {address},"
                    raise UsageError(
                        f"endpoint {self.shown} refused: {what} {reason} "
                        "(set endpoint_allow_private to allow)"
                    )

    @property
    def header_names(self) -> tuple[str, ...]:
        """The names of the headers sent along (their values are secrets)."""
        return tuple(self._headers)

    def __repr__(self) -> str:
        return f"Endpoint({self.shown!r}, headers={list(self._headers)!r})"

    def send(self, content: bytes, media_type: str, accept: str | None = None) -> Exchange:
        """POST `content` as `media_type`; the answer, or an `Exchange` saying why there is none.

        `accept` is the media type of the answer expected (XML and JSON by default).
        """
        started = time.monotonic()
        deadline = started + self._timeout
        headers = {
            "Accept": accept or _DEFAULT_ACCEPT,
            "Accept-Encoding": "identity",
            "User-Agent": f"nif/{__version__} (conformance)",
            **self._headers,
            "Content-Type": media_type,
            "Host": self._url.netloc.decode("ascii"),
        }
        failures: list[str] = []
        for address in self._addresses:
            try:
                status, answer_type, body, error = self._post(address, content, headers, deadline)
            except httpx.ConnectError as exc:
                failures.append(f"{address}: {self._scrub(str(exc)) or type(exc).__name__}")
                continue
            except httpx.TimeoutException:
                return self._failed(started, f"no complete answer within {self._timeout:g} s")
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                reason = self._scrub(str(exc)) or type(exc).__name__
                return self._failed(started, f"the exchange failed: {reason}")
            millis = (time.monotonic() - started) * 1000
            return Exchange(status, answer_type, body, error, millis)
        return self._failed(started, f"cannot connect ({'; '.join(failures)})")

    def _post(
        self, address: IPAddress, content: bytes, headers: dict[str, str], deadline: float
    ) -> tuple[int, str | None, bytes, str | None]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.TimeoutException("deadline passed")
        with (
            httpx.Client(
                verify=True, trust_env=False, follow_redirects=False, timeout=remaining
            ) as client,
            client.stream(
                "POST",
                self._url.copy_with(host=str(address), fragment=None),
                content=content,
                headers=headers,
                extensions={"sni_hostname": self._url.raw_host.decode("ascii")},
            ) as response,
        ):
            status = response.status_code
            body, error = self._read(response, deadline)
            return status, _media_type(response.headers.get("content-type")), body, error

    def _read(self, response: httpx.Response, deadline: float) -> tuple[bytes, str | None]:
        """The answer's bytes as sent, or why they were not read (and `b""`)."""
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            return b"", f"the endpoint sent Content-Encoding {encoding} though nif asked for none"
        limit = f"the limit of {self._max_bytes} bytes (endpoint_max_bytes)"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            return b"", f"the answer of {declared} bytes is over {limit}"
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > self._max_bytes:
                return b"", f"the answer is over {limit}; nif stopped reading"
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("deadline passed")
            chunks.append(chunk)
        return b"".join(chunks), None

    @staticmethod
    def _failed(started: float, error: str) -> Exchange:
        """No answer: the endpoint's failure, said in one sentence."""
        return Exchange(None, None, b"", error, (time.monotonic() - started) * 1000)

    def _scrub(self, text: str) -> str:
        """`text` without any header value (a library's message might quote one)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _checked_url(url: str, settings: Settings) -> httpx.URL:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "http" and not settings.endpoint.allow_http:
        raise UsageError(
            f"endpoint {_shown_text(url)} refused: plain http is not allowed, use https "
            "(or set endpoint_allow_http)"
        )
    if scheme not in _PORTS:
        what = f"{scheme}: URLs are" if scheme else "a URL without a scheme is"
        raise UsageError(f"endpoint {_shown_text(url)} refused: {what} not an endpoint, use https")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"endpoint {_shown_text(url)} is not a valid URL: {exc}") from None
    if parsed.userinfo:
        raise UsageError(
            f"endpoint {_shown_text(url)} refused: no user:password@ in the URL; send credentials "
            "in a header instead (e.g. 'Authorization: Basic ...'), whose value is kept secret"
        )
    if not parsed.raw_host:
        raise UsageError(f"endpoint {_shown_text(url)} has no host")
    return parsed


def _shown(url: httpx.URL) -> str:
    return (
        f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.split(b'?')[0].decode('ascii')}"
    )


def _shown_text(url: str) -> str:
    """A URL that may not parse, without user:password@ and query, for error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return repr(url.split("@")[-1].split("?")[0])
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return repr(urlunsplit(parts._replace(netloc=netloc, query="", fragment="")))


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None
