"""Hostile input to the review step: a publisher cannot accept its own proposal by any route,
cannot see another agency's, odd ids and bodies get a 4xx with a JSON body (API) or the
translated error page (pages), and what a record or a reviewer wrote is escaped on the page."""

from __future__ import annotations

import httpx
import pytest

from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401 (fixtures)
from tests.web.review import BUSREG, NEW_VERSION_IRI, propose
from tests.web.test_pages import HTML

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def live(make_server) -> LiveServer:  # noqa: F811 (the fixture imported above)
    return make_server(validation_workers=1)


def test_a_publisher_cannot_accept_its_own_proposal_by_any_route(live: LiveServer) -> None:
    busreg = live.token("publisher", "busreg", name="busreg CI")
    proposal = propose(live, busreg)["proposal"]
    url = proposal["url"]
    with live.client(busreg) as api:
        for decision in ("accept", "reject"):
            answer = api.post(f"{url}/{decision}", json={"comment": "mine"})
            assert answer.status_code == 403, answer.text
            assert answer.json()["error"] == "forbidden"
        again = propose(live, busreg)["proposal"]  # sending it again only proposes again
        assert again["id"] != proposal["id"]
        assert api.get(url).json()["state"] == "superseded"
    with live.client() as browser:
        page = _form(
            browser, f"/proposals/{again['id']}/accept", data={"token": busreg, "comment": "mine"}
        )
        assert page.status_code == 403 and "<html" in page.text
        assert busreg not in page.text
    with live.client() as reader:
        assert NEW_VERSION_IRI not in reader.get(f"/api/records/{BUSREG}").text
    entries = _audit(live)
    refused = [e for e in entries if e["action"] in ("accept", "reject")]
    assert len(refused) == 3 and all(e["outcome"] == "refused" for e in refused)


def test_odd_ids_states_and_bodies_are_4xx_with_a_body(live: LiveServer) -> None:
    proposal = propose(live, live.token("publisher", "busreg"))["proposal"]
    certifier = live.token("certifier")
    with live.client(certifier) as api:
        for odd in ("' OR 1=1 --", "..%2F..%2Fsecrets.sqlite", "x" * 65, "%00"):
            answer = api.get(f"/api/proposals/{odd}")
            assert answer.status_code in (400, 404), (odd, answer.text)
            assert answer.json()["status"] == answer.status_code
        assert api.get("/api/proposals", params={"state": "bogus"}).status_code == 400
        reject = f"{proposal['url']}/reject"
        for body in (b"not json", b'{"comment": 5}', b"[]"):
            answer = api.post(reject, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, (body, answer.text)
            assert answer.json()["error"] == "bad_request"
        huge = api.post(reject, json={"comment": "x" * 4001})
        assert huge.status_code == 400 and "4000" in huge.text
        assert api.post(reject, json={}).status_code == 400  # a comment is required
        assert api.get(proposal["url"]).json()["state"] == "open"
    with live.client() as browser:
        unknown = _form(browser, f"/proposals/{proposal['id']}/publish", data={"token": certifier})
        assert unknown.status_code == 404 and "<html" in unknown.text
        long_token = _form(browser, "/proposals", data={"token": "x" * 500})
        assert 400 <= long_token.status_code < 500 and "<html" in long_token.text
        missing = _form(browser, "/proposals/0123456789abcdef", data={"token": certifier})
        assert missing.status_code == 404 and "<html" in missing.text


def test_record_texts_and_comments_are_escaped_on_the_page(live: LiveServer) -> None:
    title = '"Company extract"@en'
    proposal = propose(live, live.token("publisher", "busreg"), "2.2.0", (title, f'"{SCRIPT}"@en'))[
        "proposal"
    ]
    certifier = live.token("certifier")
    with live.client() as browser:
        _form(
            browser,
            f"/proposals/{proposal['id']}/reject",
            data={"token": certifier, "comment": SCRIPT},
        )
        page = _form(browser, f"/proposals/{proposal['id']}", data={"token": certifier}).text
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _form(browser: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    """A form post as a browser sends it (asking for HTML)."""
    return browser.post(path, data=data, headers=HTML)


def _audit(live: LiveServer) -> list[dict[str, object]]:
    with live.client(live.token("admin")) as admin:
        entries: list[dict[str, object]] = admin.get("/api/audit").json()["entries"]
    return entries
