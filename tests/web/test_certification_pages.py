"""The certification page through a real server: the suite and certificates of a version, runs
from the forms (evidence and endpoint, the token typed into the form), issuing and revoking,
every refusal shown beside its form with the right status, and the token never echoed."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nif.certify import find_suite
from nif.certify._model import CaseOutcome
from nif.registry import Registry
from nif.settings import Settings
from nif.web.pages import _i18n
from tests.certify import endpoints
from tests.web.certification import BROKEN_REGISTRATION, evidence_zip
from tests.web.conftest import LiveServer
from tests.web.test_pages import HTML, check_accessible, t

MakeServer = Callable[..., LiveServer]
PAGE = "/certification/civreg-birth/2.0.0"
SUITE = find_suite("civreg-birth", "2.0.0")
BIRTH = ("civreg", "civreg-birth", "2.0.0")


@pytest.fixture(scope="module")
def live(server: LiveServer) -> LiveServer:
    """One service for the module (each test makes the runs and certificates it reads)."""
    return server


@pytest.fixture
def browser(live: LiveServer) -> Iterator[httpx.Client]:
    """A client that asks for HTML as a browser does and follows no redirect."""
    with httpx.Client(base_url=live.url, headers=HTML, timeout=60) as client:
        yield client


def run(
    client: httpx.Client,
    token: str | None,
    *,
    agency: str = "civreg",
    content: bytes | None = None,
    path: str = PAGE,
) -> httpx.Response:
    """Submit the evidence form (the demo evidence unless `content` is given)."""
    zipped = evidence_zip(*BIRTH) if content is None else content
    return client.post(
        f"{path}/run",
        data={"mode": "evidence", "agency": agency, "token": token or ""},
        files={"evidence": ("evidence.zip", zipped, "application/zip")},
    )


def run_id(body: str) -> str:
    found = re.search(r"/certification/runs/(run-[0-9]{8}-[0-9a-f]{8})/issue", body)
    assert found, "no issue form"
    return found.group(1)


def shown_run_id(body: str) -> str:
    found = re.search(r"<code>(run-[0-9]{8}-[0-9a-f]{8})</code>", body)
    assert found, body[:2000]
    return found.group(1)


def result_sections(body: str) -> dict[str, str]:
    """Each case's section of a run page, by case id."""
    results = body.split('<h2 id="results-heading">', 1)[-1].split("</main>")[0]
    parts = results.split('<section class="case" id="result-')[1:]
    return {part.split('"', 1)[0]: part for part in parts}


def refusal(body: str) -> str:
    found = re.search(r'<div class="alert error" role="alert"[^>]*>(.*?)</div>', body, re.S)
    assert found, "no refusal shown"
    return html.unescape(found.group(1))


def audit(live: LiveServer) -> list[dict[str, Any]]:
    with live.client(live.token("admin", name="auditor")) as admin:
        entries: list[dict[str, Any]] = admin.get("/api/audit", params={"limit": 10_000}).json()[
            "entries"
        ]
    return entries


# the page


@pytest.mark.parametrize("lang", _i18n.LANGUAGES)
def test_the_page_shows_the_suite_and_its_forms_in_every_language(
    browser: httpx.Client, lang: str
) -> None:
    answer = browser.get(PAGE, headers={"Accept-Language": lang})
    assert answer.status_code == 200
    body = answer.text
    check_accessible(body, lang)
    heading = re.search(r"<h1>(.*?)</h1>", body)
    assert heading and "2.0.0" in heading.group(1)
    assert t(lang, "certification.run") in body and t(lang, "certification.suite") in body
    assert SUITE.sha256 in body and SUITE.iri in body
    for case in SUITE.cases:
        row = re.search(rf'<tr id="case-{case.identifier}">(.*?)</tr>', body, re.S)
        assert row, case.identifier
        text = html.unescape(row.group(1))
        assert case.title in text and case.description in text
        assert t(lang, f"certification.kind.{case.kind}") in text
        required = "certificate.mandatory" if case.mandatory else "certificate.optional"
        assert t(lang, required) in text
        if case.message:
            assert case.message in text
    reject = html.unescape(
        re.search(r'<tr id="case-reject-missing-mother-id">(.*?)</tr>', body, re.S).group(1)
    )
    assert "400, 422" in reject and "BirthNotification" in reject
    consume = html.unescape(
        re.search(r'<tr id="case-consume-newborn">(.*?)</tr>', body, re.S).group(1)
    )
    assert "BN-2024-000871" in consume and "BirthRegistration" in consume
    passwords = re.findall(r"<input [^>]*type=\"password\"[^>]*>", body)
    assert len(passwords) == 2
    assert all('name="token"' in p and 'autocomplete="off"' in p for p in passwords)
    assert body.count('enctype="multipart/form-data"') == 2
    assert t(lang, "certification.token_help") in html.unescape(body)
    assert t(lang, "certification.no_certificates") in body


