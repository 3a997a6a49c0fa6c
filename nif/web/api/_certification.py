"""What the certification routes (runs, certificates) share: who may write, the audit of every
write attempt, request bodies read by hand (so that even a malformed one is audited), run and
certificate identifiers, and RDF answers by `Accept` or `?format=`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, ValidationError
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from nif.auth import Principal, Role
from nif.certify import Run, rdf_document
from nif.errors import ForbiddenError, InputError, NifError, NotFoundError
from nif.web._auth import bearer, optional_principal, principal
from nif.web._negotiation import preferred
from nif.web._services import Services, ServicesDep

log = logging.getLogger("nif.web")

RUN_ID = re.compile(r"run-[0-9]{8}-[0-9a-f]{8}")
CERTIFICATE_ID = re.compile(r"cert-[0-9]{8}-[0-9a-f]{8}")

FORMAT_NAMES = {
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdf-xml": "application/rdf+xml",
}
"""`?format=` names of the RDF answers (`nif.certify._documents.SYNTAXES`), the first the
default."""
SYNTAX_OF = {media: name for name, media in FORMAT_NAMES.items()}
RDF_TYPES = list(SYNTAX_OF)
"""The RDF media types answered."""

M = TypeVar("M", bound=BaseModel)


def unknown(kind: str, identifier: str) -> NotFoundError:
    """The one answer for an id that does not exist and one the caller may not see, so that
    ids do not leak."""
    shown = identifier if len(identifier) <= 80 else identifier[:80] + "…"
    return NotFoundError(f"no {kind} {shown!r}")


def checked_id(kind: str, pattern: re.Pattern[str], identifier: str) -> str:
    """`identifier` if it has the form of a `kind` id, else the 404 of an unknown one."""
    if not pattern.fullmatch(identifier):
        raise unknown(kind, identifier)
    return identifier


async def stored_run(svc: Services, run_id: str) -> Run:
    """The run `run_id` from the run store; the 404 of an unknown run."""
    checked_id("certification run", RUN_ID, run_id)
    try:
        run: Run = await run_in_threadpool(svc.runs.get, run_id)
    except NotFoundError:
        raise unknown("certification run", run_id) from None
    return run


@contextlib.contextmanager
def audited(
    svc: Services,
    actor: str,
    action: str,
    target: str,
    audited_below: tuple[type[Exception], ...] = (),
) -> Iterator[None]:
    """Audit a refusal (a nif error or an HTTP error) or an unexpected error as it passes,
    then let it through; `audited_below` are the errors the code inside audits itself."""
    try:
        yield
    except audited_below:
        raise
    except (NifError, HTTPException) as exc:
        detail = str(exc) if isinstance(exc, NifError) else str(exc.detail)
        svc.registry.history.audit(actor, action, target, "refused", detail)
        raise
    except Exception as exc:
        audit_error(svc, actor, action, target, exc)
        raise


def audit_error(svc: Services, actor: str, action: str, target: str, exc: Exception) -> None:
    """Audit a write attempt that failed with an unexpected error (answered with a generic 500
    and logged with its traceback)."""
    svc.registry.history.audit_error(actor, action, target, exc)


def writer(action: str) -> Callable[..., Principal]:
    """A dependency: the principal of a write attempt named `action`; a missing, unknown,
    malformed or revoked token is audited (naming no token) and refused with 401."""

    def authenticated(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        svc: ServicesDep,
    ) -> Principal:
        actor = "anonymous" if credentials is None else "unauthenticated token"
        with audited(svc, actor, action, request.path_params.get("cert_id", "")):
            return principal(optional_principal(credentials, svc))

    return authenticated


def certifier(svc: Services, who: Principal, action: str, target: str) -> None:
    """Admit certifiers and admins; audit and refuse (403) everyone else."""
    with audited(svc, who.actor, action, target):
        if who.role not in (Role.CERTIFIER, Role.ADMIN):
            raise ForbiddenError(
                f"a {who.role} token cannot issue or revoke certificates; "
                "it needs the role certifier or admin"
            )


def sees_every_agency(who: Principal) -> bool:
    """Certifiers and admins see every agency's runs; a publisher only its own."""
    return who.role in (Role.CERTIFIER, Role.ADMIN)


async def json_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model`; 415 for another media type, 400 saying what is
    wrong and where for a body that is not JSON or not of the model's shape."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in ("application/json", ""):
        raise HTTPException(415, f"cannot read a body of type {media!r}: send application/json")
    content = await request.body()
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise InputError(f"the body is not JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"invalid body: {problems}") from None


def json_request_body(model: type[BaseModel], description: str) -> dict[str, Any]:
    """The OpenAPI `requestBody` of a handler that reads `model` with `json_body`."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def rdf_media(accept: str | None, fmt: str | None, default: str | None = None) -> str:
    """The media type of an answer: `?format=` (a name of `FORMAT_NAMES`, or `default`'s
    "json"), else the best of `Accept`, else `default` or Turtle."""
    if fmt is not None:
        if fmt in FORMAT_NAMES:
            return FORMAT_NAMES[fmt]
        if default is not None and fmt == "json":
            return default
        names = [*FORMAT_NAMES, *(["json"] if default else [])]
        raise HTTPException(400, f"no format {fmt!r}: use {', '.join(names)}")
    offered = [*([default] if default else []), *RDF_TYPES]
    for media in preferred(accept or "*/*"):
        if media in offered:
            return media
        if media in ("*/*", "text/*", "application/*"):
            kind = media.split("/")[0]
            return next(t for t in offered if kind == "*" or t.startswith(kind))
    raise HTTPException(406, f"available as {', '.join(offered)}")


def serialize(graph: Graph, media: str) -> bytes:
    """`graph` in the RDF syntax `media`, with the registry's prefixes."""
    return rdf_document(graph, SYNTAX_OF[media])
