"""What the service tells browsers, and the form posts it refuses from other sites.

Every response carries a Content-Security-Policy (nif's pages run no script at all, and load
styles and images only from the service), `nosniff` (a registered artefact or a report is never
taken for HTML), a ban on framing and a same-origin Referrer-Policy. The API documentation pages
(`/docs`, `/redoc`) load their viewers from a CDN and set their own policy (`third_party_page`).

A form post to a page from another site is refused with 403 before any handler runs: the
browser says where a request comes from (`Sec-Fetch-Site`, else `Origin`), so no token has to
travel in the forms. Requests without either header (curl, scripts) are not from a browser
page and go through; the API (`/api/...`, `/sparql`) authenticates by bearer token, which a
browser never adds on its own, and is left to that.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nif.web import pages
from nif.web._errors import error_response

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

CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def third_party_page(response: HTMLResponse) -> HTMLResponse:
    """FastAPI's Swagger UI or ReDoc page with a policy for it: its viewer from the CDN, its
    own inline start-up script by hash (no other inline script), the OpenAPI document from
    here."""
    body = bytes(response.body).decode()
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(body)
    )
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {CDN} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {CDN} https://fonts.googleapis.com; "
        "font-src https://fonts.gstatic.com; img-src 'self' data: https:; connect-src 'self'; "
        "worker-src blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return response


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
    request = Request(scope)
    if pages.wants_html(request):
        return pages.error_page(request, 403, message)
    return error_response(403, "forbidden", message)