@pytest.mark.parametrize(
    "path",
    [
        "/certification/civreg-birth/9.9.9",
        "/certification/no-such-interface/1.0.0",
        "/certification/tax-income-statement/1.0.0",
        "/certification/civreg-birth/1.0.0",
        "/certification/civreg-birth/..%2F2.0.0",
    ],
)
def test_unknown_versions_and_versions_without_a_suite_are_404_pages(
    browser: httpx.Client, path: str
) -> None:
    answer = browser.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    check_accessible(answer.text, "en")


# runs


def test_a_certifier_runs_passing_evidence_and_issues_the_certificate(
    live: LiveServer, browser: httpx.Client
) -> None:
    token = live.token("certifier", name="competence centre")
    answer = run(browser, token)
    assert answer.status_code == 200, refusal(answer.text)
    body = answer.text
    check_accessible(body, "en")
    assert token not in body and token.split("_", 2)[2] not in body
    sections = result_sections(body)
    assert set(sections) == {c.identifier for c in SUITE.cases}
    passed = t("en", "certificate.outcomes.passed")
    assert all(f">{passed}</span>" in s for s in sections.values()), sections
    assert t("en", "certification.purpose_certification") in body
    identifier = run_id(body)
    assert identifier == shown_run_id(body)
    assert "produce-registration.xml" in body  # the evidence file each case judged

    issued = browser.post(
        f"/certification/runs/{identifier}/issue", data={"token": token, "valid_days": "30"}
    )
    assert issued.status_code == 303
    location = issued.headers["location"]
    assert re.fullmatch(r"/certificates/cert-[0-9]{8}-[0-9a-f]{8}", location)
    cert_id = location.rsplit("/", 1)[1]
    certificate = browser.get(location)
    assert certificate.status_code == 200
    assert t("en", "certificate.state.certified") in certificate.text

    listed = browser.get(PAGE).text
    row = re.search(rf"<tr>\s*<td><a href=\"/agencies/civreg\">.*?{cert_id}.*?</tr>", listed, re.S)
    assert row, "the certificate is not listed"
    assert t("en", "certificate.state.certified") in row.group(0)

    with live.client() as api:
        stored = api.get(f"/api/certificates/{cert_id}").json()
    assert stored["run"] == identifier and stored["state"] == "certified"
    assert token not in str(audit(live))


def test_a_publisher_self_tests_failing_evidence_and_sees_the_failed_cases(
    live: LiveServer, browser: httpx.Client
) -> None:
    token = live.token("publisher", "civreg", name="civreg CI")
    answer = run(browser, token, content=evidence_zip(*BIRTH, [BROKEN_REGISTRATION]))
    assert answer.status_code == 200, refusal(answer.text)
    body = answer.text
    check_accessible(body, "en")
    assert "/issue" not in body  # a self-test yields no certificate
    assert t("en", "certification.self_test_note") in body
    assert t("en", "certification.failed") in body
    sections = result_sections(body)
    failed = t("en", "certificate.outcomes.failed")
    assert f">{failed}</span>" in sections["produce-registration"]
    assert 'href="#result-produce-registration"' in body  # named among the failed cases
    finding = html.unescape(sections["produce-registration"])
    assert "ChildPersonalID" in finding  # the profile's finding, shown as on the self-test page
    assert '<ol class="findings">' in sections["produce-registration"]
    assert token not in body


@pytest.mark.parametrize(
    ("who", "status", "says"),
    [
        ("none", 401, "access token"),
        ("malformed", 401, "malformed"),
        ("unknown", 401, "not valid"),
        ("other-publisher", 403, "its own agency"),
    ],
)
def test_runs_without_the_right_token_are_refused_beside_the_form(
    live: LiveServer, browser: httpx.Client, who: str, status: int, says: str
) -> None:
    token = {
        "none": "",
        "malformed": "letmein-secret-typo",
        "unknown": "nif_0123456789abcdef_" + "A" * 43,
        "other-publisher": live.token("publisher", "tax", name="tax CI"),
    }[who]
    answer = run(browser, token)
    assert answer.status_code == status
    assert says in refusal(answer.text)
    check_accessible(answer.text, "en")
    assert '<form method="post"' in answer.text  # the forms are there to try again
    if token:
        assert token not in answer.text


