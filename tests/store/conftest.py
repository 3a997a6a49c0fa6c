"""The stores under test: embedded Oxigraph, and a real Virtuoso over SPARQL (with and without
its Graph Store endpoint). Each test gets its own IRI namespace, so tests sharing the session's
Virtuoso never see each other's graphs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.settings import Settings
from nif.store import EmbeddedStore, Store
from nif.store.remote import RemoteStore
from tests import virtuoso as virtuoso_server


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[virtuoso_server.Virtuoso]:
    """A private Virtuoso for this session (one per xdist worker). In CI it must run: a
    missing `virtuoso-t` fails the tests instead of skipping them."""
    require_virtuoso()
    with virtuoso_server.running(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


def require_virtuoso() -> None:
    """Skip without Virtuoso, except in CI (CI=true), where its tests must run."""
    if not virtuoso_server.installed():
        if os.environ.get("CI"):
            pytest.fail(
                "virtuoso-t/isql-vt are missing: `make test` installs Debian's "
                "virtuoso-opensource; CI must run the Virtuoso tests",
                pytrace=False,
            )
        pytest.skip("Virtuoso is not installed (make test, or apt-get install virtuoso-opensource)")


@pytest.fixture
def ns() -> str:
    """An IRI prefix of this test's own: its graphs and terms live under it."""
    return f"https://test.nif.example/{uuid.uuid4().hex}/"


@pytest.fixture(params=["embedded", "virtuoso", "virtuoso-sparql-only"])
def store(request: pytest.FixtureRequest, tmp_path: Path, ns: str) -> Iterator[Store]:
    """Each store; `virtuoso-sparql-only` has no Graph Store URL, so graph reads, drops and
    loads go through queries and updates."""
    if request.param == "embedded":
        opened: Store = EmbeddedStore(tmp_path / "store")
    else:
        server = request.getfixturevalue("virtuoso")
        settings = server.settings_for(Settings())
        if request.param == "virtuoso-sparql-only":
            settings = settings.replace(store_graph_url="")
        opened = RemoteStore.from_settings(settings.store, settings)
    yield opened
    if request.param != "embedded":
        for graph in opened.graphs():
            if graph.startswith(ns):
                opened.drop_graph(graph)
    opened.close()
