"""What differs on the Oxigraph server: its default graph is the union only when asked, and it
ends an answer it stopped at its own time limit with a message in place of the rest.

The shared suites (test_stores.py, test_query_limits.py) run on a server started without
`--union-default-graph`; these start servers of their own with the other options.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nif.errors import QueryTimeoutError
from nif.settings import Settings
from nif.store import ResultFormat
from nif.store._remote import RemoteStore
from tests import oxigraph_server as oxigraph
from tests.conftest import require_oxigraph_server

NS = "https://test.nif.example/oxigraph/"
pytestmark = pytest.mark.slow


def remote(server: oxigraph.OxigraphServer, query_url: str = "") -> RemoteStore:
    settings = server.settings_for(Settings())
    return RemoteStore.from_settings(query_url or settings.store.url, settings)


def fill(store: RemoteStore, count: int) -> None:
    data = "".join(f'<{NS}s{i}> <{NS}p> "value {i}" .\n' for i in range(count))
    store.replace_graph(NS + "g", data.encode())


@pytest.fixture(scope="module")
def union_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oxigraph.OxigraphServer]:
    require_oxigraph_server()
    with oxigraph.running(tmp_path_factory.mktemp("oxigraph-union"), union=True) as server:
        yield server


def test_a_server_started_with_the_union_default_graph_ignores_from(
    union_server: oxigraph.OxigraphServer,
) -> None:
    """nif works on it, but FROM and FROM NAMED are ignored there (the documented reason to
    start the server without the flag: nif asks for the union per query)."""
    with remote(union_server) as store:
        fill(store, 3)
        store.replace_graph(NS + "h", f'<{NS}t> <{NS}p> "other" .\n'.encode())
        assert len(store.select("SELECT * WHERE { ?s ?p ?o }")) == 4
        assert len(store.select(f"SELECT * FROM <{NS}h> WHERE {{ ?s ?p ?o }}")) == 4


def test_from_names_the_default_graph_without_the_union_flag(
    oxigraph_server: oxigraph.OxigraphServer,
) -> None:
    oxigraph_server.clear()
    with remote(oxigraph_server) as store:
        fill(store, 3)
        store.replace_graph(NS + "h", f'<{NS}t> <{NS}p> "other" .\n'.encode())
        assert len(store.select("SELECT * WHERE { ?s ?p ?o }")) == 4
        rows = store.select(f"SELECT * FROM <{NS}h> WHERE {{ ?s ?p ?o }}")
        assert [str(row["o"]) for row in rows] == ["other"]
    oxigraph_server.clear()


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[oxigraph.OxigraphServer]:
    require_oxigraph_server()
    with oxigraph.running(tmp_path_factory.mktemp("oxigraph-limited"), timeout_s=1) as server:
        yield server


@pytest.mark.parametrize("fmt", [ResultFormat.JSON, ResultFormat.CSV, ResultFormat.NTRIPLES])
def test_an_answer_cut_at_the_servers_own_time_limit_is_a_timeout(
    limited_server: oxigraph.OxigraphServer, fmt: ResultFormat
) -> None:
    """The server answers 200 and writes its message where the results stop: never a short
    or garbled result."""
    with remote(limited_server) as store:
        fill(store, 200)  # 8 million rows
        where = f"GRAPH <{NS}g> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }}"
        query = f"SELECT * WHERE {{ {where} }}"
        if fmt is ResultFormat.NTRIPLES:
            query = f"CONSTRUCT {{ ?a ?p ?b }} WHERE {{ {where} }}"
        with pytest.raises(QueryTimeoutError, match=r"own time limit.*--timeout-s"):
            store.query_raw(query, fmt)


def test_an_aggregate_cut_at_the_servers_own_time_limit_is_a_timeout(
    limited_server: oxigraph.OxigraphServer,
) -> None:
    with remote(limited_server) as store:
        fill(store, 200)
        query = (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{NS}g> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f "
            "FILTER(STRLEN(CONCAT(?b, ?d, ?f)) > 0) } }"
        )
        with pytest.raises(QueryTimeoutError, match="own time limit"):
            store.select(query)


def test_no_credentials_means_no_authorization_header(
    oxigraph_server: oxigraph.OxigraphServer,
) -> None:
    """The server has no authentication: nif's defaults (basic auth, no user) add nothing."""
    with remote(oxigraph_server) as store:
        assert store._client.auth is None
        assert store.ask("ASK {}") is True
