"""The FastAPI application: services opened at startup, routers, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from nif import __version__
from nif.home import private_files
from nif.settings import Settings
from nif.web import _errors, sparql
from nif.web._browser import BrowserMiddleware, third_party_page
from nif.web._limits import LimitsMiddleware
from nif.web._services import Services
from nif.web.api import catalogue, certificates, certification, health, keys, records, validate
from nif.web.pages import certificates as certificate_pages
from nif.web.pages import certification as certification_pages
from nif.web.pages import feeds
from nif.web.pages import routes as pages

DESCRIPTION = """\
Validate exchange messages against the schemas and rules of registered interfaces, read and
write the registry of interfaces, and query it with SPARQL (`/sparql`). Reads and validation
are public; writes need a bearer token (`nif token create`). Run conformance suites against an
agency's evidence or endpoint, issue, revoke and verify signed certificates
(`/api/certification`, `/api/certificates`); the key that verifies them is at
`/.well-known/nif-certificate-key`.
"""


def create_app(settings: Settings | None = None, *, load_demo: bool = False) -> FastAPI:
    """The service over `settings`' store and NIF_HOME; `load_demo` fills an empty store with
    the demo registry at startup."""
    settings = settings or Settings.load()
    private_files()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.open(settings, load_demo=load_demo)
        try:
            yield
        finally:
            app.state.services.close()

    app = FastAPI(
        title="nif",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    _errors.install(app)
    app.add_middleware(LimitsMiddleware, settings=settings)
    app.add_middleware(BrowserMiddleware)  # outermost: its headers reach every answer
    for module in (
        health,
        validate,
        catalogue,
        records,
        certification,
        certificates,
        keys,
        sparql,
        certificate_pages,
        certification_pages,
        feeds,
        pages,
    ):
        app.include_router(module.router)
    _documentation(app)
    return app


def _documentation(app: FastAPI) -> None:
    """The API's Swagger UI and ReDoc pages, each with the policy its viewer needs."""

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return third_party_page(get_swagger_ui_html(openapi_url="/openapi.json", title="nif - API"))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return third_party_page(get_redoc_html(openapi_url="/openapi.json", title="nif - API"))
