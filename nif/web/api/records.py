"""Writing the registry: submit, withdraw, history (bearer tokens and roles).

Writes go through the same `Registry.submit` / `Registry.withdraw` as `nif registry`, in a worker
thread (parsing, pinning and the SHACL check are blocking work). The registry audits what it
refuses or stores; this module audits what it refuses before the registry sees the request
(no or a bad token, a role that may not write, an unsupported body), so every write attempt is
in the audit log.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from rdflib import Graph
from starlette.concurrency import run_in_threadpool

from nif.auth import Principal, Role
from nif.errors import ForbiddenError, NotFoundError, UsageError
from nif.registry import (
    PREFIXES,
    Precondition,
    RecordKind,
    RecordVersion,
    SubmitResult,
    etag,
)
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
_PRECONDITION_ERRORS: dict[int | str, dict[str, Any]] = {
    412: {
        "description": "`If-Match` or `If-None-Match` does not hold for the record as it is now: "
        "nothing is stored; `details.etag` (and the `ETag` header) is its current entity tag."
    },
}
_ETAG_HEADER = {
    "ETag": {
        "description": "The record's entity tag: its N-Triples' sha256 in quotes.",
        "schema": {"type": "string"},
    }
}


def conditions(
    request: Request,
    if_match: Annotated[
        str | None,
        Header(
            description='Write only if the record\'s current ETag is one of these ("*": it '
            "exists). Weak tags never match."
        ),
    ] = None,
    if_none_match: Annotated[
        str | None,
        Header(description='"*": create only (refused when the record exists).'),
    ] = None,
) -> tuple[str | None, str | None]:
    """The raw `If-Match` and `If-None-Match` values, every header line of each joined (a
    list may be split over lines); parsed where a refusal can be audited."""
    del if_match, if_none_match  # declared for the OpenAPI description; read whole below
    joined = [
        ", ".join(request.headers.getlist(name)) or None for name in ("if-match", "if-none-match")
    ]
    return joined[0], joined[1]


Conditions = Annotated[tuple[str | None, str | None], Depends(conditions)]


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
        200: {"description": "The record replaced its current version.", "headers": _ETAG_HEADER},
        201: {"description": "The record is new.", "headers": _ETAG_HEADER},
        202: {
            "description": "Kept as a proposal for review (a publisher's new version or move "
            "to Completed): `proposal.url` shows it; the ETag stays the current record's.",
            "headers": _ETAG_HEADER,
        },
        400: {"description": "Not well-formed, or not the record the URL names."},
        **_WRITE_ERRORS,
        **_PRECONDITION_ERRORS,
        413: {"description": "The body is over max_upload_bytes."},
        415: {"description": "Not an accepted media type."},
        422: {"description": "Refused by the shapes (SHACL results in details) or an artefact."},
    },
)
async def put_record(
    record_id: str,
    request: Request,
    response: Response,
    who: Submitter,
    svc: ServicesDep,
    headers: Conditions,
) -> dict[str, Any]:
    """Submit the record `record_id` (its `dct:identifier`) through the registry's submission
    pipeline: parse, authorise, pin artefacts, check with the shapes, store. All or nothing.
    With `If-Match` (the ETag of `GET`) it stores only over that version, so a change someone
    made since is never lost; `If-None-Match: *` creates only."""
    with audited(svc, who.actor, "submit", record_id):
        content_type = request.headers.get("content-type")
        fmt, suffix = _negotiation.body_type(content_type, BODY_TYPES, "submit")
        expected = Precondition.from_headers(*headers)
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
            expected=expected,
        )
    )
    if result.proposal is not None:
        response.status_code = 202
        if result.proposal.base:
            response.headers["ETag"] = etag(result.proposal.base)
        return {**result.to_dict(), "proposal": proposal_json(result.proposal)}
    response.status_code = 200 if result.replaced else 201
    if len(result.records) == 1 and result.records[0].sha256:
        response.headers["ETag"] = etag(result.records[0].sha256)
    return result.to_dict()


@router.delete(
    "/records/{record_id}",
    summary="Withdraw a record",
    responses={
        **_WRITE_ERRORS,
        404: {"description": "No current record with this identifier."},
        409: {"description": "An agency that still publishes interfaces."},
        **_PRECONDITION_ERRORS,
    },
)
async def delete_record(
    record_id: str, who: Withdrawer, svc: ServicesDep, headers: Conditions
) -> dict[str, Any]:
    """Withdraw a record from the current registry; its history stays. With `If-Match` only
    the version it names is withdrawn."""

    def withdraw() -> RecordVersion:
        with audited(svc, who.actor, "withdraw", record_id):
            expected = Precondition.from_headers(*headers)
        scope = checked_scope(svc, who, "withdraw", record_id)
        return svc.registry.withdraw(record_id, actor=who.actor, publisher=scope, expected=expected)

    version = await run_in_threadpool(withdraw)
    return version.to_dict()


@router.get("/records", summary="The current records")
async def list_records(svc: ServicesDep) -> dict[str, Any]:
    """Every current record, sorted by kind then identifier: its graph IRI, kind (`agency`,
    `interface`) and identifier, as `nif registry list --format json` prints them."""
    records = await run_in_threadpool(svc.registry.records)
    return {"records": [dataclasses.asdict(r) for r in records]}


@router.get(
    "/records/{record_id}",
    summary="A current record as RDF",
    response_class=Response,
    responses={
        200: {"content": {media: {} for media in RECORD_TYPES}, "headers": _ETAG_HEADER},
        304: {"description": "`If-None-Match` names the current version."},
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
    form, whose sha256 is the one in its history and, quoted, its `ETag` (the same in every
    format): send it back in `If-Match` to write over exactly this version."""
    media = _negotiation.negotiate(
        request.headers.get("accept"),
        fmt,
        [(media, media) for media in RECORD_TYPES],
        FORMAT_NAMES,
        "a record",
    )

    def serialize() -> tuple[bytes, str]:
        record = svc.registry.read(record_id)
        ntriples = record.ntriples()
        tag = etag(hashlib.sha256(ntriples).hexdigest())
        if media == "application/n-triples" or _not_modified(request, tag):
            return ntriples, tag
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        graph += record.graph
        return graph.serialize(format=RECORD_TYPES[media], encoding="utf-8"), tag

    content, tag = await run_in_threadpool(serialize)
    headers = {"Vary": "Accept", "ETag": tag}
    if _not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media, headers=headers)


