"""The outbound policy itself: its two settings groups and what each refusal names.

Fetching (tests/registry/test_fetch.py) and endpoints (tests/certify/test_endpoint.py) test it
against real servers; these need no network."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from nif.errors import FetchError
from nif.outbound import OutboundPolicy, addresses, checked_url, refusal
from nif.settings import Settings

ENDPOINT = OutboundPolicy.from_settings(Settings(), "endpoint")


def test_each_settings_group_makes_its_policy() -> None:
    settings = Settings(
        fetch_allow_http=True,
        fetch_max_redirects=2,
        endpoint_allow_private=True,
        endpoint_max_bytes=10,
        endpoint_timeout=1.5,
    )
    fetch = OutboundPolicy.from_settings(settings)
    assert (fetch.group, fetch.allow_http, fetch.allow_private, fetch.max_redirects) == (
        "fetch",
        True,
        False,
        2,
    )
    endpoint = OutboundPolicy.from_settings(settings, "endpoint")
    assert (endpoint.group, endpoint.allow_http, endpoint.allow_private) == (
        "endpoint",
        False,
        True,
    )
    assert (endpoint.max_bytes, endpoint.timeout, endpoint.max_redirects) == (10, 1.5, 0)


@pytest.mark.parametrize(
    ("url", "fetching", "calling"),
    [
        ("http://example.org/", "(or set fetch_allow_http)", "(or set endpoint_allow_http)"),
        ("ftp://example.org/", "ftp: URLs are never fetched", "ftp: URLs are not an endpoint"),
        ("https://u:p@example.org/", "are never fetched", "send credentials in a header"),
    ],
)
def test_a_refusal_names_the_settings_group_and_its_way_out(
    url: str, fetching: str, calling: str
) -> None:
    for policy, said in ((OutboundPolicy(), fetching), (ENDPOINT, calling)):
        with pytest.raises(FetchError, match=r"^refused: ") as caught:
            checked_url(url, policy)
        assert said in str(caught.value)
        assert "u:p" not in str(caught.value)


def test_a_private_address_is_refused_unless_the_group_allows_it() -> None:
    url = httpx.URL("https://10.1.2.3/x")
    with pytest.raises(FetchError, match=r"10.1.2.3 is a private address \(set endpoint_allow"):
        addresses(url, ENDPOINT)
    allowed = OutboundPolicy(allow_private_hosts=frozenset({"10.1.2.3:443"}))
    assert addresses(url, allowed) == [ipaddress.ip_address("10.1.2.3")]
    assert refusal(ipaddress.ip_address("64:ff9b::a9fe:a9fe")) == (
        "which embeds 169.254.169.254, a link-local address (where cloud metadata services answer)"
    )
