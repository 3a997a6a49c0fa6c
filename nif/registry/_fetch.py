"""Fetching artefacts from the network without letting a record aim nif at what it should not reach.

A submitted record names the URLs nif fetches, so every URL is untrusted:

- https only (http when `allow_http`); any other scheme (file, ftp, data, gopher...) is refused;
- the host is resolved once and *every* address it resolves to is checked: loopback, private,
  link-local (cloud metadata at 169.254.169.254), unspecified, multicast, reserved and other
  non-global addresses, also when embedded in IPv6 (IPv4-mapped, 6to4, Teredo, NAT64), are refused
  unless `allow_private` (or the host is in `allow_private_hosts`);
- nif then connects to one of the addresses it checked, not to the name: the request goes to the
  IP with the `Host` header and TLS SNI set to the name and the certificate verified against the
  name (httpx's `sni_hostname` extension). A second DNS answer (DNS rebinding) is never asked for;
- redirects are followed by hand, each `Location` checked by the same rules, at most
  `max_redirects`; every hop gets a fresh connection, so a TLS connection verified for one name
  never carries a request for another;
- the body is limited to `max_bytes` (the declared Content-Length and the bytes actually read)
  and the whole fetch to `timeout` seconds (checked between reads; each read, connect and write
  is bounded by the time left when its hop started, so a stalled server is cut at the deadline
  and a trickling one at its next chunk after it). DNS resolution is bounded by the system
  resolver's own time limits. Compressed answers are refused (none is asked for), so what is
  counted, hashed and stored are the bytes the server sent;
- nothing identifying is sent: no cookies, no credentials (URLs with user:password@ are refused),
  no proxy or .netrc from the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from nif import __version__
from nif.errors import FetchError
from nif.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_PORTS = {"http": 80, "https": 443}
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "identity",
    "User-Agent": f"nif/{__version__} (artefact pinning)",
}


@dataclasses.dataclass(frozen=True)
class FetchPolicy:
    """What `fetch` may reach and how much it may read. The defaults are the safe ones."""

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

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            allow_http=settings.fetch.allow_http,
            allow_private=settings.fetch.allow_private,
            max_bytes=settings.fetch.max_bytes,
            timeout=settings.fetch.timeout,
            max_redirects=settings.fetch.max_redirects,
        )


def shown(url: str) -> str:
    """`url` without its user:password@, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("@")[-1]
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def fetch(url: str, policy: FetchPolicy) -> bytes:
    """The body behind `url`, or a `FetchError` naming the URL (and the hop) and saying why."""
    deadline = time.monotonic() + policy.timeout
    target = url
    for hop in range(policy.max_redirects + 1):
        try:
            answer = _hop(_checked_url(target, policy), policy, deadline)
        except FetchError as exc:
            via = f" (redirected to {shown(target)})" if hop else ""
            raise FetchError(f"{shown(url)}{via}: {exc}") from None
        if isinstance(answer, bytes):
            return answer
        target = str(answer)
    raise FetchError(
        f"{shown(url)}: more than {policy.max_redirects} redirects (last to {shown(target)})"
    )


def _checked_url(url: str, policy: FetchPolicy) -> httpx.URL:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme == "http" and not policy.allow_http:
        raise FetchError("refused: plain http is not allowed, use https (or set fetch_allow_http)")
    if scheme not in _PORTS:
        what = f"{scheme}: URLs" if scheme else "relative URLs"
        raise FetchError(f"refused: {what} are never fetched, only https")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"not a valid URL: {exc}") from None
    if parsed.userinfo:
        raise FetchError("refused: URLs with credentials (user:password@) are never fetched")
    if not parsed.raw_host:
        raise FetchError("the URL has no host")
    return parsed


def _hop(url: httpx.URL, policy: FetchPolicy, deadline: float) -> bytes | httpx.URL:
    """One request: the body, or the checked-later URL a redirect points to."""
    host = url.raw_host.decode("ascii")
    port = url.port or _PORTS[url.scheme]
    trusted_hosts = {name.lower() for name in policy.allow_private_hosts}
    trusted = host.lower() in trusted_hosts or f"{host.lower()}:{port}" in trusted_hosts
    addresses = _resolve(host, port)
    if not (policy.allow_private or trusted):
        for address in addresses:
            reason = refusal(address)
            if reason:
                what = f"{host} is" if host == str(address) else f"{host} is {address},"
                raise FetchError(f"refused: {what} {reason} (set fetch_allow_private to allow)")
    failures: list[str] = []
    for address in addresses:
        try:
            return _request(url, address, policy, deadline)
        except httpx.ConnectError as exc:
            failures.append(f"{address}: {exc}")
        except httpx.TimeoutException:
            raise FetchError(f"no complete answer within {policy.timeout:g} s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise FetchError(f"failed: {exc}") from None
    raise FetchError(f"cannot connect ({'; '.join(failures)})")


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            f"cannot resolve {host}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"{host} resolves to no address")
    return addresses


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be fetched from by default, or None when it is a public one."""
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


def _request(
    url: httpx.URL, address: IPAddress, policy: FetchPolicy, deadline: float
) -> bytes | httpx.URL:
    """GET `url` from `address` exactly: the name goes only into Host and SNI."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpx.TimeoutException("deadline passed")
    host = url.raw_host.decode("ascii")
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
            "GET",
            url.copy_with(host=str(address)),
            headers={**_HEADERS, "Host": url.netloc.decode("ascii")},
            extensions={"sni_hostname": host},
        ) as response,
    ):
        if response.status_code in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"the server answered {response.status_code} without Location")
            try:
                return url.join(location)
            except httpx.InvalidURL as exc:
                raise FetchError(f"redirect to an invalid URL {location!r}: {exc}") from None
        if not 200 <= response.status_code < 300:
            reason = f" {response.reason_phrase}" if response.reason_phrase else ""
            raise FetchError(f"the server answered {response.status_code}{reason}")
        return _body(response, policy, deadline)


def _body(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    """The bytes as sent: nif asks for no compression and refuses it, so no small answer can
    inflate past the limit and what is hashed is what the server holds."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise FetchError(f"the server sent Content-Encoding {encoding} though nif asked for none")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(
            f"Content-Length {declared} bytes is over the limit of {policy.max_bytes} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"the body is over the limit of {policy.max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"no complete answer within {policy.timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
