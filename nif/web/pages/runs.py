"""The certification index, run pages to come back to, and each suite's files as one zip.

Runs are private, as the API keeps them (`GET /api/certification/runs` needs a token): a
publisher sees its own agency's runs, certifiers and admins every run. Pages have no sign-in, so
a list of runs and a run's results come from a form carrying the token (POST, never in a URL).
A GET shows only what is public: the suites, and the runs certificates were issued from (the
registry publishes their EARL results with the certificate). A run page looks the same for a
run that does not exist and for one that is private, so run ids do not leak.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from nif import catalogue, errors
from nif.archives import write_zip
from nif.auth import Principal
from nif.certify import Run, Suite, available, find_certificates, find_suite
from nif.web._auth import form_principal, sees_every_agency
from nif.web._errors import status_of
from nif.web._services import Services, ServicesDep
from nif.web.api import RUN_ID, stored_run
from nif.web.pages._render import page, translator
from nif.web.pages.certificates import run_cases
from nif.web.pages.certification import show_run

router = APIRouter(include_in_schema=False)

READ = "certification.read"
"""The audit log's name of a refused token on a page that reads runs."""
MAX_RUNS = 100
"""Runs a list shows (newest first)."""


@dataclasses.dataclass(frozen=True)
class ShownSuite:
    """An interface version with a conformance suite, as the index lists it."""

    interface: str
    version: str
    title: str
    cases: int
    mandatory: int

    @property
    def path(self) -> str:
        return f"/certification/{self.interface}/{self.version}"


def _suites(svc: Services, lang: str) -> list[ShownSuite]:
    """Every suite whose interface version is in the registry, by interface and version."""
    known: dict[str, tuple[str, set[str]]] = {}
    shown = []
    for interface, version in available():
        if interface not in known:
            try:
                found = catalogue.interface(svc.registry.store, interface, lang=lang)
            except errors.NotFoundError:
                known[interface] = ("", set())
            else:
                known[interface] = (found.title, {v.version for v in found.versions})
        title, versions = known[interface]
        if version in versions:
            suite = find_suite(interface, version, settings=svc.settings)
            shown.append(
                ShownSuite(interface, version, title, len(suite.cases), len(suite.mandatory))
            )
    return shown


def _index(
    request: Request,
    svc: Services,
    *,
    runs: list[Run] | None = None,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    t = translator(request)
    certified = find_certificates(svc.registry.store, svc.settings)
    return page(
        request,
        "certification_index.html",
        status=status,
        title=t("certification.index.title"),
        suites=_suites(svc, t.lang),
        published=certified[:MAX_RUNS],
        runs=runs,
        max_runs=MAX_RUNS,
        error=error,
    )


@router.get("/certification", response_class=HTMLResponse)
def certification_index(request: Request, svc: ServicesDep) -> HTMLResponse:
    """The interface versions with suites, the published runs and the form to see one's runs."""
    return _index(request, svc)


@router.post("/certification", response_class=HTMLResponse)
def certification_runs(
    request: Request, svc: ServicesDep, token: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """The index with the runs the token may see, newest first (as `GET
    /api/certification/runs`); a refused token is shown beside the form."""
    try:
        who = form_principal(svc, token, READ, "runs")
    except errors.NifError as exc:
        return _index(request, svc, status=status_of(exc)[0], error=str(exc))
    if sees_every_agency(who):
        runs = svc.runs.list(limit=MAX_RUNS)
    else:  # a publisher: its own agency's (none without one, never everyone's)
        runs = svc.runs.list(agency=who.agency, limit=MAX_RUNS) if who.agency else []
    return _index(request, svc, runs=runs)


def _public_run(
    request: Request,
    svc: Services,
    run_id: str,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    """What anyone may see of run `run_id`: the certificates issued from it and, when there
    are any, its case outcomes (the run graph the registry publishes with the first)."""
    t = translator(request)
    issued = [c for c in find_certificates(svc.registry.store, svc.settings) if c.run == run_id]
    cases = run_cases(svc.registry.store, issued[0].run_iri, t.lang) if issued else ()
    return page(
        request,
        "certification_run_public.html",
        status=status,
        title=t("certification.run_title", id=run_id),
        run_id=run_id,
        issued=issued,
        cases=cases,
        error=error,
    )


def _run_id(run_id: str) -> str:
    """`run_id` if it has the form of a run id, else the 404 of an unknown run."""
    if not RUN_ID.fullmatch(run_id):
        shown = run_id if len(run_id) <= 80 else run_id[:80] + "…"
        raise errors.NotFoundError(f"no certification run {shown!r}")
    return run_id


@router.get("/certification/runs/{run_id}", response_class=HTMLResponse)
def run_permalink(request: Request, svc: ServicesDep, run_id: str) -> HTMLResponse:
    """A run's permalink: what is public of it, and the form that shows the rest to a token
    that may see it (and, to a certifier, the form to issue from it)."""
    return _public_run(request, svc, _run_id(run_id))


def _visible(svc: Services, who: Principal, run: Run) -> Run:
    if not sees_every_agency(who) and run.agency != who.agency:
        raise errors.NotFoundError(f"no certification run {run.id!r}")
    return run


@router.post("/certification/runs/{run_id}", response_class=HTMLResponse)
async def run_for_token(
    request: Request, svc: ServicesDep, run_id: str, token: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """The run with every case's results for a token that may see it (the API's rule); else
    the public page with the refusal, the same for a run that does not exist."""
    _run_id(run_id)
    try:
        who = form_principal(svc, token, READ, run_id)
        run = _visible(svc, who, await stored_run(svc, run_id))
    except errors.NifError as exc:
        status, message = status_of(exc)[0], str(exc)
        return await run_in_threadpool(
            lambda: _public_run(request, svc, run_id, status=status, error=message)
        )
    try:
        suite: Suite | None = find_suite(run.interface, run.version, settings=svc.settings)
    except errors.NotFoundError:
        suite = None
    issuer = sees_every_agency(who)
    return await run_in_threadpool(lambda: show_run(request, svc, run, suite, may_issue=issuer))


# the suite's files


def suite_zip(suite: Suite) -> bytes:
    """The suite's manifest and message files as a zip, at their paths in the suite folder
    (the same suite always gives the same bytes)."""
    return write_zip({file.path: file.content for file in suite.files})


@router.get("/certification/{interface}/{version}/suite.zip")
def suite_download(svc: ServicesDep, interface: str, version: str) -> Response:
    """The conformance suite of `interface`@`version` as one zip: the manifest and the
    messages nif sends, which an agency answers in evidence mode; 404 without a suite."""
    suite = find_suite(interface, version, settings=svc.settings)
    name = f"{suite.interface}-{suite.version}-suite.zip"
    return Response(
        suite_zip(suite),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "ETag": f'"{suite.sha256[:32]}"',
        },
    )
