"""Certification runs: run a version's conformance suite against an agency's evidence (a zip)
or live endpoint, and read the runs back as JSON or as EARL.

A publisher may run the suite against its own agency's implementation at any time (a self-test,
which never yields a certificate); a certifier or admin starts certification runs, from which
certificates are issued. Runs are private: a publisher sees its own agency's, certifiers and
admins every run, and anyone else gets the 404 of a run that does not exist. Endpoint header
values (the agency's credentials) go to the endpoint and nowhere else: not into the run, the
audit log, the service log or an error message.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from anyio import from_thread
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field, create_model
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from nif.auth import Principal
from nif.certify import (
    CaseResult,
    Endpoint,
    Purpose,
    Run,
    evidence_from_zip,
    find_suite,
    parse_headers,
    run_graph,
    run_suite,
)
from nif.errors import ForbiddenError, InputError
from nif.registry import Target, Task
from nif.report import Report
from nif.web import _negotiation
from nif.web._auth import UNAUTHENTICATED, audited, principal, sees_every_agency, writer
from nif.web._services import Services, ServicesDep
from nif.web.api._run_documents import (
    FORMAT_NAMES,
    RDF_TYPES,
    dataclass_fields,
    rdf_media,
    serialize,
    stored_run,
    unknown,
)

router = APIRouter(prefix="/api/certification", tags=["certification"])

ACTION = "certification.run"
"""The audit log's name of a run attempt."""
Runner = Annotated[Principal, Depends(writer(ACTION))]
FormatQuery = Annotated[str | None, _negotiation.format_query(FORMAT_NAMES)]
RUN_PATH = Path(description="The run's id, `run-YYYYMMDD-` and 8 hex digits.")


class SuiteRef(BaseModel):
    iri: str
    sha256: str = Field(description="The sha256 of the suite's manifest and files.")


class EvidenceFile(BaseModel):
    path: str
    sha256: str


RunSummary = create_model(
    "RunSummary",
    **dataclass_fields(Run, without={"suite_iri", "suite_sha256", "evidence", "results"}),
    suite=(SuiteRef, ...),
    evidence=(list[EvidenceFile], ...),
    passed=(bool, Field(description="Every mandatory case passed.")),
    failed_mandatory=(list[str], ...),
    counts=(dict[str, int], Field(description="How many cases had each outcome.")),
)
"""A run as `Run.to_dict` writes it, without its case results: the fields of `Run` but the
suite and evidence, which it nests, and what follows from the results."""
RunDetail = create_model("RunDetail", __base__=RunSummary, results=(list[CaseResult], ...))
RunList = create_model(
    "RunList",
    runs=(list[RunSummary], Field(description="Newest first.")),  # type: ignore[valid-type]
)


_RUN_BODY = {
    "requestBody": {
        "required": True,
        "description": "What to run the suite against: an `evidence` zip, or an `endpoint`.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["agency", "interface"],
                    "properties": {
                        "agency": {
                            "type": "string",
                            "description": "The agency's identifier, e.g. `civreg`.",
                        },
                        "interface": {
                            "type": "string",
                            "description": "`ID@VERSION`, or the ID with `version`.",
                        },
                        "version": {"type": "string"},
                        "evidence": {
                            "type": "string",
                            "format": "binary",
                            "description": "A zip of the messages the agency's system produced.",
                        },
                        "endpoint": {
                            "type": "string",
                            "description": "The URL nif sends the suite's messages to (https).",
                        },
                        "header": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "`Name: value` headers sent to the endpoint (for "
                            "its authentication); never stored or shown.",
                        },
                    },
                }
            }
        },
    }
}


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"the form field {name!r} must be text, not a file")
    return value.strip() or None


def _subject(form: FormData) -> tuple[str, str, str]:
    """The agency, interface and version the form names (`interface` is `ID@VERSION`, or the
    ID with a `version` field)."""
    agency, interface, version = (_text(form, n) for n in ("agency", "interface", "version"))
    if agency is None:
        raise InputError("the form field 'agency' is missing (an agency identifier)")
    if interface is None:
        raise InputError("the form field 'interface' is missing (ID@VERSION)")
    if "@" in interface:
        interface, _, named = interface.partition("@")
        if version is not None and version != named:
            raise InputError(f"'interface' names version {named!r} but 'version' is {version!r}")
        version = named
    if not interface or not version:
        raise InputError("the form names no version: send interface=ID@VERSION or 'version'")
    return agency, interface, version


