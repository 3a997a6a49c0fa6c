"""The review step in a real browser (Playwright driving Debian's Chromium): busreg's publisher
proposes version 2.2.0 through the API, a certifier finds it from the menu, reads its diff and
accepts it on the page; the version then validates and shows in the catalogue.

Skipped only when Chromium is missing outside CI; in CI (`CI` set) a missing browser fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT
from tests.web.conftest import LiveServer, needs_chromium
from tests.web.review import BUSREG, NEW_VERSION, NEW_VERSION_IRI, propose

EXAMPLE = ROOT / "registry/interfaces/busreg-company/examples/2.1.0/CompanyExtract"

expect.set_options(timeout=60_000)

pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def live(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server(validation_workers=1)


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, locale="en-GB")
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def test_a_certifier_accepts_a_proposed_version_on_the_page(page: Page, live: LiveServer) -> None:
    proposal = propose(live, live.token("publisher", "busreg", name="busreg CI"))["proposal"]
    token = live.token("certifier", name="competence centre")

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Proposals").click()
    expect(page.locator("h1")).to_have_text("Proposals")
    expect(page.get_by_role("link", name=proposal["id"])).to_have_count(0)  # not without a token
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Show").click()
    row = page.locator("tr").filter(has_text=proposal["id"])
    expect(row).to_contain_text(f"new version {NEW_VERSION}")
    expect(row).to_contain_text("busreg CI")
    row.get_by_role("link", name=proposal["id"]).click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal['id']}$"))

    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Show").click()
    added = page.locator("section.added")
    subject = page.locator("p > code", has_text=re.compile(rf"^<{re.escape(NEW_VERSION_IRI)}>$"))
    version = added.locator(".group").filter(has=subject)
    expect(version).to_contain_text(f'dcat:version "{NEW_VERSION}"')
    expect(version).to_contain_text("Company extract 2.2.0")  # the node's label
    expect(page.get_by_role("heading", name=re.compile(f"{NEW_VERSION}"))).not_to_have_count(0)
    assert "_:" not in added.inner_text()
    assert token not in page.content()

    accept = page.locator("form").filter(has=page.get_by_role("button", name="Accept and publish"))
    accept.get_by_label("Comment (optional)").fill("Checked with the agency.")
    accept.get_by_label("Access token").fill(token)
    accept.get_by_role("button", name="Accept and publish").click()

    expect(page).to_have_url(re.compile(rf"/interfaces/{BUSREG}$"))
    expect(page.locator(f'[id="v-{NEW_VERSION}"]').first).to_be_attached()

    with live.client() as api:
        versions = api.get(f"/api/interfaces/{BUSREG}").json()["versions"]
        assert NEW_VERSION in [v["version"] for v in versions]
        example = EXAMPLE / "valid-active-company.xml"
        answer = api.post(
            "/api/validate",
            params={"interface": f"{BUSREG}@{NEW_VERSION}", "message_type": "CompanyExtract"},
            files={"file": (example.name, example.read_bytes())},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["profile"] == f"{BUSREG}@{NEW_VERSION}/CompanyExtract"
        assert answer.json()["verdict"] == "valid", answer.json()["findings"]
        state = api.get(proposal["url"], headers={"Authorization": f"Bearer {token}"}).json()
        assert (state["state"], state["comment"]) == ("accepted", "Checked with the agency.")
