"""The publisher forms in a real browser (Playwright driving Debian's Chromium): a publisher
creates a version with an uploaded schema and example, then deprecates the version before it
with an end date and the new one as its successor.

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from rdflib import URIRef

from nif.registry import ADMS, DCAT, DCTERMS, NIF, STATUS
from tests.conftest import ROOT
from tests.web.conftest import LiveServer, needs_chromium
from tests.web.test_publish_pages import record

BUSREG = "https://registry.nif.example/interface/busreg-company"
DEMO = ROOT / "registry/interfaces/busreg-company"

expect.set_options(timeout=60_000)
pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def live(make_server: Callable[..., LiveServer]) -> LiveServer:
    """Without review, so the publisher's version is stored at once and can be a successor."""
    return make_server(validation_workers=1, registry_review=False)


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, locale="en-GB")
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def form(page: Page, button: str) -> Locator:
    return page.locator("form").filter(has=page.get_by_role("button", name=button))


def test_a_publisher_creates_a_version_and_deprecates_the_old_one(
    page: Page, live: LiveServer
) -> None:
    token = live.token("publisher", "busreg", name="busreg CI")
    page.goto("/interfaces/busreg-company")
    page.get_by_role("link", name="Publish a new version, edit or deprecate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish: Company extract")

    new = form(page, "Submit the new version")
    new.get_by_label("Start from version").select_option("2.1.0")
    new.get_by_label("Version number").fill("2.2.0")
    new.get_by_label("English").fill("Officers' birth dates; otherwise as 2.1.0.")
    new.get_by_label("Files", exact=True).set_input_files(str(DEMO / "schemas/2.1.0/company.xsd"))
    new.get_by_label("Message type of the examples").fill("CompanyExtract")
    example = DEMO / "examples/2.1.0/CompanyExtract/valid-active-company.xml"
    new.get_by_label("Examples that must be valid").set_input_files(str(example))
    new.get_by_label("Access token").fill(token)
    new.get_by_role("button", name="Submit the new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published")
    assert token not in page.content()

    page.get_by_role("link", name="Back to the interface").click()
    page.get_by_role("link", name="Publish a new version, edit or deprecate").click()
    old = form(page, "Deprecate the version")
    old.get_by_label("Version", exact=True).select_option("2.1.0")
    old.get_by_label("Switched off after").fill("2027-06-30")
    old.get_by_label("Successor").select_option("2.2.0")
    old.get_by_label("Access token").fill(token)
    old.get_by_role("button", name="Deprecate the version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Published")

    graph = record(live, "busreg-company")
    new_iri, old_iri = URIRef(f"{BUSREG}/2.2.0"), URIRef(f"{BUSREG}/2.1.0")
    assert graph.value(new_iri, ADMS.status) == STATUS.UnderDevelopment
    uploaded = URIRef(f"{new_iri}/CompanyExtract/example/valid-active-company.xml")
    assert str(graph.value(uploaded, NIF.expectedVerdict)) == "valid"
    assert graph.value(old_iri, ADMS.status) == STATUS.Deprecated
    assert graph.value(old_iri, DCTERMS.isReplacedBy) == new_iri
    assert str(graph.value(graph.value(old_iri, DCTERMS.temporal), DCAT.endDate)) == "2027-06-30"

    page.goto("/interfaces/busreg-company")
    expect(page.locator("main")).to_contain_text("2.2.0")


def test_a_refused_version_keeps_what_was_typed(page: Page, live: LiveServer) -> None:
    page.goto("/interfaces/busreg-company/publish")
    new = form(page, "Submit the new version")
    new.get_by_label("Version number").fill("2.1.0")
    new.get_by_label("English").fill("A version that exists already.")
    new.get_by_label("Access token").fill(live.token("publisher", "busreg"))
    new.get_by_role("button", name="Submit the new version").click()
    expect(page.get_by_role("alert")).to_contain_text("already has a version 2.1.0")
    again = form(page, "Submit the new version")
    expect(again.get_by_label("Version number")).to_have_value("2.1.0")
    expect(again.get_by_label("English")).to_have_value("A version that exists already.")
    expect(again.get_by_label("Access token")).to_have_value("")
