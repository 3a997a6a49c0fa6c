"""Registries for the tests: a fresh NIF_HOME per test, on the embedded store, on Virtuoso or
the Oxigraph server, or on the embedded store with its state in PostgreSQL (a fresh database
per test)."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.registry import Registry, _profiles
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT
from tests.registry.pinned import PinnedRegistry, standard_registry

DEMO = ROOT / "registry"


STORE_KINDS = ["embedded", "virtuoso", "postgresql"]
"""Every registry test that opens a registry runs on each of these."""
ON_OXIGRAPH_SERVER: frozenset[str] | None = frozenset(
    {"test_registry", "test_changes", "test_plain_rdf", "test_message_types", "test_compatibility"}
)
"""Modules whose tests also run with the Oxigraph server as the store (None: all): what the
store holds and hands back. Left out: detection and profile tests, which run the `nif` command
and validate (store-agnostic, 100 s there). With -n 0 on a loaded two-core machine: 170 s
of the 285 s all would take."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`store_kind` for each test: STORE_KINDS, and the Oxigraph server in the chosen modules.
    Test modules elsewhere that take `store_kind` import this hook with it."""
    if "store_kind" in metafunc.fixturenames:
        kinds = list(STORE_KINDS)
        module = metafunc.module.__name__.rpartition(".")[2]
        if ON_OXIGRAPH_SERVER is None or module in ON_OXIGRAPH_SERVER:
            kinds.append("oxigraph-server")
        metafunc.parametrize("store_kind", kinds, indirect=True)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", actor="tester")


@pytest.fixture
def make_registry(
    store_kind: str, settings: Settings, request: pytest.FixtureRequest
) -> Iterator[callable]:
    """Opens the test's registry; each call opens it again, as a new process would."""
    opened: list[Registry] = []
    location = None
    if store_kind in ("virtuoso", "oxigraph-server"):
        server = request.getfixturevalue(store_kind.replace("-", "_"))
        server.clear()
        location = server.settings_for(settings)
    if store_kind == "postgresql":
        settings = request.getfixturevalue("postgres").settings_for(settings)

    def make() -> Registry:
        if location is not None:
            registry = Registry.open(location, location.store.url)
        else:
            registry = Registry(EmbeddedStore(settings.folder.store), settings)
        opened.append(registry)
        return registry

    yield make
    for registry in opened:
        with contextlib.suppress(Exception):
            registry.close()


@pytest.fixture
def registry(make_registry: callable) -> Registry:
    return make_registry()


@pytest.fixture
def bundle(tmp_path: Path) -> callable:
    """A copy of a demo interface bundle, its interface.ttl edited by `replace` pairs."""

    def copy(interface: str, *replace: tuple[str, str]) -> Path:
        target = tmp_path / f"bundle-{uuid.uuid4().hex[:8]}" / interface
        shutil.copytree(DEMO / "interfaces" / interface, target)
        record = target / "interface.ttl"
        text = record.read_text("utf-8")
        for old, new in replace:
            assert old in text, f"{old!r} is not in {interface}/interface.ttl"
            text = text.replace(old, new)
        record.write_text(text, "utf-8")
        return target

    return copy


@pytest.fixture(autouse=True)
def fresh_profiles() -> Iterator[None]:
    """Profiles are cached per process by record content: each test builds its own."""
    _profiles._built.clear()
    yield
    _profiles._built.clear()


@pytest.fixture
def pinned(make_registry: Callable[[], Registry]) -> Iterator[PinnedRegistry]:
    """The standard registry, in the store `make_registry` (tests/registry/conftest.py) opens."""
    reg = PinnedRegistry(make_registry())
    standard_registry(reg)
    yield reg
    reg.close()
