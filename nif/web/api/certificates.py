"""Certificates: issue one from a passed certification run, revoke it, read it (JSON with its
state, or the signed RDF graph) and verify it, the stored one or a file someone holds.

Reading and verifying are public: integrators check certificates. Issuing and revoking need a
certifier or admin token, and every attempt, refused or not, is in the audit log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import run_in_threadpool

from nif.auth import Principal
from nif.certify import (
    Certificate,
    CertificateState,
    Verification,
    certificate_graph,
    find_certificates,
    issue,
    revoke,
    standing,
    verify_certificate_file,
    verify_stored_certificate,
)
from nif.errors import CertificationError, UploadTooLargeError
from nif.web import _negotiation
from nif.web._auth import UNAUTHENTICATED, audited, certifier, writer
from nif.web._services import Services, ServicesDep
from nif.web.api._run_documents import (
    FORMAT_NAMES,
    RDF_TYPES,
    dataclass_fields,
    json_body,
    json_request_body,
    rdf_media,
    serialize,
    stored_certificate,
    stored_run,
)

router = APIRouter(prefix="/api/certificates", tags=["certification"])

ISSUE, REVOKE = "certificate.issue", "certificate.revoke"
"""The audit log's names of the writes (as `nif.certify` audits them)."""
Issuer = Annotated[Principal, Depends(writer(ISSUE))]
FormatQuery = Annotated[str | None, _negotiation.format_query(["json", *FORMAT_NAMES])]
_CERTIFIER_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Not a JSON body of this shape."},
    **UNAUTHENTICATED,
    403: {"description": "Not a certifier or admin token."},
}
"""What the two certifier writes (issue, revoke) answer alike."""
CERT_PATH = Path(description="The certificate's id, `cert-YYYYMMDD-` and 8 hex digits.")
MAX_CERTIFICATE_BYTES = 256 * 1024
"""The largest certificate file `POST /verify` reads: anyone may send one, and parsing and
writing a graph canonically costs time and memory with its size (nif's are about 1.5 KiB)."""
SUFFIXES = {
    "text/turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/n-triples": ".nt",
    "application/rdf+xml": ".rdf",
}
"""Certificate files `POST /verify` reads, by media type (the name `parse_certificate` reads)."""


class IssueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run: str = Field(description="The id of a passed certification run.")
    valid_days: int | None = Field(
        None, ge=1, le=36500, description="Days the certificate is valid (default: settings)."
    )


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="Why, shown to everyone.")


CertificateFields = create_model(
    "CertificateFields", **dataclass_fields(Certificate, without={"ignored_revocation"})
)
"""What a certificate states: the fields of `Certificate` (a revocation that did not count
is in the notes of its state instead)."""
CertificateModel = create_model(
    "CertificateModel",
    __base__=CertificateFields,
    state=(CertificateState, ...),
    ignored_revocation=(
        str | None,
        Field(None, description="Why a revocation found for it did not count (unsigned, forged)."),
    ),
    reasons=(list[str], Field(description="Why the state is what it is.")),
    changes=(
        list[str],
        Field(
            default_factory=list,
            description="The reasons that say how the suite or artefacts changed since issue.",
        ),
    ),
    notes=(
        list[str],
        Field(
            description="What was found and did not count, e.g. a revocation whose signature "
            "does not verify."
        ),
    ),
)
CertificateList = create_model(
    "CertificateList",
    certificates=(list[CertificateModel], ...),  # type: ignore[valid-type]
)
CheckModel = create_model(
    "CheckModel",
    certificate=(str, Field(description="The certificate's IRI.")),
    ok=(
        bool,
        Field(
            description="Signed by the service's key over exactly what this registry issued, "
            "its suite and artefact hashes unchanged, neither expired nor revoked."
        ),
    ),
    state=(CertificateState, ...),
    signature=(Verification, ...),
    issued_here=(bool, Field(description="This registry issued a certificate with this IRI.")),
    problems=(list[str], Field(description="Every check that failed, one sentence each.")),
    hashes_current=(
        bool | None,
        Field(description="The suite and artefact hashes it pins are still the registry's."),
    ),
    unchecked=(list[str], Field(description="Checks that could not be made (none here).")),
    details=(
        CertificateFields | None,
        Field(description="What the certificate states."),
    ),
)
"""A certificate check as `CertificateCheck.to_dict` writes it, for what the API shows."""


async def _described(svc: Services, certificate: Certificate) -> dict[str, Any]:
    """The certificate's JSON: what it holds, its state today and why."""
    now = await run_in_threadpool(standing, svc.registry.store, svc.settings, certificate)
    return {
        **certificate.to_dict(),
        "state": str(now.state),
        "reasons": list(now.reasons),
        "changes": list(now.changes),
        "notes": list(now.notes),
    }


@router.post(
    "",
    status_code=201,
    response_model=CertificateModel,
    summary="Issue a certificate (certifier)",
    openapi_extra=json_request_body(IssueRequest, "The run to certify, and for how long."),
    responses={
        201: {"description": "The signed certificate (Location: the certificate)."},
        **_CERTIFIER_ERRORS,
        404: {"description": "No such run."},
        409: {
            "description": "Not certifiable: the run did not pass, was a self-test, or the "
            "suite or artefacts changed since."
        },
    },
)
async def issue_certificate(
    request: Request, response: Response, who: Issuer, svc: ServicesDep
) -> dict[str, Any]:
    """Issue and sign a certificate from a certification run in which every mandatory case
    passed, pinned to the suite and artefact hashes it was judged on."""
    certifier(svc, who, ISSUE, "")
    with audited(svc, who.actor, ISSUE, ""):
        body = await json_body(request, IssueRequest)
    with audited(svc, who.actor, ISSUE, body.run, audited_below=(CertificationError,)):
        run = await stored_run(svc, body.run)
        certificate: Certificate = await run_in_threadpool(
            lambda: issue(svc.registry, run, svc.key, actor=who.actor, valid_days=body.valid_days)
        )
    response.headers["Location"] = f"{router.prefix}/{certificate.id}"
    return await _described(svc, certificate)


