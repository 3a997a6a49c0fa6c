"""The web pages in a real browser: Playwright for Python driving Debian's Chromium.

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
The sync API runs here, outside any event loop; the service runs in its own thread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT
from tests.web.conftest import LiveServer, needs_chromium

EXAMPLES = ROOT / "registry" / "interfaces" / "civreg-birth" / "examples" / "2.0.0"
INVALID = EXAMPLES / "BirthNotification" / "invalid-mother-born-after-child.xml"
VALID = EXAMPLES / "BirthRegistration" / "valid-registered.xml"
TARGET = "civreg-birth@2.0.0/BirthNotification"

expect.set_options(timeout=30_000)  # a first validation compiles its schemas in a cold worker

pytestmark = needs_chromium


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, locale="en-GB", accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def test_self_test_shows_the_verdict_and_the_line_of_a_finding(page: Page) -> None:
    page.goto("/self-test")
    page.get_by_label("Interface, version and message type").select_option(TARGET)
    page.get_by_label("Message file").set_input_files(INVALID)
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#verdict")).to_have_text("Verdict: invalid")
    finding = page.locator(".finding").filter(has_text="BIRTH-02").first
    number = int(finding.locator(".lineno").inner_text())
    line = INVALID.read_text().split("\n")[number - 1]
    expect(finding.locator(".excerpt code")).to_have_text(line)
    expect(finding).to_contain_text(f"line {number}")
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON", exact=True).click()
    report = json.loads(Path(download.value.path()).read_text())
    assert report["verdict"] == "invalid" and report["profile"] == TARGET


def test_catalogue_search_and_filter(page: Page) -> None:
    page.goto("/")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(8)
    page.get_by_label("Search titles, descriptions and identifiers").fill("vehicle")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=vehicle"))
    page.get_by_label("Agency").select_option("vehreg")
    page.get_by_label("Search titles, descriptions and identifiers").fill("inspection")
    page.get_by_label("Search titles, descriptions and identifiers").press("Enter")
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Vehicle inspection results").click()
    expect(page.locator("h1")).to_have_text("Vehicle inspection results")


def test_sparql_example_query_gives_a_table(page: Page) -> None:
    page.goto("/query")
    page.get_by_role("link", name="Interfaces offered by an agency").click()
    table = page.locator("table.results")
    expect(table.locator("thead th").first).to_have_text("interface")
    expect(table.locator("tbody")).to_contain_text("civreg-birth")
    query = page.get_by_label("SPARQL query")
    query.fill('SELECT ?answer WHERE { BIND("<b>42</b>" AS ?answer) }')
    page.get_by_role("button", name="Run query").click()
    expect(table.locator("tbody td")).to_have_text("<b>42</b>")
    query.fill("DELETE WHERE { ?s ?p ?o }")
    page.get_by_role("button", name="Run query").click()
    expect(page.get_by_role("alert")).to_contain_text("The query was refused")


def test_switch_the_language(page: Page) -> None:
    page.goto("/?q=birth")
    page.get_by_role("link", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text("Schnittstellenkatalog")
    expect(page.get_by_label("Titel, Beschreibungen und Kennungen durchsuchen")).to_have_value(
        "birth"
    )
    page.get_by_role("link", name="Selbsttest").click()
    expect(page.locator("h1")).to_have_text("Selbsttest")
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Autotest")


def test_self_test_by_keyboard_alone(page: Page) -> None:
    page.goto("/self-test")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "target"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "message"
    page.keyboard.insert_text(VALID.read_text())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Validate"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows no focus outline"
    page.keyboard.press("Enter")
    expect(page.locator("#verdict")).to_have_text("Verdict: valid")
    expect(page.locator(".report")).to_contain_text("civreg-birth@2.0.0/BirthRegistration")


def test_what_changed_opens_a_counterexample(page: Page) -> None:
    """civreg-birth 2.0.0 breaks 1.0.0 (a major version): its counterexample is collapsed."""
    page.goto("/interfaces/civreg-birth")
    changes = page.locator("#v-2\\.0\\.0-changes")
    expect(changes).to_contain_text("What changed in 2.0.0")
    example = page.locator("section.version details").first
    expect(example.locator("pre")).to_be_hidden()
    example.locator("summary").click()
    expect(example.locator("pre")).to_be_visible()
    expect(example.locator("pre")).to_contain_text("<")
