"""`/health` and `/version` through a real server; `/health` with a remote store and a
PostgreSQL state that stop answering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx

from nif import __version__
from tests import oxigraph_server as oxigraph
from tests.conftest import require_oxigraph_server
from tests.postgres import Postgres
from tests.web.conftest import LiveServer

MakeServer = Callable[..., LiveServer]


def test_health_reports_the_store_and_the_state(client: httpx.Client, server: LiveServer) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    store, state = body["store"], body["state"]
    assert store["kind"] == "embedded" and store["ok"] is True
    assert store["location"] == str(server.home / "store")
    assert store["latency_ms"] >= 0 and store["millis"] == store["latency_ms"]
    assert store["detail"] == ""
    assert state["kind"] == "embedded" and state["ok"] is True
    assert state["latency_ms"] >= 0
    assert str(server.home) in state["location"]


def test_health_is_degraded_then_down_as_the_state_and_the_store_stop(
    make_server: MakeServer, postgres: Postgres, tmp_path: Path
) -> None:
    """A replica's set-up: the Oxigraph server and PostgreSQL. The state's database goes away
    (degraded: 503), then the store (down: 503); never a password in the answers."""
    require_oxigraph_server()
    store = oxigraph.start(tmp_path / "oxigraph")
    try:
        database = postgres.new_database().rsplit("/", 1)[1]
        live = make_server(
            demo=False,
            metrics_public=True,
            store=store.query_url,
            store_update_url=store.update_url,
            store_graph_url=store.graph_url,
            state=postgres.url(database, password=False),
            state_password=postgres.password,
        )
        secrets = (postgres.password, quote(postgres.password, safe=""))
        with live.client() as client:
            answer = client.get("/health")
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["status"] == "ok"
            assert body["store"]["kind"] == "remote"
            assert body["store"]["location"] == store.query_url
            assert body["state"]["kind"] == "postgresql" and body["state"]["ok"] is True
            assert database in body["state"]["location"]
            assert 'nif_state_up{kind="postgresql"} 1.0' in client.get("/metrics").text

            postgres.admin(f'DROP DATABASE "{database}" WITH (FORCE)')
            degraded = client.get("/health")
            assert degraded.status_code == 503
            body = degraded.json()
            assert body["status"] == "degraded"
            assert body["store"]["ok"] is True
            assert body["state"]["ok"] is False
            assert database in body["state"]["detail"]
            assert 'nif_state_up{kind="postgresql"} 0.0' in client.get("/metrics").text

            store.stop()
            down = client.get("/health")
            assert down.status_code == 503
            body = down.json()
            assert body["status"] == "down"
            assert body["store"]["ok"] is False
            assert body["store"]["error"] == body["store"]["detail"] != ""
        shown = [answer.text, degraded.text, down.text]
        assert not [s for s in shown for secret in secrets if secret in s]
    finally:
        store.stop()


def test_version_names_nif_and_its_engines(client: httpx.Client) -> None:
    body = client.get("/version").json()
    assert body["nif"] == __version__
    assert body["engines"]["pyoxigraph"]
    assert body["engines"]["saxonche"]


def test_unknown_path_is_a_json_404(client: httpx.Client) -> None:
    answer = client.get("/api/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"
