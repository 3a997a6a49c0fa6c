"""The certification page of an interface version: its conformance suite, the certificates
agencies hold for it, and forms to run the suite (on an evidence zip or a live endpoint), issue a
certificate from a passed run and revoke one.

Pages have no login, so each write form carries the caller's access token in a password field.
It is checked exactly as the API's bearer token is (the same token store, role rules and audit
entries), goes into no URL, log or stored run, and is never put back into a page. Runs go
through the API's own function (`nif.web.api.certification.start`) with the form's typed
fields, so a run started here is the same run `POST /api/certification/runs` makes.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nif import catalogue, errors
from nif.auth import Principal
from nif.catalogue import AgencySummary, Interface, InterfaceVersion
from nif.certify import (
    Certificate,
    CertificateState,
    Mode,
    Purpose,
    Run,
    Suite,
    badge_for,
    find_certificates,
    find_suite,
    issue,
    revoke,
)
from nif.web._auth import audited, certifier, form_principal, sees_every_agency
from nif.web._errors import status_of
from nif.web._services import Services, ServicesDep
from nif.web.api import RUN_ID, stored_certificate, stored_run
from nif.web.api import certification as runs_api
from nif.web.api.certificates import ISSUE, REVOKE
from nif.web.pages import _runview
from nif.web.pages._render import page, translator
from nif.web.pages.certificates import state_key

router = APIRouter(include_in_schema=False)

MODES = (str(Mode.EVIDENCE), str(Mode.ENDPOINT))


@dataclasses.dataclass(frozen=True)
class Held:
    """The certificate an agency holds for the version that counts today (its badge's)."""

    agency: str
    agency_name: str
    state: CertificateState
    state_key: str
    certificate: Certificate


@dataclasses.dataclass(frozen=True)
class Subject:
    """The interface version a page is about, with its suite."""

    interface: Interface
    version: InterfaceVersion
    suite: Suite

    @property
    def path(self) -> str:
        return f"/certification/{self.interface.identifier}/{self.version.version}"


def _subject(svc: Services, interface: str, version: str, lang: str) -> Subject:
    """The interface version and its suite; `NotFoundError` when either is missing."""
    found = catalogue.interface(svc.registry.store, interface, lang=lang)
    chosen = next((v for v in found.versions if v.version == version), None)
    if chosen is None:
        have = ", ".join(v.version for v in found.versions)
        raise errors.NotFoundError(
            f"interface {interface!r} has no version {version!r} (versions: {have})"
        )
    return Subject(found, chosen, find_suite(interface, version, settings=svc.settings))


def _held(svc: Services, subject: Subject, agencies: list[AgencySummary]) -> list[Held]:
    """Per agency holding any certificate for the version, the one its badge shows."""
    store, settings = svc.registry.store, svc.settings
    interface, version = subject.interface.identifier, subject.version.version
    holders = {
        c.agency for c in find_certificates(store, settings, interface=interface, version=version)
    }
    names = {a.identifier: a.name for a in agencies}
    held = []
    for agency in sorted(holders, key=lambda a: (names.get(a) or a).lower()):
        state, cert = badge_for(store, settings, agency, interface, version)
        if cert is not None:
            held.append(Held(agency, names.get(agency, agency), state, state_key(state), cert))
    return held


def _version_page(
    request: Request,
    svc: Services,
    subject: Subject,
    *,
    status: int = 200,
    error: str | None = None,
    agency: str = "",
) -> HTMLResponse:
    t = translator(request)
    store = svc.registry.store
    agencies = catalogue.agencies(store, lang=t.lang)
    names = _runview.type_names(subject.version)
    return page(
        request,
        "certification.html",
        status=status,
        title=t(
            "certification.title",
            interface=subject.interface.title,
            version=subject.version.version,
        ),
        subject=subject,
        suite=subject.suite,
        cases=_runview.shown_cases(subject.suite, names),
        held=_held(svc, subject, agencies),
        agencies=agencies,
        agency=agency or subject.interface.agency or "",
        error=error,
        max_upload=svc.settings.service.max_upload_bytes,
    )


@router.get("/certification/{interface}/{version}", response_class=HTMLResponse)
async def certification_page(
    request: Request, svc: ServicesDep, interface: str, version: str
) -> HTMLResponse:
    """The suite, the agencies' certificates and the run forms; 404 without a suite."""
    lang = translator(request).lang
    subject = await run_in_threadpool(_subject, svc, interface, version, lang)
    return await run_in_threadpool(_version_page, request, svc, subject)


async def _run_form(
    mode: str, endpoint: str, headers: str, evidence: UploadFile | None
) -> tuple[bytes | None, str | None, list[str]]:
    """What the form asks the run to judge: the evidence zip's content, or the endpoint and its
    header lines (blank ones kept so that an error's line number is the text area's)."""
    if mode == str(Mode.EVIDENCE):
        if evidence is None or not evidence.filename:
            raise errors.InputError("choose the evidence zip file to upload")
        return await evidence.read(), None, []
    if mode == str(Mode.ENDPOINT):
        if not endpoint.strip():
            raise errors.InputError("type the URL of the endpoint to send the suite's messages to")
        return None, endpoint.strip(), headers.splitlines() if headers.strip() else []
    raise errors.InputError(f"no run mode {mode!r}: use {' or '.join(MODES)}")


@router.post("/certification/{interface}/{version}/run", response_class=HTMLResponse)
async def run_page(
    request: Request,
    svc: ServicesDep,
    interface: str,
    version: str,
    mode: Annotated[str, Form()] = "",
    agency: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
    endpoint: Annotated[str, Form()] = "",
    headers: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Run the suite as the token allows (a publisher: a self-test of its own agency; a
    certifier or admin: a certification run), keep the run and show every case's outcome."""
    lang = translator(request).lang
    subject = await run_in_threadpool(_subject, svc, interface, version, lang)
    agency = agency.strip()
    target = f"{agency} {interface}@{version}"
    try:
        who = form_principal(svc, token, runs_api.ACTION, target)
        with audited(svc, who.actor, runs_api.ACTION, target):
            if not agency:
                raise errors.InputError("choose the agency whose implementation is tested")
            content, url, lines = await _run_form(mode, endpoint, headers, evidence)
        asked = runs_api.RunRequest(agency, interface, version, content, url, tuple(lines))
        run = await runs_api.start(svc, who, asked)
    except errors.NifError as exc:
        status, message = status_of(exc)[0], str(exc)
        return await run_in_threadpool(
            functools.partial(
                _version_page,
                request,
                svc,
                subject,
                status=status,
                error=message,
                agency=agency,
            )
        )
    return await run_in_threadpool(lambda: show_run(request, svc, run, subject.suite))


def show_run(
    request: Request,
    svc: Services,
    run: Run | None,
    suite: Suite | None,
    *,
    run_id: str = "",
    status: int = 200,
    error: str | None = None,
    may_issue: bool = True,
) -> HTMLResponse:
    """A run's outcome; without `run` (the caller may not see it) only the error and the
    issue form; the issue form only when the run is issuable and the viewer `may_issue`."""
    t = translator(request)
    files: dict[str, bytes] = {}
    if run is not None and run.mode is Mode.EVIDENCE:
        try:
            files = dict(svc.runs.evidence(run.id).files)
        except (errors.NifError, OSError):
            files = {}  # the findings are shown all the same, without their lines
    return page(
        request,
        "certification_run.html",
        status=status,
        title=t("certification.run_title", id=run.id if run else run_id),
        run=run,
        run_id=run.id if run else run_id,
        results=_runview.shown_results(run, suite, files) if run else [],
        issuable=may_issue
        and run is not None
        and run.passed
        and run.purpose is Purpose.CERTIFICATION,
        valid_days=svc.settings.certificates.validity_days,
        error=error,
    )


def _days(text: str) -> int | None:
    """The validity the form asks for; empty means the configured default."""
    if not text.strip():
        return None
    try:
        days = int(text.strip())
    except ValueError:
        raise errors.InputError(
            f"the validity must be a whole number of days, not {text.strip()[:40]!r}"
        ) from None
    if not 1 <= days <= 36500:
        raise errors.InputError(f"the validity must be 1 to 36500 days, not {days}")
    return days


@router.post("/certification/runs/{run_id}/issue")
async def issue_page(
    request: Request,
    svc: ServicesDep,
    run_id: str,
    token: Annotated[str, Form()] = "",
    valid_days: Annotated[str, Form()] = "",
) -> Response:
    """Issue a certificate from a passed certification run (certifiers and admins), then show
    it (303 to its page); a refusal shows the run again with the reason."""
    who: Principal | None = None
    try:
        who = form_principal(svc, token, ISSUE, run_id)
        certifier(svc, who, ISSUE, run_id)
        with audited(svc, who.actor, ISSUE, run_id, audited_below=(errors.CertificationError,)):
            days = _days(valid_days)
            run = await stored_run(svc, run_id)
            issued: Certificate = await run_in_threadpool(
                lambda: issue(svc.registry, run, svc.key, actor=who.actor, valid_days=days)
            )
    except errors.NifError as exc:
        return await run_in_threadpool(_issue_refused, request, svc, who, run_id, exc)
    return RedirectResponse(f"/certificates/{issued.id}", status_code=303)


def _issue_refused(
    request: Request, svc: Services, who: Principal | None, run_id: str, exc: errors.NifError
) -> HTMLResponse:
    """The run page with the refusal; the run's results only for a token that may see it."""
    run: Run | None = None
    if who is not None and RUN_ID.fullmatch(run_id):
        try:
            found = svc.runs.get(run_id)
        except errors.NotFoundError:
            found = None
        if found is not None and (sees_every_agency(who) or found.agency == who.agency):
            run = found
    suite = None
    if run is not None:
        try:
            suite = find_suite(run.interface, run.version, settings=svc.settings)
        except errors.NotFoundError:
            suite = None
    return show_run(
        request, svc, run, suite, run_id=run_id, status=status_of(exc)[0], error=str(exc)
    )


# revocation (the certificate page links its form here)


def _revoke_page(
    request: Request,
    svc: Services,
    cert: Certificate,
    *,
    status: int = 200,
    error: str | None = None,
    reason: str = "",
) -> HTMLResponse:
    t = translator(request)
    return page(
        request,
        "certificate_revoke.html",
        status=status,
        title=t("certification.revoke_title", id=cert.id),
        cert=cert,
        error=error,
        reason=reason,
    )


@router.get("/certificates/{cert_id}/revoke", response_class=HTMLResponse)
async def revoke_form(request: Request, svc: ServicesDep, cert_id: str) -> HTMLResponse:
    """The revocation form on a page of its own (the certificate page carries it too)."""
    cert = await run_in_threadpool(stored_certificate, svc, cert_id)
    return await run_in_threadpool(lambda: _revoke_page(request, svc, cert))


@router.post("/certificates/{cert_id}/revoke")
async def revoke_page(
    request: Request,
    svc: ServicesDep,
    cert_id: str,
    token: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Revoke a certificate for a reason (certifiers and admins), then show it (303)."""
    cert = await run_in_threadpool(stored_certificate, svc, cert_id)
    try:
        who = form_principal(svc, token, REVOKE, cert_id)
        certifier(svc, who, REVOKE, cert_id)
        with audited(svc, who.actor, REVOKE, cert_id, audited_below=(errors.CertificationError,)):
            if len(reason) > 2000:
                raise errors.InputError("the reason is over 2000 characters; say it shorter")
            await run_in_threadpool(
                lambda: revoke(svc.registry, cert.id, actor=who.actor, reason=reason)
            )
    except errors.NifError as exc:
        status, message = status_of(exc)[0], str(exc)
        return await run_in_threadpool(
            functools.partial(
                _revoke_page, request, svc, cert, status=status, error=message, reason=reason
            )
        )
    return RedirectResponse(f"/certificates/{cert.id}", status_code=303)
