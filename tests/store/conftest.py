"""The stores under test: embedded Oxigraph, a real Virtuoso over SPARQL (with and without
its Graph Store endpoint) and the Oxigraph server. Each test gets its own IRI namespace, so
tests sharing the session's server never see each other's graphs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.settings import Settings
from nif.store import EmbeddedStore, Store
from nif.store._remote import RemoteStore


@pytest.fixture
def ns() -> str:
    """An IRI prefix of this test's own: its graphs and terms live under it."""
    return f"https://test.nif.example/{uuid.uuid4().hex}/"


@pytest.fixture(params=["embedded", "virtuoso", "virtuoso-sparql-only", "oxigraph-server"])
def store(request: pytest.FixtureRequest, tmp_path: Path, ns: str) -> Iterator[Store]:
    """Each store; `virtuoso-sparql-only` has no Graph Store URL, so graph reads, drops and
    loads go through queries and updates."""
    if request.param == "embedded":
        opened: Store = EmbeddedStore(tmp_path / "store")
    elif request.param == "oxigraph-server":
        settings = request.getfixturevalue("oxigraph_server").settings_for(Settings())
        opened = RemoteStore.from_settings(settings.store.url, settings)
    else:
        server = request.getfixturevalue("virtuoso")
        settings = server.settings_for(Settings())
        if request.param == "virtuoso-sparql-only":
            settings = settings.replace(store_graph_url="")
        opened = RemoteStore.from_settings(settings.store.url, settings)
    yield opened
    if request.param != "embedded":
        for graph in opened.graphs():
            if graph.startswith(ns):
                opened.drop_graph(graph)
    opened.close()
