"""The documents the certification routes (runs, certificates) read and answer with: run and
certificate identifiers, JSON request bodies read by hand (so that even a malformed one is
audited), and RDF answers by `Accept` or `?format=`. Who may write and the audit are
`nif.web._auth`'s.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from collections.abc import Collection
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from nif.certify import SYNTAXES, Certificate, Run, get_certificate, rdf_document
from nif.errors import InputError, NotFoundError
from nif.web import _negotiation
from nif.web._services import Services

RUN_ID = re.compile(r"run-[0-9]{8}-[0-9a-f]{8}")
CERTIFICATE_ID = re.compile(r"cert-[0-9]{8}-[0-9a-f]{8}")

FORMAT_NAMES = {name: media for name, (_, media) in SYNTAXES.items()}
"""`?format=` names of the RDF answers, the first the default."""
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


def stored_certificate(svc: Services, cert_id: str) -> Certificate:
    """The certificate `cert_id` from the registry; the 404 of an unknown one. Blocking: the
    API calls it in a thread, the pages from their (threaded) sync routes."""
    checked_id("certificate", CERTIFICATE_ID, cert_id)
    try:
        found: Certificate = get_certificate(svc.registry.store, svc.settings, cert_id)
    except NotFoundError:
        raise unknown("certificate", cert_id) from None
    return found


async def json_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as `model`; 415 for another media type, 400 saying what is
    wrong and where for a body that is not JSON or not of the model's shape."""
    media = _negotiation.media_type(request.headers.get("content-type"))
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
    names = {**({"json": default} if default else {}), **FORMAT_NAMES}
    offered = [*([default] if default else []), *RDF_TYPES]
    offers = [(media, media) for media in offered]
    return _negotiation.negotiate(accept, fmt, offers, names, "this resource")


def serialize(graph: Graph, media: str) -> bytes:
    """`graph` in the RDF syntax `media`, with the registry's prefixes."""
    return rdf_document(graph, SYNTAX_OF[media])


def dataclass_fields(source: type, *, without: Collection[str] = ()) -> dict[str, Any]:
    """The fields of the dataclass `source` but those `without`, as `pydantic.create_model`
    takes them (type, and the attribute docstring as description), each required: a response
    model that reshapes a flow's dataclass writes only the fields that differ."""
    hints = typing.get_type_hints(source)
    described = TypeAdapter(source).json_schema()["properties"]
    return {
        field.name: (hints[field.name], Field(description=described[field.name].get("description")))
        for field in dataclasses.fields(source)
        if field.name not in without
    }