def _not_modified(request: Request, tag: str) -> bool:
    """Whether `If-None-Match` names `tag` (weak comparison); a malformed one is ignored on a
    read, as a cache may send anything."""
    header = ", ".join(request.headers.getlist("if-none-match"))
    if not header:
        return False
    try:
        expected = Precondition.from_headers(None, header)
    except UsageError:
        return False
    tags = expected.if_none_match if expected else None
    return tags is not None and (not tags or any(f'"{t.opaque}"' == tag for t in tags))


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
    "/records/{record_id}/history/{number}",
    summary="The content of one version of a record",
    response_class=Response,
    responses={
        200: {"content": {"application/n-triples": {}}},
        404: {"description": "No such record, or it has fewer versions."},
    },
)
async def record_version(
    record_id: str, number: Annotated[int, Path(ge=1)], svc: ServicesDep
) -> Response:
    """The N-Triples version `number` (1 = the first, as in the history) stored; empty for a
    withdrawal. Its sha256 is the one the history gives (`nif registry history --show N`)."""

    def content() -> bytes:
        versions = svc.registry.versions(record_id)
        if number > len(versions):
            raise NotFoundError(f"{record_id} has {len(versions)} version(s), not {number}")
        return svc.registry.content(versions[number - 1])

    data = await run_in_threadpool(content)
    return Response(data, media_type="application/n-triples")


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