@pytest.mark.parametrize(
    ("form", "status", "says"),
    [
        ({"mode": "evidence"}, 400, "evidence zip"),
        ({"mode": "evidence", "zip": b"not a zip"}, 400, "zip"),
        ({"mode": "evidence", "agency": ""}, 400, "agency"),
        (
            {"mode": "evidence", "agency": "nosuchagency", "zip": evidence_zip(*BIRTH)},
            404,
            "nosuchagency",
        ),
        ({"mode": "teleport"}, 400, "teleport"),
        ({"mode": "endpoint", "endpoint": ""}, 400, "URL"),
        ({"mode": "endpoint", "endpoint": "http://example.org/birth"}, 400, "https"),
        ({"mode": "endpoint", "endpoint": "https://127.0.0.1:9/birth"}, 400, "127.0.0.1"),
    ],
)
def test_bad_run_forms_say_what_is_wrong(
    live: LiveServer, browser: httpx.Client, form: dict[str, Any], status: int, says: str
) -> None:
    data = {"agency": "civreg", "token": live.token("certifier", name="cc")}
    files = None
    if "zip" in form:
        files = {"evidence": ("evidence.zip", form.pop("zip"), "application/zip")}
    answer = browser.post(f"{PAGE}/run", data={**data, **form}, files=files)
    assert says in refusal(answer.text)
    assert answer.status_code == status


def test_header_values_go_nowhere_but_the_endpoint(live: LiveServer, browser: httpx.Client) -> None:
    secret = "Bearer agency-secret-4711"
    token = live.token("certifier", name="cc")
    answer = browser.post(
        f"{PAGE}/run",
        data={
            "mode": "endpoint",
            "agency": "civreg",
            "token": token,
            "endpoint": "https://127.0.0.1:9/birth",
            "headers": f"X-Trace: 1\n\nAuthorization: {secret}\nBroken {secret}",
        },
    )
    assert answer.status_code == 400
    assert "line 4" in refusal(answer.text)
    assert "agency-secret-4711" not in answer.text
    assert "agency-secret-4711" not in str(audit(live))


def test_an_upload_over_the_limit_is_refused(make_server: MakeServer) -> None:
    small = make_server(max_upload_bytes=2000, validation_workers=1)
    with httpx.Client(base_url=small.url, headers=HTML, timeout=60) as client:
        answer = run(client, small.token("certifier"), content=b"PK" + b"x" * 5000)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")