async def _evidence(form: FormData) -> bytes | None:
    """The evidence zip's content, if the form has one."""
    upload = form.get("evidence")
    if upload is None or upload == "":
        return None
    if not isinstance(upload, UploadFile):
        raise InputError("the form field 'evidence' must be a file upload (a zip)")
    return await upload.read()


def _headers(form: FormData) -> list[str]:
    values = form.getlist("header")
    if any(not isinstance(v, str) for v in values):
        raise InputError("the form field 'header' must be text, not a file")
    return [str(v) for v in values]


def _endpoint(url: str | None, headers: tuple[str, ...], svc: Services) -> Endpoint | None:
    """The endpoint named, with its headers; the header values only ever go into the
    `Endpoint` (`parse_headers` never repeats them in its errors)."""
    if url is None:
        if headers:
            raise InputError("'header' fields go with an 'endpoint'; this form names none")
        return None
    return Endpoint(url, parse_headers(list(headers)), svc.settings)


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """What to run the suite of `interface`@`version` against: `agency`'s `evidence` zip, or
    its live `endpoint` with `headers` (`Name: value` lines, for its authentication; never
    shown, so not in the repr either)."""

    agency: str
    interface: str
    version: str
    evidence: bytes | None = dataclasses.field(default=None, repr=False)
    endpoint: str | None = None
    headers: tuple[str, ...] = dataclasses.field(default=(), repr=False)

    @property
    def target(self) -> str:
        """The audit log's name of what is run."""
        return f"{self.agency} {self.interface}@{self.version}"


async def start(svc: Services, who: Principal, asked: RunRequest) -> Run:
    """Run the suite as `asked`, keep the run and audit it: the one way to a run, for the API
    and the certification page. The run takes a place in the validation pool
    (`max_concurrent_validations`) as `POST /api/validate` does: 429 when all are taken."""
    with audited(svc, who.actor, ACTION, asked.target):
        purpose = _purpose(who, asked.agency)
        given = [asked.evidence is not None, bool(asked.endpoint)]
        if sum(given) != 1:
            raise InputError(
                "send either an 'evidence' zip or an 'endpoint' (a URL), "
                + ("not both" if any(given) else "the form has neither")
            )
        async with svc.pool.admitted():
            run = await _run(svc, who, purpose, asked)
    verdict = "passed" if run.passed else f"failed: {', '.join(run.failed_mandatory)}"
    svc.registry.history.audit(who.actor, ACTION, asked.target, "stored", f"{run.id} ({verdict})")
    return run


async def _run(svc: Services, who: Principal, purpose: Purpose, asked: RunRequest) -> Run:
    suite = await run_in_threadpool(find_suite, asked.interface, asked.version, None, svc.settings)
    evidence = None
    if asked.evidence is not None:
        evidence = await run_in_threadpool(evidence_from_zip, asked.evidence, svc.settings)
    endpoint = await run_in_threadpool(_endpoint, asked.endpoint or None, asked.headers, svc)

    def on_pool(target: Target, content: bytes, source: str) -> Report:
        """A message of the run, checked by the validation workers (from the run's thread)."""
        return from_thread.run(svc.pool.validate, Task(content, source, target), "certification")

    run: Run = await run_in_threadpool(
        lambda: run_suite(
            svc.registry,
            suite,
            agency=asked.agency,
            evidence=evidence,
            endpoint=endpoint,
            actor=who.actor,
            purpose=purpose,
            validator=on_pool,
        )
    )
    await run_in_threadpool(svc.runs.save, run, evidence)
    return run


def _purpose(who: Principal, agency: str) -> Purpose:
    """Certification for certifiers and admins; a self-test for a publisher's own agency."""
    if sees_every_agency(who):
        return Purpose.CERTIFICATION
    if who.agency is not None and who.agency == agency:
        return Purpose.SELF_TEST
    raise ForbiddenError(
        f"a {who.role} token may only run suites against its own agency's implementation "
        f"({who.agency!r}), not {agency!r}"
    )


