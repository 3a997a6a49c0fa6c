"""Registries for the tests: a fresh NIF_HOME per test, on the embedded store or on Virtuoso,
or on the embedded store with its state in PostgreSQL (a fresh database per test)."""

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


@pytest.fixture(params=["embedded", "virtuoso", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", actor="tester")


@pytest.fixture
def make_registry(
    store_kind: str, settings: Settings, request: pytest.FixtureRequest
) -> Iterator[callable]:
    """Opens the test's registry; each call opens it again, as a new process would."""
    opened: list[Registry] = []
    if store_kind == "virtuoso":
        server = request.getfixturevalue("virtuoso")
        server.clear()
    location = server.settings_for(settings) if store_kind == "virtuoso" else None
    if store_kind == "postgresql":
        settings = request.getfixturevalue("postgres").settings_for(settings)

    def make() -> Registry:
        if store_kind == "virtuoso":
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