@router.get("", response_model=CertificateList, summary="Certificates")
async def list_certificates(
    svc: ServicesDep,
    agency: Annotated[str | None, Query(description="The holder's identifier.")] = None,
    interface: Annotated[str | None, Query(description="An interface's identifier.")] = None,
    version: Annotated[str | None, Query(description="A version, e.g. `2.0.0`.")] = None,
    state: Annotated[
        CertificateState | None, Query(description="Only certificates in this state.")
    ] = None,
) -> dict[str, Any]:
    """Every certificate issued (revoked and expired ones too), with its state today."""
    found: list[Certificate] = await run_in_threadpool(
        lambda: find_certificates(
            svc.registry.store, svc.settings, agency=agency, interface=interface, version=version
        )
    )
    described = [await _described(svc, c) for c in found]
    return {"certificates": [c for c in described if state is None or c["state"] == str(state)]}


@router.get(
    "/{cert_id}",
    response_model=CertificateModel,
    summary="A certificate",
    responses={
        200: {
            "description": "The certificate with its state (JSON), or its signed graph.",
            "content": {media: {} for media in RDF_TYPES},
        },
        404: {"description": "No certificate with this id."},
        406: {"description": "None of the accepted media types."},
    },
)
async def get_certificate_(
    cert_id: Annotated[str, CERT_PATH],
    request: Request,
    svc: ServicesDep,
    fmt: FormatQuery = None,
) -> Any:
    """The certificate as JSON with its state and the reasons for it; by `Accept` or
    `?format=`, the signed graph (Turtle, JSON-LD, N-Triples, RDF/XML) to keep and verify
    offline with the key at `/.well-known/nif-certificate-key`."""
    media = rdf_media(request.headers.get("accept"), fmt, default="application/json")
    certificate = await run_in_threadpool(stored_certificate, svc, cert_id)
    if media == "application/json":
        return await _described(svc, certificate)
    graph = await run_in_threadpool(
        certificate_graph, svc.registry.store, svc.settings, certificate.id
    )
    content = await run_in_threadpool(serialize, graph, media)
    return Response(content, media_type=media, headers={"Vary": "Accept"})


@router.post(
    "/{cert_id}/revoke",
    response_model=CertificateModel,
    summary="Revoke a certificate (certifier)",
    openapi_extra=json_request_body(RevokeRequest, "Why the certificate is revoked."),
    responses={
        **_CERTIFIER_ERRORS,
        404: {"description": "No certificate with this id."},
        409: {"description": "Already revoked."},
    },
)
async def revoke_certificate(
    cert_id: Annotated[str, CERT_PATH],
    request: Request,
    who: Annotated[Principal, Depends(writer(REVOKE, "cert_id"))],
    svc: ServicesDep,
) -> dict[str, Any]:
    """Revoke a certificate for a reason everyone sees; it stays, marked revoked."""
    certifier(svc, who, REVOKE, cert_id)
    with audited(svc, who.actor, REVOKE, cert_id, audited_below=(CertificationError,)):
        body = await json_body(request, RevokeRequest)
        await run_in_threadpool(stored_certificate, svc, cert_id)
        certificate: Certificate = await run_in_threadpool(
            lambda: revoke(svc.registry, cert_id, actor=who.actor, reason=body.reason, key=svc.key)
        )
    return await _described(svc, certificate)


@router.get(
    "/{cert_id}/verify",
    response_model=CheckModel,
    summary="Verify a stored certificate",
    responses={404: {"description": "No certificate with this id."}},
)
async def verify_stored(cert_id: Annotated[str, CERT_PATH], svc: ServicesDep) -> dict[str, Any]:
    """Check the certificate's signature with the service's key, its pinned hashes against the
    registry today, its expiry and revocation. 200 whether or not it holds: see `ok`."""
    certificate = await run_in_threadpool(stored_certificate, svc, cert_id)

    def check() -> dict[str, Any]:
        found = verify_stored_certificate(
            svc.registry.store, svc.settings, certificate.id, [svc.key.public]
        )
        return found.to_dict()

    return await run_in_threadpool(check)


@router.post(
    "/verify",
    response_model=CheckModel,
    summary="Verify a certificate file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A certificate file, in the syntax its media type names.",
            "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in SUFFIXES},
        }
    },
    responses={
        400: {"description": "Not a certificate in that syntax."},
        413: {"description": "Over 256 KiB (MAX_CERTIFICATE_BYTES)."},
        415: {"description": "Not an RDF media type."},
    },
)
async def verify_file(request: Request, svc: ServicesDep) -> dict[str, Any]:
    """Check a certificate file someone holds as `GET /{id}/verify` checks a stored one: its
    signature with the service's key, its hashes, expiry and revocation."""
    suffix = _negotiation.body_type(request.headers.get("content-type"), SUFFIXES, "verify")
    content = await request.body()
    if len(content) > MAX_CERTIFICATE_BYTES:
        raise UploadTooLargeError(
            f"a certificate file is at most {MAX_CERTIFICATE_BYTES // 1024} KiB (this one is "
            f"{len(content):,} bytes); certificates nif issues are a few KiB"
        )

    def check() -> dict[str, Any]:
        name = "certificate" + suffix
        keys = [svc.key.public]
        found = verify_certificate_file(svc.registry.store, svc.settings, content, name, keys)
        return found.to_dict()

    return await run_in_threadpool(check)
