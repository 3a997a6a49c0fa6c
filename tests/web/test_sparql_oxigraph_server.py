"""`/sparql` over the Oxigraph server as the store: the union default graph, FROM, standard
results and the time limit, which that server does not enforce per query (nif does)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import httpx
import pytest

from nif.settings import Settings
from nif.store._remote import RemoteStore
from tests import oxigraph_server as oxigraph
from tests.web.conftest import LiveServer

NS = "https://test.nif.example/sparql/"


@pytest.fixture
def live(
    oxigraph_server: oxigraph.OxigraphServer, make_server: Callable[..., LiveServer]
) -> Iterator[LiveServer]:
    """A service on an empty home, its store the Oxigraph server holding two graphs (put
    there directly) and 200 triples in a third for a cross join of 8 million rows."""
    oxigraph_server.clear()
    settings = oxigraph_server.settings_for(Settings())
    with RemoteStore.from_settings(settings.store.url, settings) as store:
        store.replace_graph(NS + "a", f'<{NS}s> <{NS}p> "in a" .\n'.encode())
        store.replace_graph(NS + "b", f'<{NS}s> <{NS}p> "in b" .\n'.encode())
        many = "".join(f'<{NS}x{i}> <{NS}q> "{i}" .\n' for i in range(200))
        store.replace_graph(NS + "many", many.encode())
    yield make_server(
        demo=False,
        store=settings.store.url,
        store_update_url=settings.store.update_url,
        store_graph_url=settings.store.graph_url,
        sparql_timeout=0.3,
    )
    oxigraph_server.clear()


def values(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(row["o"] for row in csv.DictReader(io.StringIO(response.text)))


def test_the_default_graph_is_the_union_and_from_chooses(live: LiveServer) -> None:
    with live.client() as client:
        select = f"SELECT ?o WHERE {{ <{NS}s> <{NS}p> ?o }}"
        assert values(client.get("/sparql", params={"query": select, "format": "csv"})) == [
            "in a",
            "in b",
        ]
        chosen = f"SELECT ?o FROM <{NS}b> WHERE {{ <{NS}s> <{NS}p> ?o }}"
        assert values(client.get("/sparql", params={"query": chosen, "format": "csv"})) == ["in b"]


def test_a_query_past_the_time_limit_is_503_and_the_next_is_answered(live: LiveServer) -> None:
    cross = f"SELECT * WHERE {{ GRAPH <{NS}many> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }} }}"
    with live.client() as client:
        response = client.get("/sparql", params={"query": cross})
        assert response.status_code == 503, response.text
        assert "0.3 s" in response.text and "sparql_timeout" in response.text
        ask = f'ASK {{ <{NS}s> <{NS}p> "in a" }}'
        answer = client.get("/sparql", params={"query": ask})
        assert answer.status_code == 200, answer.text
        assert answer.json()["boolean"] is True
