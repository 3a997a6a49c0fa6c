"""Endpoint mode: sending a suite's messages to an agency's live endpoint, safely.

The URL comes from a user (CLI or web form), so it gets the outbound policy artefact fetching
has too (`nif.outbound`, with the `endpoint_*` settings):

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

import httpx

from nif import __version__
from nif.certify._model import Exchange
from nif.errors import FetchError, UsageError
from nif.outbound import (
    IPAddress,
    OutboundPolicy,
    addresses,
    checked_url,
    first_connected,
    pinned_request,
    read_body,
    shown,
)
from nif.settings import Settings

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
        self._policy = OutboundPolicy.from_settings(settings, "endpoint")
        try:
            self._url = checked_url(url, self._policy)
        except FetchError as exc:
            raise UsageError(f"endpoint {_shown_text(url)}: {exc}") from None
        self.shown = _shown(self._url)
        """The URL without its query (it may hold a key) and fragment: for runs, EARL, pages."""
        for name, value in headers.items():
            _check_header(name, value, "header")
        self._headers = dict(headers)
        self._secrets = tuple(sorted({v for v in headers.values() if v}, key=len, reverse=True))
        try:
            self._addresses = addresses(self._url, self._policy)
        except FetchError as exc:
            raise UsageError(f"endpoint {self.shown}: {exc}") from None

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
        deadline = started + self._policy.timeout
        headers = {
            "Accept": accept or _DEFAULT_ACCEPT,
            "Accept-Encoding": "identity",
            "User-Agent": f"nif/{__version__} (conformance)",
            **self._headers,
            "Content-Type": media_type,
        }
        try:
            status, answer_type, body, error = first_connected(
                self._addresses,
                lambda address: self._post(address, content, headers, deadline),
                self._scrub,
            )
        except FetchError as exc:
            return self._failed(started, str(exc))
        except httpx.TimeoutException:
            return self._failed(started, f"no complete answer within {self._policy.timeout:g} s")
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            reason = self._scrub(str(exc)) or type(exc).__name__
            return self._failed(started, f"the exchange failed: {reason}")
        millis = (time.monotonic() - started) * 1000
        return Exchange(status, answer_type, body, error, millis)

    def _post(
        self, address: IPAddress, content: bytes, headers: dict[str, str], deadline: float
    ) -> tuple[int, str | None, bytes, str | None]:
        """The status, media type and bytes of the answer, or why the bytes were not read."""
        with pinned_request(
            "POST", self._url, address, self._policy, deadline, headers=headers, content=content
        ) as response:
            try:
                body, error = read_body(response, self._policy, deadline), None
            except FetchError as exc:
                body, error = b"", str(exc)
            media_type = _media_type(response.headers.get("content-type"))
            return response.status_code, media_type, body, error

    @staticmethod
    def _failed(started: float, error: str) -> Exchange:
        """No answer: the endpoint's failure, said in one sentence."""
        return Exchange(None, None, b"", error, (time.monotonic() - started) * 1000)

    def _scrub(self, text: str) -> str:
        """`text` without any header value (a library's message might quote one)."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _shown(url: httpx.URL) -> str:
    return (
        f"{url.scheme}://{url.netloc.decode('ascii')}{url.raw_path.split(b'?')[0].decode('ascii')}"
    )


def _shown_text(url: str) -> str:
    """A URL that may not parse, without user:password@, query and fragment, for errors."""
    return repr(shown(url).split("?")[0].split("#")[0])


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None
