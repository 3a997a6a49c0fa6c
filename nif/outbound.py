"""Which URLs nif may reach, and how: the one policy for everything nif sends over the network
to an address someone else chose (artefact URLs in records, an agency's endpoint).

Every such URL is untrusted:

- https only (http when `allow_http`); any other scheme (file, ftp, data, gopher...) is refused,
  and so are URLs with user:password@ (nothing identifying is sent: no cookies, no credentials,
  no proxy or .netrc from the environment);
- the host is resolved once and *every* address it resolves to is checked: loopback, private,
  link-local (cloud metadata at 169.254.169.254), unspecified, multicast, reserved and other
  non-global addresses, also when embedded in IPv6 (IPv4-mapped, 6to4, Teredo, NAT64), are refused
  unless `allow_private` (or the host is in `allow_private_hosts`);
- nif then connects to one of the addresses it checked, not to the name: the request goes to the
  IP with the `Host` header and TLS SNI set to the name and the certificate verified against the
  name (httpx's `sni_hostname` extension). A second DNS answer (DNS rebinding) is never asked for;
  every request gets a fresh connection, so one verified for a name never carries another's;
- the body is limited to `max_bytes` (the declared Content-Length and the bytes actually read)
  and the exchange to `timeout` seconds (checked between reads; each read, connect and write is
  bounded by the time left when the request started, so a stalled server is cut at the deadline
  and a trickling one at its next chunk after it). Compressed answers are refused (none is asked
  for), so what is counted, hashed and judged are the bytes the server sent.

The settings group (`fetch_*` or `endpoint_*`) parameterises it; refusals name the setting that
would allow what they refuse.
"""

from __future__ import annotations

import contextlib
import dataclasses
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx

from nif.errors import FetchError
from nif.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Group = Literal["fetch", "endpoint"]
T = TypeVar("T")

PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_WORDING: dict[Group, tuple[str, str, str]] = {
    # (what a refused scheme is, the refusal of user:password@, who answers)
    "fetch": (
        "never fetched, only https",
        "URLs with credentials (user:password@) are never fetched",
        "the server",
    ),
    "endpoint": (
        "not an endpoint, use https",
        "no user:password@ in the URL; send credentials in a header instead (e.g. "
        "'Authorization: Basic ...'), whose value is kept secret",
        "the endpoint",
    ),
}


@dataclasses.dataclass(frozen=True)
class OutboundPolicy:
    """What nif may reach and how much it may read. The defaults are the safe ones."""

    allow_http: bool = False
    allow_private: bool = False
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 30.0
    max_redirects: int = 5
    allow_private_hosts: frozenset[str] = frozenset()
    """`host` or `host:port` (as in URLs, IDNA-encoded) whose addresses may be private: one
    intranet schema server, without opening every private address."""
    ca_file: Path | None = None
    """PEM file of the certificate authorities to trust instead of the public ones."""
    group: Group = "fetch"
    """The settings that loosen the policy, named in refusals (`fetch_allow_http`...)."""

    @classmethod
    def from_settings(cls, settings: Settings, group: Group = "fetch") -> OutboundPolicy:
        """Artefact fetching (`fetch_*`), or an agency's endpoint (`endpoint_*`: redirects are
        the endpoint's answer, never followed)."""
        if group == "endpoint":
            return cls(
                allow_http=settings.endpoint.allow_http,
                allow_private=settings.endpoint.allow_private,
                max_bytes=settings.endpoint.max_bytes,
                timeout=settings.endpoint.timeout,
                max_redirects=0,
                group=group,
            )
        return cls(
            allow_http=settings.fetch.allow_http,
            allow_private=settings.fetch.allow_private,
            max_bytes=settings.fetch.max_bytes,
            timeout=settings.fetch.timeout,
            max_redirects=settings.fetch.max_redirects,
        )

    @property
    def peer(self) -> str:
        """Who answers, in messages: the server, the endpoint."""
        return _WORDING[self.group][2]


