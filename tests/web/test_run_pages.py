"""The certification index, run permalinks, the certificate list and suite zips through a real
server: what anyone sees, what a token shows (the API's rule: a publisher its own agency's runs,
certifiers and admins every run), a certifier coming back to a run to issue, and bad ids."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable, Iterator

import httpx
import pytest

from nif.certify import find_suite
from nif.web.pages import _i18n
from tests.web.certification import BIRTH, VAT, issued, start_run
from tests.web.conftest import LiveServer
from tests.web.test_pages import HTML, check_accessible, t
from tests.web.test_records_api import WHO, credentials

MakeServer = Callable[..., LiveServer]
SUITE = find_suite("civreg-birth", "2.0.0")


@pytest.fixture(scope="module")
def live(server: LiveServer) -> LiveServer:
    return server


@pytest.fixture
def browser(live: LiveServer) -> Iterator[httpx.Client]:
    """A client that asks for HTML as a browser does and follows no redirect."""
    with httpx.Client(base_url=live.url, headers=HTML, timeout=60) as client:
        yield client


def new_run(live: LiveServer, subject: tuple[str, str, str] = BIRTH) -> str:
    """A fresh certification run of `subject` (a certifier's), its id."""
    with live.client(live.token("certifier", name="cc")) as client:
        answer = start_run(client, subject)
    assert answer.status_code == 201, answer.text
    run_id: str = answer.json()["id"]
    return run_id


def text(body: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# the index


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_the_index_lists_the_suites_and_links_their_zips(browser: httpx.Client, lang: str) -> None:
    answer = browser.get("/certification", params={"lang": lang})
    assert answer.status_code == 200, answer.text
    check_accessible(answer.text, lang)
    assert t(lang, "certification.index.title") in answer.text
    assert 'href="/certification/civreg-birth/2.0.0"' in answer.text
    assert 'href="/certification/civreg-birth/2.0.0/suite.zip"' in answer.text
    assert 'aria-current="page"' in answer.text.split('href="/certification"', 1)[1][:40]
    assert 'type="password"' in answer.text and "nif_" in answer.text


def test_the_menu_links_agencies_and_certification(browser: httpx.Client) -> None:
    nav = browser.get("/").text.split("<nav", 2)[1]
    for href in ("/agencies", "/certification", "/certificates", "/self-test"):
        assert f'href="{href}"' in nav, href


def test_anonymous_sees_no_private_run_on_the_index(
    live: LiveServer, browser: httpx.Client
) -> None:
    run_id = new_run(live)
    assert run_id not in browser.get("/certification").text


INDEX_SEEN = {
    "anonymous": (401, False, False),
    "publisher-A": (200, True, False),
    "publisher-B": (200, False, True),
    "certifier": (200, True, True),
    "admin": (200, True, True),
    "revoked": (401, False, False),
    "unknown": (401, False, False),
    "malformed": (401, False, False),
}
"""`POST /certification` by who asks: the status, and whether a civreg (A) and a tax (B) run
are listed (the API's rule for `GET /api/certification/runs`)."""


@pytest.mark.parametrize("who", WHO)
def test_index_authorisation_matrix(live: LiveServer, browser: httpx.Client, who: str) -> None:
    birth, vat = new_run(live, BIRTH), new_run(live, VAT)
    token = credentials(live, who)
    answer = browser.post("/certification", data={"token": token or ""})
    status, sees_birth, sees_vat = INDEX_SEEN[who]
    assert answer.status_code == status, answer.text
    assert (f'href="/certification/runs/{birth}"' in answer.text) is sees_birth
    assert (f'href="/certification/runs/{vat}"' in answer.text) is sees_vat
    if status == 401:
        assert 'role="alert"' in answer.text
    if token:
        assert token.split("_", 2)[-1] not in answer.text


def test_a_bad_token_on_the_index_is_refused_beside_the_form(
    live: LiveServer, browser: httpx.Client
) -> None:
    answer = browser.post("/certification", data={"token": "nif_nope_nope"})
    assert answer.status_code == 401
    assert 'role="alert"' in answer.text and "nif_nope_nope" not in answer.text


# the run permalink and its authorisation matrix


RUN_SEEN = {
    "anonymous": 401,
    "publisher-A": 200,
    "publisher-B": 404,
    "certifier": 200,
    "admin": 200,
    "revoked": 401,
    "unknown": 401,
    "malformed": 401,
}
"""`POST /certification/runs/{id}` of a civreg run, by who asks (the API's rule)."""


@pytest.mark.parametrize("who", WHO)
def test_run_page_authorisation_matrix(make_server: MakeServer, who: str) -> None:
    """GET shows anyone the same public page for a private run and for none at all; POST with
    a token shows the results only to a token that may see the run (else the public page with
    the 404 of a run that does not exist); the token is never echoed."""
    live = make_server()
    run_id = new_run(live)
    token = credentials(live, who)
    with httpx.Client(base_url=live.url, headers=HTML, timeout=60) as client:
        public = client.get(f"/certification/runs/{run_id}")
        missing = client.get("/certification/runs/run-20000101-00000000")
        assert public.status_code == missing.status_code == 200
        assert public.text.replace(run_id, "X") == missing.text.replace(
            "run-20000101-00000000", "X"
        )
        assert SUITE.cases[0].title not in public.text
        answer = client.post(f"/certification/runs/{run_id}", data={"token": token or ""})
    assert answer.status_code == RUN_SEEN[who], answer.text
    shown = SUITE.cases[0].title in text(answer.text)
    assert shown is (RUN_SEEN[who] == 200)
    issue_form = f'action="/certification/runs/{run_id}/issue"' in answer.text
    assert issue_form is (who in ("certifier", "admin"))
    if token:
        assert token.split("_", 2)[-1] not in answer.text


@pytest.mark.parametrize(
    "bad", ["nope", "run-2026-1", "..%2F..%2Fetc", "run-20260101-0000000g", "x" * 300]
)
def test_malformed_run_ids_are_404_pages(live: LiveServer, browser: httpx.Client, bad: str) -> None:
    for answer in (
        browser.get(f"/certification/runs/{bad}"),
        browser.post(f"/certification/runs/{bad}", data={"token": "x"}),
    ):
        assert answer.status_code == 404, answer.text
        assert "<h1" in answer.text


def test_a_certifier_comes_back_to_a_run_and_issues(
    live: LiveServer, browser: httpx.Client
) -> None:
    """The run's permalink, later: the token shows the results and the issue form; issuing
    redirects to the certificate; the run page then shows the published results to anyone."""
    run_id = new_run(live)
    token = live.token("certifier", name="cc")
    opened = browser.post(f"/certification/runs/{run_id}", data={"token": token})
    assert opened.status_code == 200
    assert f'action="/certification/runs/{run_id}/issue"' in opened.text
    done = browser.post(f"/certification/runs/{run_id}/issue", data={"token": token})
    assert done.status_code == 303, done.text
    cert_id = done.headers["location"].rsplit("/", 1)[-1]
    public = browser.get(f"/certification/runs/{run_id}")
    assert f'href="/certificates/{cert_id}"' in public.text
    assert SUITE.cases[0].title in text(public.text)
    check_accessible(public.text, "en")
    index = browser.get("/certification").text
    assert f'href="/certification/runs/{run_id}"' in index


# the certificate list


def test_the_certificate_list_filters_and_shows_every_state(
    make_server: MakeServer,
) -> None:
    live = make_server()
    with live.client(live.token("certifier", name="cc")) as cc:
        kept = issued(cc)
        revoked = issued(cc)
        answer = cc.post(f"/api/certificates/{revoked['id']}/revoke", json={"reason": "test"})
        assert answer.status_code == 200, answer.text
        vat = issued(cc, VAT)
    with httpx.Client(base_url=live.url, headers=HTML, timeout=60) as client:
        every = client.get("/certificates")
        assert every.status_code == 200
        check_accessible(every.text, "en")
        for cert in (kept, revoked, vat):
            assert f'href="/certificates/{cert["id"]}"' in every.text
        assert "state-revoked" in every.text and "state-certified" in every.text
        civreg = client.get("/certificates", params={"agency": "civreg"}).text
        assert vat["id"] not in civreg and kept["id"] in civreg
        by_interface = client.get("/certificates", params={"interface": "tax-vat-return"}).text
        assert vat["id"] in by_interface and kept["id"] not in by_interface
        only_revoked = client.get("/certificates", params={"state": "revoked"}).text
        assert revoked["id"] in only_revoked and kept["id"] not in only_revoked
        bad = client.get("/certificates", params={"state": "<script>"})
        assert bad.status_code == 400 and "<script>" not in bad.text


# the suite zip


def test_the_suite_zip_holds_the_manifest_and_the_messages(browser: httpx.Client) -> None:
    answer = browser.get("/certification/civreg-birth/2.0.0/suite.zip")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/zip"
    assert 'filename="civreg-birth-2.0.0-suite.zip"' in answer.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert contents == {f.path: f.content for f in SUITE.files}
    sent = {c.message for c in SUITE.cases if c.message}
    assert sent and sent <= set(contents)
    assert "manifest.ttl" in contents
    assert browser.get("/certification/civreg-birth/2.0.0/suite.zip").content == answer.content


@pytest.mark.parametrize(
    "path", ["civreg-birth/9.9.9", "nope/1.0.0", "..%2F..%2Fetc/1.0.0", "civreg-birth/.."]
)
def test_no_suite_no_zip(browser: httpx.Client, path: str) -> None:
    answer = browser.get(f"/certification/{path}/suite.zip")
    assert answer.status_code == 404