@router.post(
    "/runs",
    status_code=201,
    response_model=RunDetail,
    summary="Run a conformance suite",
    openapi_extra=_RUN_BODY,
    responses={
        201: {"description": "The run, every case with its outcome (Location: the run)."},
        400: {"description": "A bad form: what is wrong and where."},
        **UNAUTHENTICATED,
        403: {"description": "A publisher naming another agency."},
        404: {"description": "No such agency, interface version or suite."},
        413: {"description": "The upload is over max_upload_bytes."},
    },
)
async def start_run(
    request: Request, response: Response, who: Runner, svc: ServicesDep
) -> dict[str, Any]:
    """Run the suite of `interface`@`version` against `agency`'s evidence zip or endpoint, keep
    the run and answer with it. A publisher's run is a self-test of its own agency; a
    certifier's or admin's a certification run, from which a certificate may be issued."""
    with audited(svc, who.actor, ACTION, ""):
        form = await request.form(max_files=1, max_fields=100)
    try:
        with audited(svc, who.actor, ACTION, ""):
            agency, interface, version = _subject(form)
        with audited(svc, who.actor, ACTION, f"{agency} {interface}@{version}"):
            evidence = await _evidence(form)
            endpoint, headers = _text(form, "endpoint"), _headers(form)
    finally:
        await form.close()
    asked = RunRequest(agency, interface, version, evidence, endpoint, tuple(headers))
    run = await start(svc, who, asked)
    response.headers["Location"] = f"{router.prefix}/runs/{run.id}"
    return run.to_dict()


@router.get(
    "/runs",
    response_model=RunList,
    summary="Certification runs",
    responses=UNAUTHENTICATED,
)
async def list_runs(
    who: Annotated[Principal, Depends(principal)],
    svc: ServicesDep,
    agency: Annotated[str | None, Query(description="An agency's identifier.")] = None,
    interface: Annotated[str | None, Query(description="An interface's identifier.")] = None,
    version: Annotated[str | None, Query(description="A version, e.g. `2.0.0`.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The runs the token may see, newest first, without their case results: a publisher its
    own agency's, a certifier or admin every agency's."""
    if not sees_every_agency(who):
        if agency is not None and agency != who.agency:
            return {"runs": []}
        agency = who.agency
    runs = await run_in_threadpool(
        lambda: svc.runs.list(agency=agency, interface=interface, version=version, limit=limit)
    )
    return {"runs": [r.to_dict() for r in runs]}


async def _visible_run(svc: Services, who: Principal, run_id: str) -> Run:
    """The run if `who` may see it, else the 404 of a run that does not exist."""
    run = await stored_run(svc, run_id)
    if not sees_every_agency(who) and run.agency != who.agency:
        raise unknown("certification run", run_id)
    return run


@router.get(
    "/runs/{run_id}",
    response_model=RunDetail,
    summary="A certification run",
    responses={
        **UNAUTHENTICATED,
        404: {"description": "No run with this id that the token may see."},
    },
)
async def get_run(
    run_id: Annotated[str, RUN_PATH],
    who: Annotated[Principal, Depends(principal)],
    svc: ServicesDep,
) -> dict[str, Any]:
    """A run with every case's outcome, summary, details and validation reports."""
    return (await _visible_run(svc, who, run_id)).to_dict()


@router.get(
    "/runs/{run_id}/earl",
    summary="A certification run as EARL",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in RDF_TYPES}},
        **UNAUTHENTICATED,
        404: {"description": "No run with this id that the token may see."},
        406: {"description": "None of the accepted media types."},
    },
)
async def get_run_earl(
    run_id: Annotated[str, RUN_PATH],
    request: Request,
    who: Annotated[Principal, Depends(principal)],
    svc: ServicesDep,
    fmt: FormatQuery = None,
) -> Response:
    """The run as EARL assertions and a PROV activity: Turtle unless `Accept` or `?format=`
    asks for JSON-LD, N-Triples or RDF/XML."""
    media = rdf_media(request.headers.get("accept"), fmt)
    run = await _visible_run(svc, who, run_id)
    graph = await run_in_threadpool(run_graph, run, svc.settings, svc.registry.store)
    content = await run_in_threadpool(serialize, graph, media)
    return Response(content, media_type=media, headers={"Vary": "Accept"})
