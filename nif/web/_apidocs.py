"""The API's documentation pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), served offline.

Their viewers come from the `fastapi-offline` wheel (Swagger UI and ReDoc builds, MIT) and are
served by nif under `/docs/assets/`, so the pages work on a network without Internet access and
send nothing to a CDN or to Google Fonts. Their Content-Security-Policy (`policy`) allows this
service only: the viewer scripts from here, FastAPI's inline start-up script by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from nif import errors

router = APIRouter(include_in_schema=False)

ASSETS = "/docs/assets"
_FILES = resources.files("fastapi_offline").joinpath("static")
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
"""The only files served under `ASSETS`, with their media types."""

TITLE = "nif - API"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def policy(body: str) -> str:
    """The Content-Security-Policy of a viewer page `body`: everything from this service only;
    inline script only the page's own start-up script (by hash); inline styles, which both
    viewers inject at run time; ReDoc's search worker from a blob."""
    scripts = " ".join(
        ["'self'"]
        + [
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in _INLINE_SCRIPT.findall(body)
        ]
    )
    return (
        f"default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src blob:; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


def _with_policy(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = policy(bytes(response.body).decode())
    return response


@router.get("/docs")
def swagger() -> HTMLResponse:
    """Swagger UI over `/openapi.json`; no online validator badge (it would call out)."""
    return _with_policy(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=TITLE,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    """ReDoc over `/openapi.json`, in the browser's fonts (no Google Fonts)."""
    return _with_policy(
        get_redoc_html(
            openapi_url="/openapi.json",
            title=TITLE,
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )


@router.get(ASSETS + "/{name}")
def asset(name: str) -> Response:
    """One of the viewers' files, cached for a day (they change with nif's dependencies)."""
    if name not in ASSET_TYPES:
        raise errors.NotFoundError(f"no documentation asset {name!r}")
    return Response(
        _FILES.joinpath(name).read_bytes(),
        media_type=ASSET_TYPES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