@pytest.fixture(scope="module")
def conforming(
    demo_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[endpoints.EndpointServer]:
    """The conforming test implementation of civreg-birth 2.0.0 (tests/certify/endpoints.py)."""
    home = tmp_path_factory.mktemp("endpoint-profiles")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    with Registry.open(Settings(home=home)) as registry:
        profiles = endpoints.demo_profiles(registry)
        with endpoints.running(profiles, registry.settings, conforming=True) as server:
            yield server


def test_a_run_against_a_live_endpoint(
    make_server: MakeServer, conforming: endpoints.EndpointServer
) -> None:
    local = make_server(endpoint_allow_http=True, endpoint_allow_private=True, validation_workers=1)
    with httpx.Client(base_url=local.url, headers=HTML, timeout=60) as client:
        answer = client.post(
            f"{PAGE}/run",
            data={
                "mode": "endpoint",
                "agency": "civreg",
                "token": local.token("publisher", "civreg"),
                "endpoint": conforming.endpoint("civreg-birth", "2.0.0"),
                "headers": "X-Api-Key: key-0815",
            },
        )
    assert answer.status_code == 200, refusal(answer.text)
    sections = result_sections(answer.text)
    for case in ("consume-newborn", "reject-missing-mother-id", "reject-mother-born-after-child"):
        assert f">{t('en', 'certificate.outcomes.passed')}</span>" in sections[case], case
    assert t("en", "certification.mode_endpoint") in answer.text
    assert "key-0815" not in answer.text
    assert any(r.headers.get("x-api-key") == "key-0815" for r in conforming.received)


# issuing and revoking


def passed_run(live: LiveServer, client: httpx.Client, token: str) -> str:
    answer = run(client, token)
    assert answer.status_code == 200
    return shown_run_id(answer.text)


def test_issuing_is_refused_with_the_reason_beside_the_form(
    live: LiveServer, browser: httpx.Client
) -> None:
    certifier = live.token("certifier", name="cc")
    publisher = live.token("publisher", "civreg", name="civreg CI")
    identifier = passed_run(live, browser, certifier)
    issue = f"/certification/runs/{identifier}/issue"

    anonymous = browser.post(issue, data={"token": ""})
    assert anonymous.status_code == 401
    assert "access token" in refusal(anonymous.text)
    assert '<section class="case"' not in anonymous.text  # no results without a token
    assert f'action="{issue}"' in anonymous.text

    by_publisher = browser.post(issue, data={"token": publisher})
    assert by_publisher.status_code == 403
    assert "certifier" in refusal(by_publisher.text)
    assert publisher not in by_publisher.text

    bad_days = browser.post(issue, data={"token": certifier, "valid_days": "soon"})
    assert bad_days.status_code == 400 and "soon" in refusal(bad_days.text)
    assert '<section class="case"' in bad_days.text  # a certifier sees the run again

    self_test = passed_run(live, browser, publisher)
    refused = browser.post(f"/certification/runs/{self_test}/issue", data={"token": certifier})
    assert refused.status_code == 409
    assert "self-test" in refusal(refused.text)

    failing = run(browser, certifier, content=evidence_zip(*BIRTH, [BROKEN_REGISTRATION]))
    failed_id = shown_run_id(failing.text)
    assert "/issue" not in failing.text
    refused = browser.post(f"/certification/runs/{failed_id}/issue", data={"token": certifier})
    assert refused.status_code == 409
    assert "produce-registration" in refusal(refused.text)

    unknown = browser.post(
        "/certification/runs/run-20990101-00000000/issue", data={"token": certifier}
    )
    assert unknown.status_code == 404

    entries = [e for e in audit(live) if e["action"] == "certificate.issue"]
    assert [e["outcome"] for e in entries].count("refused") >= 5
    assert not any(certifier in str(e) or publisher in str(e) for e in entries)


def test_a_certifier_revokes_a_certificate_from_the_form(
    live: LiveServer, browser: httpx.Client
) -> None:
    certifier = live.token("certifier", name="cc")
    identifier = passed_run(live, browser, certifier)
    location = browser.post(
        f"/certification/runs/{identifier}/issue", data={"token": certifier}
    ).headers["location"]
    cert_id = location.rsplit("/", 1)[1]
    revoke = f"/certificates/{cert_id}/revoke"

    on_page = browser.get(location).text
    assert f'action="{revoke}"' in on_page and 'name="reason"' in on_page
    check_accessible(on_page, "en")
    form = browser.get(revoke)
    assert form.status_code == 200
    check_accessible(form.text, "en")
    assert 'name="reason"' in form.text and 'type="password"' in form.text

    publisher = browser.post(
        revoke, data={"token": live.token("publisher", "civreg"), "reason": "mine"}
    )
    assert publisher.status_code == 403
    assert "mine" in publisher.text  # the reason typed stays in the form
    no_reason = browser.post(revoke, data={"token": certifier, "reason": "  "})
    assert no_reason.status_code == 400 and "reason" in refusal(no_reason.text)

    done = browser.post(revoke, data={"token": certifier, "reason": "The endpoint was retired."})
    assert done.status_code == 303 and done.headers["location"] == location
    page = browser.get(location).text
    assert t("en", "certificate.state.revoked") in page
    assert "The endpoint was retired." in page
    assert f'action="{revoke}"' not in page  # nothing left to revoke

    again = browser.post(revoke, data={"token": certifier, "reason": "twice"})
    assert again.status_code == 409 and "already revoked" in refusal(again.text)
    assert browser.get("/certificates/cert-20990101-00000000/revoke").status_code == 404
    assert browser.post("/certificates/nonsense/revoke", data={}).status_code == 404


def test_every_outcome_kind_and_purpose_has_a_message() -> None:
    from nif.certify._model import Mode, Purpose
    from nif.certify._suite import CaseKind

    english = _i18n.catalogue("en")
    needed = {
        *(f"certificate.outcomes.{o}" for o in CaseOutcome),
        *(f"certification.kind.{k}" for k in CaseKind),
        *(f"certification.purpose_{p.name.lower()}" for p in Purpose),
        *(f"certification.mode_{m.name.lower()}" for m in Mode),
    }
    assert needed <= set(english), needed - set(english)
