"""A service whose PostgreSQL state stops answering says so: 503 `state_unavailable` naming the
server without its password, never a 500; and it recovers when the server is back."""

from __future__ import annotations

from collections.abc import Callable

from tests.postgres import Postgres
from tests.state.pg_helpers import wait_for
from tests.web.conftest import LiveServer


def test_a_state_that_does_not_answer_is_503_state_unavailable(
    make_server: Callable[..., LiveServer], postgres: Postgres
) -> None:
    url = postgres.new_database()
    database = url.rsplit("/", 1)[1]
    service = make_server(demo=False, state=url, state_connect_timeout=2)
    headers = {"Authorization": f"Bearer nif_{'ab' * 8}_{'x' * 43}"}  # well-formed, unknown
    with service.client() as client:
        assert client.get("/api/audit", headers=headers).status_code == 401
        postgres.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        postgres.admin(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
        )
        try:
            response = client.get("/api/audit", headers=headers)
            assert response.status_code == 503, response.text
            body = response.json()
            assert body["error"] == "state_unavailable"
            assert f"127.0.0.1:{postgres.port}/{database}" in body["message"]
            assert postgres.password not in response.text
        finally:
            postgres.admin(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        wait_for(
            lambda: client.get("/api/audit", headers=headers).status_code == 401,
            "the service answering again",
        )
