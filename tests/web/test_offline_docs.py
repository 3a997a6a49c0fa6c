"""`/docs` and `/redoc` in a real browser that may reach only the loopback service.

Every request the pages make is recorded; one to any other host is aborted and fails the test,
so a viewer script, font or validator badge fetched from a CDN shows up here. The viewers must
still render the API's operations from what nif serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.web.conftest import LiveServer, needs_chromium

pytestmark = [needs_chromium, pytest.mark.slow]

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class Offline:
    """A page whose requests outside loopback are aborted and remembered."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOOPBACK:
            route.continue_()
            return
        self.outside.append(url)
        route.abort()


@pytest.fixture
def offline(browser: Browser, server: LiveServer) -> Iterator[Offline]:
    context = browser.new_context(base_url=server.url, locale="en-GB")
    context.set_default_timeout(30_000)
    yield Offline(context.new_page())
    context.close()


def test_swagger_ui_renders_the_operations_without_leaving_loopback(offline: Offline) -> None:
    page = offline.page
    page.goto("/docs")
    validate = page.locator(".opblock-summary-path", has_text="/api/validate").first
    expect(validate).to_be_visible()
    assert page.locator(".opblock").count() > 20
    page.wait_for_load_state("networkidle")
    assert offline.outside == [], offline.outside
    assert offline.errors == [], offline.errors


def test_redoc_renders_the_operations_without_leaving_loopback(offline: Offline) -> None:
    page = offline.page
    page.goto("/redoc")
    expect(page.locator(".api-content")).to_contain_text("/api/validate")
    expect(page.get_by_role("heading", name="nif", exact=False).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert offline.outside == [], offline.outside
    assert offline.errors == [], offline.errors


def test_viewer_pages_name_no_other_origin(server: LiveServer) -> None:
    """Their HTML points at nothing outside the service and their policy allows only it."""
    with server.client() as client:
        for path in ("/docs", "/redoc"):
            answer = client.get(path)
            assert answer.status_code == 200
            assert "http://" not in answer.text and "https://" not in answer.text, path
            policy = answer.headers["content-security-policy"]
            assert "http" not in policy and "*" not in policy, (path, policy)
            script = policy.split("script-src ")[1].split(";")[0].split()
            assert script[0] == "'self'" and all(s.startswith("'sha256-") for s in script[1:])
            assert ("'sha256-" in policy) == ("<script>" in answer.text), path
        asset = client.get("/docs/assets/redoc.standalone.js")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(
            "text/javascript"
        )
        assert client.get("/docs/assets/..%2Fcore.py").status_code == 404
        assert client.get("/docs/assets/core.py").status_code == 404
