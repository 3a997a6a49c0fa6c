"""`/health` (do the RDF store and the state answer?), `/metrics` (Prometheus) and `/version`
(what is running)."""

from __future__ import annotations

import time
from importlib import metadata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from nif import __version__
from nif.errors import NifError
from nif.store import EmbeddedStore
from nif.web._auth import UNAUTHENTICATED, OptionalPrincipal, principal, require
from nif.web._metrics import CONTENT_TYPE, Metrics
from nif.web._services import Services, ServicesDep

router = APIRouter(tags=["service"])

_ENGINES = ("lxml", "xmlschema", "saxonche", "jsonschema-rs", "pyoxigraph", "pyshacl", "rdflib")

HEALTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "The RDF store or the state does not answer (`degraded`: one of them, "
        "`down`: both); a load balancer takes the replica out."
    },
}


@router.get(
    "/health",
    summary="Whether the service, its RDF store and its state answer",
    responses=HEALTH_RESPONSES,
)
def health(svc: ServicesDep) -> JSONResponse:
    """Each back end's answer (`kind`, `ok`, `latency_ms`, `detail`, `location`) and the
    service's `status`: `ok`, `degraded` (one back end down) or `down` (both); 503 unless ok.
    Never a password: locations are the ones shown in logs."""
    store, state = _store(svc), _state(svc)
    down = [not part["ok"] for part in (store, state)]
    status = ("ok", "degraded", "down")[sum(down)]
    return JSONResponse(
        {"status": status, "store": store, "state": state}, 200 if status == "ok" else 503
    )


def _store(svc: Services) -> dict[str, Any]:
    """The store's answer to `ASK {}`; `millis` and `error` are the names clients used first."""
    store = svc.registry.store
    kind = "embedded" if isinstance(store, EmbeddedStore) else "remote"
    started = time.perf_counter()
    try:
        store.ask("ASK { }")
    except NifError as exc:
        detail = str(exc)
        return _part(kind, False, started, detail, store.location) | {"error": detail}
    found = _part(kind, True, started, "", store.location)
    return found | {"millis": found["latency_ms"]}


def _state(svc: Services) -> dict[str, Any]:
    state = svc.registry.state
    started = time.perf_counter()
    try:
        answer = state.health().to_dict()
    except NifError as exc:
        return _part(state.kind, False, started, str(exc), state.describe())
    return answer | {"location": state.describe()}


def _part(kind: str, ok: bool, started: float, detail: str, location: str) -> dict[str, Any]:
    latency = round((time.perf_counter() - started) * 1000, 2)
    return {"kind": kind, "ok": ok, "latency_ms": latency, "detail": detail, "location": location}


@router.get(
    "/metrics",
    summary="The service's metrics, in Prometheus' text format (admin)",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text exposition."},
        **UNAUTHENTICATED,
        403: {"description": "Not an admin token (and `metrics_public` is off)."},
    },
)
def metrics(request: Request, svc: ServicesDep, who: OptionalPrincipal) -> Response:
    """HTTP requests by route template, validations by verdict, the validation pool, store
    latency, the state's health and the process. Admin tokens only, unless the setting
    `metrics_public` is on. Each replica answers for itself: scrape every one."""
    if not svc.settings.service.metrics_public:
        require()(principal(who))
    found: Metrics = request.app.state.metrics
    return Response(found.exposition(), media_type=CONTENT_TYPE)


@router.get("/version", summary="The versions of nif and of its validation engines")
def version() -> dict[str, Any]:
    engines: dict[str, str | None] = {}
    for name in _ENGINES:
        try:
            engines[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            engines[name] = None
    return {"nif": __version__, "engines": engines}
