"""Writing the registry: submit, withdraw, history (bearer tokens and roles).

Writes go through the same `Registry.submit` / `Registry.withdraw` as `nif registry`, in a worker
thread (parsing, pinning and the SHACL check are blocking work). The registry audits what it
refuses or stores; this module audits what it refuses before the registry sees the request
(no or a bad token, a role that may not write, an unsupported body), so every write attempt is
in the audit log.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from nif.auth import Principal, Role
from nif.errors import ForbiddenError, NotFoundError
from nif.registry import PREFIXES, RecordKind, RecordVersion, SubmitResult
from nif.web import _negotiation
from nif.web._auth import UNAUTHENTICATED, audited, require, writer
from nif.web._services import Services, ServicesDep
from nif.web.api.proposals import proposal_json

router = APIRouter(prefix="/api", tags=["records"])

BODY_TYPES: dict[str, tuple[str | None, str]] = {
    "text/turtle": ("turtle", ""),
    "application/ld+json": ("json-ld", ""),
    "application/rdf+xml": ("rdf-xml", ""),
    "application/n-triples": ("ntriples", ""),
    "application/zip": (None, ".zip"),
    "application/x-zip-compressed": (None, ".zip"),
}
"""Accepted request bodies: media type -> (RDF format name, or None for a bundle; name suffix)."""

RECORD_TYPES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
"""What `GET /api/records/{id}` answers in (rdflib serializer names), the first the default."""

FORMAT_NAMES = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "json-ld": "application/ld+json",
    "rdf-xml": "application/rdf+xml",
}

_RECORD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The record (Turtle, JSON-LD, RDF/XML, N-Triples), or a bundle zip: the "
        "record file at the top and the artefacts it references with relative URLs.",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in BODY_TYPES
        },
    }
}


Submitter = Annotated[Principal, Depends(writer("submit", "record_id"))]
Withdrawer = Annotated[Principal, Depends(writer("withdraw", "record_id"))]
"""The principal of a write; a missing, unknown, malformed or revoked token is audited and
refused with 401 (the audit names no token, only that it was not accepted)."""
FormatQuery = Annotated[str | None, _negotiation.format_query(FORMAT_NAMES)]
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **UNAUTHENTICATED,
    403: {"description": "The token may not write this record."},
}
"""What the two writes (submit, withdraw) answer alike when the token does not allow them."""


def _scope(svc: Services, who: Principal) -> str | None:
    """The agency IRI a principal may write records for (None: any); 403 for other roles."""
    agency = who.publisher_scope()
    if agency is None:
        return None
    try:
        info = svc.registry.find(agency)
    except NotFoundError:
        info = None
    if info is None or info.kind != RecordKind.AGENCY or info.identifier != agency:
        raise ForbiddenError(
            f"the token's agency {agency!r} is not an agency in the registry; "
            "an admin must submit the agency record first"
        )
    return info.iri


def checked_scope(svc: Services, who: Principal, action: str, target: str) -> str | None:
    """`_scope`, a refusal audited as `action` on `target`: the API's writes and the
    publisher forms (`nif.web.pages.publish`) decide alike."""
    with audited(svc, who.actor, action, target):
        return _scope(svc, who)


@router.put(
    "/records/{record_id}",
    status_code=201,
    summary="Submit a record (create or replace)",
    openapi_extra=_RECORD_BODY,
    responses={
        200: {"description": "The record replaced its current version."},
        201: {"description": "The record is new."},
        202: {
            "description": "Kept as a proposal for review (a publisher's new version or move "
            "to Completed): `proposal.url` shows it."
        },
        400: {"description": "Not well-formed, or not the record the URL names."},
        **_WRITE_ERRORS,
        413: {"description": "The body is over max_upload_bytes."},
        415: {"description": "Not an accepted media type."},
        422: {"description": "Refused by the shapes (SHACL results in details) or an artefact."},
    },
)
async def put_record(
    record_id: str, request: Request, response: Response, who: Submitter, svc: ServicesDep
) -> dict[str, Any]:
    """Submit the record `record_id` (its `dct:identifier`) through the registry's submission
    pipeline: parse, authorise, pin artefacts, check with the shapes, store. All or nothing."""
    with audited(svc, who.actor, "submit", record_id):
        content_type = request.headers.get("content-type")
        fmt, suffix = _negotiation.body_type(content_type, BODY_TYPES, "submit")
    scope = await run_in_threadpool(checked_scope, svc, who, "submit", record_id)
    with audited(svc, who.actor, "submit", record_id):
        content = await request.body()  # LimitsMiddleware stops it past max_upload_bytes
    # the registry audits what it stores or refuses
    result: SubmitResult = await run_in_threadpool(
        lambda: svc.registry.submit(
            content,
            name=record_id + suffix,
            fmt=fmt,
            actor=who.actor,
            publisher=scope,
            identifier=record_id,
            review=svc.settings.registry.review and who.role is Role.PUBLISHER,
        )
    )
    if result.proposal is not None:
        response.status_code = 202
        return {**result.to_dict(), "proposal": proposal_json(result.proposal)}
    response.status_code = 200 if result.replaced else 201
    return result.to_dict()


@router.delete(
    "/records/{record_id}",
    summary="Withdraw a record",
    responses={
        **_WRITE_ERRORS,
        404: {"description": "No current record with this identifier."},
        409: {"description": "An agency that still publishes interfaces."},
    },
)
async def delete_record(record_id: str, who: Withdrawer, svc: ServicesDep) -> dict[str, Any]:
    """Withdraw a record from the current registry; its history stays."""

    def withdraw() -> RecordVersion:
        scope = checked_scope(svc, who, "withdraw", record_id)
        return svc.registry.withdraw(record_id, actor=who.actor, publisher=scope)

    version = await run_in_threadpool(withdraw)
    return version.to_dict()


@router.get(
    "/records/{record_id}",
    summary="A current record as RDF",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in RECORD_TYPES}},
        404: {"description": "No current record with this identifier."},
        406: {"description": "None of the accepted media types."},
    },
)
async def get_record(
    record_id: str,
    request: Request,
    svc: ServicesDep,
    fmt: FormatQuery = None,
) -> Response:
    """The current version of a record (by its identifier): Turtle unless `Accept` or
    `?format=` asks for N-Triples, JSON-LD or RDF/XML. The N-Triples are the record's canonical
    form, whose sha256 is the one in its history."""
    media = _negotiation.negotiate(
        request.headers.get("accept"),
        fmt,
        [(media, media) for media in RECORD_TYPES],
        FORMAT_NAMES,
        "a record",
    )

    def serialize() -> bytes:
        record = svc.registry.read(record_id)
        if media == "application/n-triples":
            return record.ntriples()
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        graph += record.graph
        return graph.serialize(format=RECORD_TYPES[media], encoding="utf-8")

    content = await run_in_threadpool(serialize)
    return Response(content, media_type=media, headers={"Vary": "Accept"})


@router.get(
    "/records/{record_id}/bundle",
    summary="A current record and its files as a bundle zip",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}},
        404: {"description": "No current record with this identifier."},
    },
)
async def get_bundle(record_id: str, svc: ServicesDep) -> Response:
    """The record file at the top (`interface.ttl` or `agency.ttl`) and every file it pinned at
    its path, named by relative URLs: the folder it was submitted as. `PUT` of this zip
    unchanged stores the same record; edit it and send it back to change the record."""

    def bundle() -> tuple[str, bytes]:
        info = svc.registry.find(record_id)
        return info.identifier, svc.registry.bundle(info.iri)

    identifier, content = await run_in_threadpool(bundle)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", identifier) or "record"
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


@router.get(
    "/records/{record_id}/history",
    summary="A record's versions",
    responses={404: {"description": "No record with this identifier was ever submitted."}},
)
async def record_history(record_id: str, svc: ServicesDep) -> dict[str, Any]:
    """Every version a record had, oldest first (withdrawals included): action, who, when,
    and the sha256 of the N-Triples stored."""
    versions = await run_in_threadpool(svc.registry.versions, record_id)
    return {"record": record_id, "versions": [v.to_dict() for v in versions]}


@router.get(
    "/audit",
    summary="The audit log (admin)",
    responses={
        **UNAUTHENTICATED,
        403: {"description": "Not an admin token."},
    },
)
async def audit_log(
    who: Annotated[Principal, Depends(require())],
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Newest entries first.")] = 100,
) -> dict[str, Any]:
    """Every write attempt, accepted or refused, newest first: who, what, on which record,
    the outcome and why. Admin tokens only."""
    entries = await run_in_threadpool(svc.registry.audit_log, limit)
    return {"entries": [e.to_dict() for e in entries]}
