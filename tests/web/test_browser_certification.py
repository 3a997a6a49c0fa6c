"""The certification page in a real browser (Playwright driving Debian's Chromium): a certifier
runs passing evidence, issues the certificate and revokes it, a publisher self-tests failing
evidence.

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from nif.certify import find_suite
from tests.web.certification import BROKEN_REGISTRATION, evidence_zip
from tests.web.conftest import LiveServer, needs_chromium

BIRTH = ("civreg", "civreg-birth", "2.0.0")
PAGE = "/certification/civreg-birth/2.0.0"
SUITE = find_suite("civreg-birth", "2.0.0")

expect.set_options(timeout=60_000)  # a first run compiles the version's schemas in a cold worker

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, locale="en-GB")
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