def shown(url: str) -> str:
    """`url` without its user:password@, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("@")[-1]
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def checked_url(url: str, policy: OutboundPolicy) -> httpx.URL:
    """`url` parsed, or a `FetchError` saying why the policy refuses it (the URL not in it)."""
    never, credentials, _ = _WORDING[policy.group]
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "http" and not policy.allow_http:
        raise FetchError(
            f"refused: plain http is not allowed, use https (or set {policy.group}_allow_http)"
        )
    if scheme not in PORTS:
        what = f"{scheme}: URLs are" if scheme else "a URL without a scheme is"
        raise FetchError(f"refused: {what} {never}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"it is not a valid URL: {exc}") from None
    if parsed.userinfo:
        raise FetchError(f"refused: {credentials}")
    if not parsed.raw_host:
        raise FetchError("the URL has no host")
    return parsed


def addresses(url: httpx.URL, policy: OutboundPolicy) -> list[IPAddress]:
    """The addresses `url`'s host resolves to, every one allowed by the policy; `FetchError`
    when the host does not resolve or one address is refused (the DNS answer is all or none)."""
    host = url.raw_host.decode("ascii")
    port = url.port or PORTS[url.scheme]
    trusted_hosts = {name.lower() for name in policy.allow_private_hosts}
    trusted = host.lower() in trusted_hosts or f"{host.lower()}:{port}" in trusted_hosts
    found = _resolve(host, port)
    if not (policy.allow_private or trusted):
        for address in found:
            reason = refusal(address)
            if reason:
                what = f"{host} is" if host == str(address) else f"{host} is {address},"
                raise FetchError(
                    f"refused: {what} {reason} (set {policy.group}_allow_private to allow)"
                )
    return found


def _resolve(host: str, port: int) -> list[IPAddress]:
    """DNS resolution, bounded by the system resolver's own time limits."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in found:
            found.append(address)
    if not found:
        raise FetchError(f"{host} resolves to no address")
    return found


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be reached by default, or None when it is a public one."""
    for embedded in _embedded(address):
        reason = _refusal(embedded)
        if reason:
            return reason if embedded == address else f"which embeds {embedded}, {reason}"
    return None


def _embedded(address: IPAddress) -> Iterable[IPAddress]:
    """The IPv4 addresses an IPv6 address carries (they say where it leads), then itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            yield address.ipv4_mapped
        if address.sixtofour:
            yield address.sixtofour
        if address.teredo:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    yield address


def _refusal(address: IPAddress) -> str | None:
    checks = (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address (where cloud metadata services answer)"),
        ("is_unspecified", "the unspecified address"),
        ("is_multicast", "a multicast address"),
        ("is_private", "a private address"),
        ("is_reserved", "a reserved address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:
        return "not a globally routable address"
    return None


def first_connected(
    found: Iterable[IPAddress],
    attempt: Callable[[IPAddress], T],
    scrub: Callable[[str], str] = str,
) -> T:
    """`attempt` at each address in turn until one connects; `FetchError` naming every address
    and why it could not be reached (through `scrub`, which may hide secrets) when none does.
    Any other failure is the answer's, and propagates."""
    failures: list[str] = []
    for address in found:
        try:
            return attempt(address)
        except httpx.ConnectError as exc:
            failures.append(f"{address}: {scrub(str(exc)) or type(exc).__name__}")
    raise FetchError(f"cannot connect ({'; '.join(failures)})")


@contextlib.contextmanager
def pinned_request(
    method: str,
    url: httpx.URL,
    address: IPAddress,
    policy: OutboundPolicy,
    deadline: float,
    *,
    headers: Mapping[str, str],
    content: bytes | None = None,
) -> Iterator[httpx.Response]:
    """`method` `url` sent to `address` exactly, on a fresh connection, the name only in Host
    and SNI; the response streamed, its body not yet read (`read_body`). Raises httpx's errors
    (`httpx.TimeoutException` once `deadline` has passed)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpx.TimeoutException("deadline passed")
    verify: ssl.SSLContext | bool = True
    if policy.ca_file:
        try:
            verify = ssl.create_default_context(cafile=policy.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"cannot use the CA file {policy.ca_file}: {exc}") from None
    with (
        httpx.Client(
            verify=verify, trust_env=False, follow_redirects=False, timeout=remaining
        ) as client,
        client.stream(
            method,
            url.copy_with(host=str(address), fragment=None),
            content=content,
            headers={**headers, "Host": url.netloc.decode("ascii")},
            extensions={"sni_hostname": url.raw_host.decode("ascii")},
        ) as response,
    ):
        yield response


def read_body(response: httpx.Response, policy: OutboundPolicy, deadline: float) -> bytes:
    """The bytes as sent, or a `FetchError` when they are compressed or over `max_bytes`
    (`httpx.ReadTimeout` past `deadline`). nif asks for no compression and refuses it, so no
    small answer can inflate past the limit and what is hashed is what the server holds."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError(
            f"{policy.peer} sent Content-Encoding {encoding} though nif asked for none"
        )
    limit = f"the limit of {policy.max_bytes} bytes ({policy.group}_max_bytes)"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(f"Content-Length {declared} bytes is over {limit}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"the body is over {limit}; nif stopped reading")
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("deadline passed")
        chunks.append(chunk)
    return b"".join(chunks)
