"""Hostile requests to the linked-data routes (issue 15, item 5): path traversal and injection
in IRI paths, huge, negative and malformed page numbers, and odd `Accept` headers. Each gets a
4xx with a JSON body, and no file or graph outside what the IRI names is read."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest

from tests.web.conftest import LiveServer
from tests.web.test_linked_data import fetch, linked_service


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from linked_service(tmp_path_factory)


def raw_get(live: LiveServer, target: str, accept: str = "text/turtle") -> tuple[int, str]:
    """A request line sent as written: clients normalise `..` away, attackers do not."""
    host, port = live.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.putheader("Accept", accept)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize(
    "target",
    [
        "/interface/../agency/townreg",
        "/interface/town-address/../../agency/townreg",
        "/interface/%2e%2e/agency/townreg",
        "/interface/town-address/%2F..%2F..%2Fsecrets.sqlite",
        "/files/../secrets.sqlite",
        "/files/town-address/..%2f..%2fsecrets.sqlite",
        "/certification/run/%00",
        "/interface/town-address%3E%20%3Chttp:%2F%2Fevil%3E",
        "/agency/" + "a" * 5000,
    ],
)
def test_path_tricks_find_nothing(live: LiveServer, target: str) -> None:
    status, body = raw_get(live, target)
    assert status in (400, 404), (target, status)
    assert '"status"' in body, body[:200]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e3", str(10**30), "1000001"])
def test_bad_page_numbers_are_refused(live: LiveServer, page: str) -> None:
    answer = fetch(live, f"/catalog?page={page}")
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "bad_request"


def test_a_page_past_the_last_is_not_found(live: LiveServer) -> None:
    answer = fetch(live, "/catalog?page=4")
    assert answer.status_code == 404
    assert "there is no page 4" in answer.json()["message"]


@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("image/png", 406),
        ("text/turtle;q=0", 406),
        ("text/turtle;q=abc, application/ld+json", 200),
        (",,;;;q=,*/*;q=0.1", 200),
        ("text/*", 200),
        ("a" * 4000, 406),
    ],
)
def test_accept_oddities(live: LiveServer, accept: str, status: int) -> None:
    for path in ("/catalog", "/interface/town-address", "/sparql"):
        answer = fetch(live, path, accept)
        assert answer.status_code == status, (path, accept, answer.text[:200])
        if status == 406:
            assert answer.json()["error"] == "not_acceptable"


def test_an_unknown_format_is_refused(live: LiveServer) -> None:
    for path in ("/catalog?format=yaml", "/interface/town-address?format=yaml"):
        answer = fetch(live, path)
        assert answer.status_code == 400
        assert "yaml" in answer.json()["message"]
