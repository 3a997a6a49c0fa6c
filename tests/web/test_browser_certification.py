"""The certification page in a real browser (Playwright driving Debian's Chromium): a certifier
runs passing evidence, issues the certificate and revokes it, a publisher self-tests failing
evidence.

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from nif.certify import find_suite
from tests.web.certification import BROKEN_REGISTRATION, evidence_zip, passed_run
from tests.web.conftest import LiveServer, needs_chromium

BIRTH = ("civreg", "civreg-birth", "2.0.0")
PAGE = "/certification/civreg-birth/2.0.0"
SUITE = find_suite("civreg-birth", "2.0.0")

expect.set_options(timeout=60_000)  # a first run compiles the version's schemas in a cold worker

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def evidence_form(page: Page) -> Locator:
    return page.locator("form").filter(
        has=page.get_by_role("button", name="Run the suite on the evidence")
    )


def run_evidence(page: Page, token: str, zipped: Path) -> None:
    page.goto(PAGE)
    form = evidence_form(page)
    expect(form.get_by_label("Agency")).to_have_value("civreg")  # the publisher of the interface
    form.get_by_label("Evidence (zip)").set_input_files(zipped)
    form.get_by_label("Access token").fill(token)
    form.get_by_role("button", name="Run the suite on the evidence").click()


def test_a_certifier_runs_passing_evidence_and_issues_the_certificate(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    zipped = tmp_path / "evidence.zip"
    zipped.write_bytes(evidence_zip(*BIRTH))
    token = server.token("certifier", name="competence centre")
    run_evidence(page, token, zipped)

    expect(page.locator("#verdict")).to_have_text("Result: passed, every mandatory case passed")
    cases = page.locator("section.case")
    expect(cases).to_have_count(len(SUITE.cases))
    for case in SUITE.cases:
        heading = page.locator(f"#result-{case.identifier} h3")
        expect(heading).to_contain_text(case.title)
        expect(heading.locator("span")).to_have_text("passed")
    assert token not in page.content()

    issue = page.locator("form").filter(has=page.get_by_role("button", name="Issue certificate"))
    issue.get_by_label("Access token").fill(token)
    issue.get_by_role("button", name="Issue certificate").click()

    expect(page).to_have_url(re.compile(r"/certificates/cert-[0-9]{8}-[0-9a-f]{8}$"))
    expect(page.get_by_text("Certified", exact=True).first).to_be_visible()
    certificate = page.url.rsplit("/", 1)[1]

    page.goto(PAGE)
    row = page.locator("table.held tr").filter(has_text=certificate)
    expect(row).to_contain_text("Certified")

    row.get_by_role("link", name=certificate).click()
    revoke = page.locator("form").filter(has=page.get_by_role("button", name="Revoke certificate"))
    revoke.get_by_label("Reason").fill("The implementation was withdrawn.")
    revoke.get_by_label("Access token").fill(token)
    revoke.get_by_role("button", name="Revoke certificate").click()
    expect(page).to_have_url(re.compile(rf"/certificates/{certificate}$"))
    expect(page.get_by_text("The implementation was withdrawn.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Revoke certificate")).to_have_count(0)


def test_a_publisher_sees_the_failed_cases_and_no_issue_form(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    zipped = tmp_path / "failing.zip"
    zipped.write_bytes(evidence_zip(*BIRTH, [BROKEN_REGISTRATION]))
    token = server.token("publisher", "civreg", name="civreg CI")
    run_evidence(page, token, zipped)

    expect(page.locator("#verdict")).to_have_text("Result: failed")
    failed = page.locator("#verdict ~ p").filter(has_text="Mandatory cases that did not pass")
    expect(failed.get_by_role("link", name="produce-registration")).to_be_visible()
    expect(page.locator("#result-produce-registration h3 span")).to_have_text("failed")
    expect(page.locator("#result-produce-registration .finding").first).to_be_visible()
    expect(page.get_by_text("A self-test never yields a certificate")).to_be_visible()
    expect(page.get_by_role("button", name="Issue certificate")).to_have_count(0)

    page.goto(PAGE)
    form = evidence_form(page)
    form.get_by_label("Evidence (zip)").set_input_files(zipped)
    form.get_by_label("Agency").select_option("tax")
    form.get_by_label("Access token").fill(token)
    form.get_by_role("button", name="Run the suite on the evidence").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("its own agency")
    assert token not in page.content()


def test_a_certifier_comes_back_to_a_run_and_issues_from_it(page: Page, server: LiveServer) -> None:
    """A run started earlier (through the API): the certifier finds it on the certification
    index with the token, opens its permalink, sees the results and issues; afterwards the
    permalink shows anyone the certificate and the published outcomes."""
    token = server.token("certifier", name="competence centre")
    with server.client(token) as api:
        run = passed_run(api)["id"]

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Certification").click()
    expect(page.locator("h1")).to_have_text("Certification")
    expect(page.get_by_role("link", name=run)).to_have_count(0)  # private until a token asks
    mine = page.locator("form").filter(has=page.get_by_role("button", name="Show my runs"))
    mine.get_by_label("Access token").fill(token)
    mine.get_by_role("button", name="Show my runs").click()
    page.get_by_role("link", name=run).click()
    expect(page).to_have_url(re.compile(rf"/certification/runs/{run}$"))

    opened = page.locator("form").filter(has=page.get_by_role("button", name="Show the run"))
    opened.get_by_label("Access token").fill(token)
    opened.get_by_role("button", name="Show the run").click()
    expect(page.locator("#verdict")).to_have_text("Result: passed, every mandatory case passed")
    expect(page.locator("section.case")).to_have_count(len(SUITE.cases))
    assert token not in page.content()

    issue = page.locator("form").filter(has=page.get_by_role("button", name="Issue certificate"))
    issue.get_by_label("Access token").fill(token)
    issue.get_by_role("button", name="Issue certificate").click()
    expect(page).to_have_url(re.compile(r"/certificates/cert-[0-9]{8}-[0-9a-f]{8}$"))
    certificate = page.url.rsplit("/", 1)[1]

    page.goto(f"/certification/runs/{run}")
    expect(page.get_by_role("link", name=certificate)).to_be_visible()
    expect(page.locator("table.cases tbody tr")).to_have_count(len(SUITE.cases))

    page.goto("/certificates?interface=civreg-birth")
    row = page.locator("table.certificates tr").filter(has_text=certificate)
    expect(row).to_contain_text("Certified")


def test_the_suite_zip_downloads_from_the_index(page: Page) -> None:
    page.goto("/certification")
    row = page.locator("table.suites tr").filter(has_text="civreg-birth")
    with page.expect_download() as download:
        row.get_by_role("link", name="Suite as zip (manifest and messages)").click()
    assert download.value.suggested_filename == "civreg-birth-2.0.0-suite.zip"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == sorted(f.path for f in SUITE.files)
