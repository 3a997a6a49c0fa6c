"""`/health` and `/version` through a real server."""

from __future__ import annotations

import httpx

from nif import __version__
from tests.web.conftest import LiveServer


def test_health_reports_the_store(client: httpx.Client, server: LiveServer) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert body["store"]["ok"] is True
    assert body["store"]["location"] == str(server.home / "store")


def test_version_names_nif_and_its_engines(client: httpx.Client) -> None:
    body = client.get("/version").json()
    assert body["nif"] == __version__
    assert body["engines"]["pyoxigraph"]
    assert body["engines"]["saxonche"]


def test_unknown_path_is_a_json_404(client: httpx.Client) -> None:
    answer = client.get("/api/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
