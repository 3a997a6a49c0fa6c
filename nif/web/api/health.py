"""`/health` (is the store answering?) and `/version` (what is running)."""

from __future__ import annotations

import time
from importlib import metadata
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from nif import __version__
from nif.errors import NifError
from nif.web._services import ServicesDep

router = APIRouter(tags=["service"])

_ENGINES = ("lxml", "xmlschema", "saxonche", "jsonschema-rs", "pyoxigraph", "pyshacl", "rdflib")


@router.get("/health", summary="Whether the service and its store answer")
def health(svc: ServicesDep) -> JSONResponse:
    started = time.perf_counter()
    store: dict[str, Any] = {"location": svc.registry.store.location}
    try:
        svc.registry.store.ask("ASK { }")
    except NifError as exc:
        store.update(ok=False, error=str(exc))
        return JSONResponse({"status": "unavailable", "store": store}, 503)
    store.update(ok=True, millis=round((time.perf_counter() - started) * 1000, 2))
    return JSONResponse({"status": "ok", "store": store})


@router.get("/version", summary="The versions of nif and of its validation engines")
def version() -> dict[str, Any]:
    engines: dict[str, str | None] = {}
    for name in _ENGINES:
        try:
            engines[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            engines[name] = None
    return {"nif": __version__, "engines": engines}
