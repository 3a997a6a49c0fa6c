"""What the service tells browsers, and the form posts it refuses from other sites.

Every response carries a Content-Security-Policy (nif's pages run no script at all, and load
styles and images only from the service), `nosniff` (a registered artefact or a report is never
taken for HTML), a ban on framing and a same-origin Referrer-Policy. The API documentation pages
(`/docs`, `/redoc`) run their viewers, served by nif too, and set their own policy (`_apidocs`).

A form post to a page from another site is refused with 403 before any handler runs: the
browser says where a request comes from (`Sec-Fetch-Site`, else `Origin`), so no token has to
travel in the forms. Requests without either header (curl, scripts) are not from a browser
page and go through; the API (`/api/...`, `/sparql`) authenticates by bearer token, which a
browser never adds on its own, and is left to that.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi.responses import Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nif.web import pages
from nif.web._errors import reply

PAGE_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""The Content-Security-Policy of every response but the API documentation pages."""

HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SAME_SITE = frozenset({"same-origin", "none"})
"""`Sec-Fetch-Site` values of a request from the service's own pages (or typed by the user)."""


def cross_site(headers: Headers) -> str | None:
    """Why a request comes from another site's page (the header that says so), or None."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site.lower() in SAME_SITE else f"Sec-Fetch-Site: {site}"
    origin = headers.get("origin")
    if origin is None:
        return None
    if origin == "null" or urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
        return f"Origin: {origin}"
    return None


class BrowserMiddleware:
    """Adds `HEADERS` to every response (keeping a policy a route set) and answers a cross-site
    post, put or delete to a page with 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        if scope["method"] not in SAFE_METHODS and not pages.is_api(scope["path"]):
            reason = cross_site(Headers(scope=scope))
            if reason is not None:
                await _refusal(scope, reason)(scope, receive, with_headers)
                return
        await self.app(scope, receive, with_headers)


def _refusal(scope: Scope, reason: str) -> Response:
    message = (
        f"a form sent from another site is refused ({reason}): send it from this service's own page"
    )
    return reply(Request(scope), 403, "forbidden", message)
