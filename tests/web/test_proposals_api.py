"""The review step over HTTP on a real server: a publisher's new version is proposed (202), is
not served until a certifier accepts it, and only its agency and the reviewers see it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.web.conftest import LiveServer
from tests.web.review import BUSREG, NEW_VERSION, NEW_VERSION_IRI, new_version_bundle, propose

MakeServer = Callable[..., LiveServer]


@pytest.fixture
def live(make_server: MakeServer) -> LiveServer:
    return make_server(validation_workers=1)


def test_a_publisher_proposes_a_version_and_a_certifier_accepts_it(live: LiveServer) -> None:
    busreg = live.token("publisher", "busreg", name="busreg CI")
    body = propose(live, busreg)
    assert body["status"] == "proposed" and body["records"] == []
    proposal = body["proposal"]
    assert proposal["url"] == f"/api/proposals/{proposal['id']}"
    assert proposal["reasons"] == [{"change": "version-added", "version": NEW_VERSION}]
    assert proposal["proposer"].endswith("(busreg CI)")

    with live.client() as reader:
        assert NEW_VERSION_IRI not in reader.get(f"/api/records/{BUSREG}").text
        assert f"/{NEW_VERSION}" not in reader.get(f"/interfaces/{BUSREG}").text

    with live.client(busreg) as own:
        listed = own.get("/api/proposals", params={"state": "open"}).json()["proposals"]
        assert [p["id"] for p in listed] == [proposal["id"]]
        shown = own.get(proposal["url"]).json()
        assert shown["state"] == "open" and shown["stale"] is False
        added = {g["subject"]["iri"] for g in shown["diff"]["added"]}
        assert NEW_VERSION_IRI in added
        assert all("/2.2.0" not in g["subject"]["text"] for g in shown["diff"]["removed"])
        (assessed,) = shown["assessments"]
        assert assessed["version"] == NEW_VERSION
        assert assessed["assessment"]["breaking"] is False
        refused = own.post(f"{proposal['url']}/accept", json={})
        assert refused.status_code == 403, refused.text

    certifier = live.token("certifier", name="competence centre")
    with live.client(certifier) as cc:
        assert [p["id"] for p in cc.get("/api/proposals").json()["proposals"]] == [proposal["id"]]
        no_comment = cc.post(f"{proposal['url']}/reject", json={"comment": " "})
        assert no_comment.status_code == 400 and "comment" in no_comment.json()["message"]
        accepted = cc.post(f"{proposal['url']}/accept", json={"comment": "looks right"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"
        assert accepted.json()["proposal"]["decided_by"].endswith("(competence centre)")
        again = cc.post(f"{proposal['url']}/accept", json={})
        assert again.status_code == 409 and again.json()["error"] == "review_conflict"
        history = cc.get(f"/api/records/{BUSREG}/history").json()["versions"]
        assert history[-1]["action"] == "accept"
        assert history[-1]["actor"].endswith("(competence centre)")

    with live.client() as reader:
        assert NEW_VERSION_IRI in reader.get(f"/api/records/{BUSREG}").text


def test_other_agencies_do_not_see_a_proposal(live: LiveServer) -> None:
    proposal = propose(live, live.token("publisher", "busreg"))["proposal"]
    with live.client(live.token("publisher", "civreg")) as other:
        assert other.get("/api/proposals").json()["proposals"] == []
        hidden = other.get(proposal["url"])
        assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
        assert other.post(f"{proposal['url']}/reject", json={"comment": "x"}).status_code == 403
    with live.client() as anonymous:
        assert anonymous.get("/api/proposals").status_code == 401
        assert anonymous.get(proposal["url"]).status_code == 401


def test_review_off_stores_a_publisher_version_at_once(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1, registry_review=False)
    with live.client(live.token("publisher", "busreg")) as busreg:
        answer = busreg.put(
            f"/api/records/{BUSREG}",
            content=new_version_bundle(),
            headers={"Content-Type": "application/zip"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "stored"
        assert NEW_VERSION_IRI in busreg.get(f"/api/records/{BUSREG}").text


def test_the_pages_need_a_token_and_show_the_diff(live: LiveServer) -> None:
    proposal = propose(live, live.token("publisher", "busreg"))["proposal"]
    certifier = live.token("certifier")
    with live.client() as browser:
        form = browser.get("/proposals")
        assert form.status_code == 200 and 'type="password"' in form.text
        assert proposal["id"] not in form.text
        refused = browser.post("/proposals", data={"token": "nif_bad"})
        assert refused.status_code == 401 and proposal["id"] not in refused.text
        listed = browser.post("/proposals", data={"token": certifier})
        assert f'href="/proposals/{proposal["id"]}"' in listed.text
        shown = browser.post(f"/proposals/{proposal['id']}", data={"token": certifier})
        assert shown.status_code == 200
        assert "dcat:version" in shown.text and f"&#34;{NEW_VERSION}&#34;" in shown.text
        assert "_:" not in shown.text
        assert f'action="/proposals/{proposal["id"]}/accept"' in shown.text
        assert certifier not in shown.text
        german = browser.post(
            f"/proposals/{proposal['id']}?lang=de", data={"token": certifier}
        ).text
        assert "Vorschlag" in german
        busreg_page = browser.post(
            f"/proposals/{proposal['id']}", data={"token": live.token("publisher", "busreg")}
        )
        assert busreg_page.status_code == 200 and "/accept" not in busreg_page.text
        rejected = browser.post(
            f"/proposals/{proposal['id']}/reject", data={"token": certifier, "comment": "no"}
        )
        assert rejected.status_code == 200 and "no" in rejected.text
    with live.client(certifier) as cc:
        assert cc.get(proposal["url"]).json()["state"] == "rejected"
