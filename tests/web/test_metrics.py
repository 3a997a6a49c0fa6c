"""`/metrics` through a real server: who may read it, what it counts, and that nothing a client
sends becomes a label."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from nif import __version__
from nif.web._metrics import METHODS, UNMATCHED
from tests.conftest import ROOT
from tests.web.conftest import LiveServer
from tests.web.messages import heavy_company_extract

MakeServer = Callable[..., LiveServer]
BIRTH = ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification"
NEWBORN = (BIRTH / "valid-newborn.xml").read_bytes()
MOTHER = (BIRTH / "invalid-mother-born-after-child.xml").read_bytes()


def scrape(live: LiveServer, token: str | None = None) -> list[Sample]:
    """Every sample `/metrics` gives, parsed as Prometheus parses it."""
    with live.client(token) as client:
        answer = client.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(answer.text)
    return [sample for family in families for sample in family.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sample `name` with exactly `labels` (0 when there is none yet)."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def test_metrics_need_an_admin_token(make_server: MakeServer) -> None:
    live = make_server()
    publisher = live.token("publisher", "civreg")
    certifier = live.token("certifier")
    with live.client() as anonymous:
        refused = anonymous.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json()["error"] == "unauthenticated"
    for token in (publisher, certifier):
        with live.client(token) as client:
            answer = client.get("/metrics")
        assert answer.status_code == 403
        assert "admin" in answer.json()["message"]
    with live.client("nif_0123456789abcdef_" + "A" * 43) as unknown:
        assert unknown.get("/metrics").status_code == 401
    samples = scrape(live, live.token("admin"))
    assert value(samples, "nif_info", version=__version__) == 1


def test_metrics_public_serves_them_to_anyone(make_server: MakeServer) -> None:
    live = make_server(metrics_public=True)
    samples = scrape(live)
    assert value(samples, "nif_validation_workers") >= 1
    assert any(s.name == "process_resident_memory_bytes" for s in samples)
    assert any(s.name == "python_info" for s in samples)


def test_requests_are_counted_by_route_template(make_server: MakeServer) -> None:
    live = make_server(metrics_public=True)
    with live.client() as client:
        for record in ("civreg-address", "civreg-birth", "no-such-record"):
            client.get(f"/api/records/{record}")
        client.get("/no/such/page/at/all")
    samples = scrape(live)
    route = "/api/records/{record_id}"
    assert value(samples, "nif_http_requests_total", method="GET", route=route, status="200") == 2
    assert value(samples, "nif_http_requests_total", method="GET", route=route, status="404") == 1
    assert value(samples, "nif_http_request_duration_seconds_count", method="GET", route=route) == 3
    assert not [s for s in samples if "civreg-address" in str(s.labels)]
    assert value(samples, "nif_store_operation_duration_seconds_count", operation="select") > 0
    assert value(samples, "nif_state_up", kind="embedded") == 1


def test_validations_are_counted_by_verdict_and_kind(make_server: MakeServer) -> None:
    live = make_server(metrics_public=True, validation_workers=1)
    with live.client() as client:
        assert client.post("/api/validate", content=NEWBORN).json()["verdict"] == "valid"
        assert client.post("/api/validate", content=MOTHER).json()["verdict"] == "invalid"
        files = [("files", ("a.xml", NEWBORN)), ("files", ("b.xml", MOTHER))]
        assert client.post("/api/validate/batch", files=files).status_code == 200
    samples = scrape(live)
    for verdict, kind in [("valid", "single"), ("invalid", "single")]:
        assert value(samples, "nif_validations_total", verdict=verdict, kind=kind) == 1
    for verdict in ("valid", "invalid"):
        assert value(samples, "nif_validations_total", verdict=verdict, kind="batch") == 1
    assert value(samples, "nif_validation_queue_depth") == 0
    assert value(samples, "nif_validation_workers_busy") == 0
    assert value(samples, "nif_validation_worker_restarts_total") == 0


def test_a_worker_killed_over_its_time_limit_is_counted(make_server: MakeServer) -> None:
    live = make_server(metrics_public=True, validation_workers=1, step_timeout=0.2)
    with live.client() as client:
        report = client.post("/api/validate", content=heavy_company_extract(20_000)).json()
        assert report["verdict"] == "error"
        assert client.post("/api/validate", content=NEWBORN).json()["verdict"] == "valid"
    samples = scrape(live)
    assert value(samples, "nif_validation_worker_restarts_total") == 1
    assert value(samples, "nif_validations_total", verdict="error", kind="single") == 1
    assert value(samples, "nif_validation_workers") == 1


def test_each_app_counts_its_own_requests(make_server: MakeServer) -> None:
    one, other = make_server(metrics_public=True), make_server(metrics_public=True)
    with one.client() as client:
        for _ in range(3):
            client.get("/version")
    counted = {"method": "GET", "route": "/version", "status": "200"}
    assert value(scrape(one), "nif_http_requests_total", **counted) == 3
    assert value(scrape(other), "nif_http_requests_total", **counted) == 0


HOSTILE = [
    '/api/records/x"} 1',
    "/api/records/%22%7D%201%0Anif_injected_total%207%0A%23",
    "/nothing/%22%7D%201%0Anif_injected_total%207",
    "/nothing/" + "\\" * 40,
    "/no such path/\u2028\u0085",
]
"""Paths a label would break on (quotes, braces, newlines once decoded, backslashes)."""


@pytest.mark.parametrize("method", ["GET", "BREW", 'X"}', "post"])
def test_no_client_input_becomes_a_label(make_server: MakeServer, method: str) -> None:
    """Hostile paths, methods and headers: the exposition still parses, names no injected
    metric, and its labels come only from the app's routes and the fixed method list."""
    live = make_server(metrics_public=True)
    with live.client() as client:
        for path in HOSTILE:
            with contextlib.suppress(httpx.HTTPError):  # refused at the protocol level
                client.request(method, path, headers={"X-Route": '"} 1', "Host": 'h"} 1'})
    samples = scrape(live)
    assert not [s for s in samples if "injected" in s.name]
    routes = {"/api/records/{record_id}", "/metrics", UNMATCHED}  # the templates they hit
    requests = [s for s in samples if s.name == "nif_http_requests_total"]
    assert {s.labels["route"] for s in requests} <= routes
    assert {s.labels["method"] for s in requests} <= METHODS | {"other"}


def test_unknown_paths_add_no_series(make_server: MakeServer) -> None:
    live = make_server(metrics_public=True)
    with live.client() as client:
        client.get("/unknown/0")
        scrape(live)  # the first scrape adds the series of `/metrics` itself
        before = len(scrape(live))
        for n in range(1, 60):
            client.get(f"/unknown/{n}", params={"q": str(n)})
    assert len(scrape(live)) == before
