"""The FastAPI application: services opened at startup, routers, error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from nif import __version__
from nif.home import private_files
from nif.settings import Settings
from nif.web import _apidocs, _errors, linked_data, sparql
from nif.web._browser import BrowserMiddleware
from nif.web._limits import LimitsMiddleware
from nif.web._metrics import Metrics, MetricsMiddleware
from nif.web._services import Services
from nif.web.api import (
    catalogue,
    certificates,
    certification,
    health,
    keys,
    proposals,
    records,
    validate,
)
from nif.web.pages import certificates as certificate_pages
from nif.web.pages import certification as certification_pages
from nif.web.pages import feeds, publish
from nif.web.pages import proposals as proposal_pages
from nif.web.pages import routes as pages
from nif.web.pages import runs as run_pages

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
    metrics = Metrics()  # this app's own: several apps may run in one process

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services.open(settings, load_demo=load_demo)
        metrics.attach(app.state.services)
        try:
            yield
        finally:
            metrics.detach()
            app.state.services.close()

    app = FastAPI(
        title="nif",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.metrics = metrics
    _errors.install(app)
    app.add_middleware(LimitsMiddleware, settings=settings)
    app.add_middleware(BrowserMiddleware)  # its headers reach every answer
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts every answer
    for module in (
        health,
        validate,
        catalogue,
        records,
        proposals,
        certification,
        certificates,
        keys,
        sparql,
        linked_data,  # before the pages: /certification/run/{id} is an IRI
        certificate_pages,
        run_pages,  # before certification_pages: /certification/runs/{id} is not a version
        certification_pages,
        feeds,
        publish,
        proposal_pages,
        pages,
        _apidocs,
    ):
        app.include_router(module.router)
    return app
