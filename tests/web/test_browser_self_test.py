"""The self-test page in a real browser with a zip of messages: the tally, each message's
verdict and findings, and downloads named after the message (Playwright driving Chromium).

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import LiveServer, needs_chromium
from tests.web.test_browser import INVALID, TARGET
from tests.web.test_pages import VALID

expect.set_options(timeout=30_000)  # a first validation compiles its schemas in a cold worker

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_a_zip_of_messages_gets_a_report_each(page: Page, tmp_path: Path) -> None:
    zipped = tmp_path / "birth-batch.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(VALID, "ok/valid-newborn.xml")
        archive.write(INVALID, "bad/birth-2.xml")
    page.goto("/self-test")
    page.get_by_label("Interface, version and message type").select_option(TARGET)
    page.get_by_label("Message file").set_input_files(zipped)
    page.get_by_role("button", name="Validate").click()

    expect(page.locator("#verdict")).to_have_text("Results of birth-batch.zip")
    rows = page.locator("table.batch tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("valid")
    expect(rows.nth(1)).to_contain_text("invalid")
    rows.nth(1).get_by_role("link", name="bad/birth-2.xml").click()
    second = page.locator("#message-2")
    expect(second.locator(".finding").filter(has_text="BIRTH-02").first).to_be_visible()
    expect(page.locator("#message-1 details.steps")).not_to_have_attribute("open", "")

    with page.expect_download() as download:
        second.get_by_role("link", name="JSON", exact=True).click()
    assert download.value.suggested_filename == "birth-2.json"
    report = json.loads(Path(download.value.path()).read_text())
    assert report["source"] == "bad/birth-2.xml" and report["verdict"] == "invalid"

    with page.expect_download() as download:
        second.get_by_role("link", name="HTML", exact=True).click()
    assert download.value.suggested_filename == "birth-2.html"
    assert "BIRTH-02" in Path(download.value.path()).read_text()

    whole = page.locator("p.downloads").first
    with page.expect_download() as download:
        whole.get_by_role("link", name="JUnit XML").click()
    assert download.value.suggested_filename == "birth-batch.junit.xml"
