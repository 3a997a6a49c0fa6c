"""Fetching artefacts from the network without letting a record aim nif at what it should not reach.

A submitted record names the URLs nif fetches, so every URL is untrusted: each one, and each
redirect's `Location`, passes the outbound policy (`nif.outbound`: https only, every resolved
address checked, the request pinned to a checked address, size and time limits). Redirects are
followed by hand, at most `max_redirects`, every hop on a fresh connection.
"""

from __future__ import annotations

import time

import httpx

from nif import __version__, outbound
from nif.errors import FetchError
from nif.outbound import OutboundPolicy

_REDIRECTS = {301, 302, 303, 307, 308}
_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "identity",
    "User-Agent": f"nif/{__version__} (artefact pinning)",
}


def fetch(url: str, policy: OutboundPolicy) -> bytes:
    """The body behind `url`, or a `FetchError` naming the URL (and the hop) and saying why."""
    deadline = time.monotonic() + policy.timeout
    target = url
    for hop in range(policy.max_redirects + 1):
        try:
            answer = _hop(outbound.checked_url(target, policy), policy, deadline)
        except FetchError as exc:
            via = f" (redirected to {outbound.shown(target)})" if hop else ""
            raise FetchError(f"{outbound.shown(url)}{via}: {exc}") from None
        if isinstance(answer, bytes):
            return answer
        target = str(answer)
    raise FetchError(
        f"{outbound.shown(url)}: more than {policy.max_redirects} redirects"
        f" (last to {outbound.shown(target)})"
    )


def _hop(url: httpx.URL, policy: OutboundPolicy, deadline: float) -> bytes | httpx.URL:
    """One request: the body, or the checked-later URL a redirect points to."""
    try:
        return outbound.first_connected(
            outbound.addresses(url, policy), lambda address: _get(url, address, policy, deadline)
        )
    except httpx.TimeoutException:
        raise FetchError(f"no complete answer within {policy.timeout:g} s") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise FetchError(f"failed: {exc}") from None


def _get(
    url: httpx.URL, address: outbound.IPAddress, policy: OutboundPolicy, deadline: float
) -> bytes | httpx.URL:
    with outbound.pinned_request(
        "GET", url, address, policy, deadline, headers=_HEADERS
    ) as response:
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
        return outbound.read_body(response, policy, deadline)
