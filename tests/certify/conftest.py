"""Shared fixtures of the certification tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from nif.validate import Profile
from tests.certify import endpoints
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def endpoint_profiles(
    demo_registry: Registry,
) -> tuple[dict[tuple[str, str], Profile], Settings]:
    """The demo registry's request profiles the test endpoints validate with, and settings."""
    return endpoints.demo_profiles(demo_registry), demo_registry.settings


@pytest.fixture(scope="session")
def conforming_endpoint(
    endpoint_profiles: tuple[dict[tuple[str, str], Profile], Settings],
) -> Iterator[endpoints.EndpointServer]:
    """A conforming implementation of civreg-birth 2.0.0 and tax-vat-return 1.0.0 (http)."""
    with endpoints.running(*endpoint_profiles, conforming=True) as server:
        yield server


@pytest.fixture(scope="session")
def nonconforming_endpoint(
    endpoint_profiles: tuple[dict[tuple[str, str], Profile], Settings],
) -> Iterator[endpoints.EndpointServer]:
    """An implementation that accepts everything and answers wrongly (http)."""
    with endpoints.running(*endpoint_profiles, conforming=False) as server:
        yield server


@pytest.fixture(scope="session")
def demo_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The demo registry in a real embedded store, for runs (which never write to it)."""
    settings = Settings(home=tmp_path_factory.mktemp("runner-home"), actor="runner")
    with Registry.open(settings) as registry:
        registry.load_folder(ROOT / "registry", check=False, workers=1)
        yield registry


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed NIF_HOME with the demo registry loaded (embedded store), copied by `demo`."""
    home = tmp_path_factory.mktemp("demo-certify") / "home"
    settings = Settings(home=home, actor="loader")
    with Registry(EmbeddedStore(home / "store"), settings) as registry:
        registry.load_folder(ROOT / "registry", check=False, workers=1)
    return home


@pytest.fixture
def demo(demo_home: Path, tmp_path: Path) -> Iterator[Registry]:
    """A registry of its own for the test: a copy of `demo_home` (NIF_HOME `tmp_path/home`)."""
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    settings = Settings(home=home, actor="certifier")
    with Registry(EmbeddedStore(home / "store"), settings) as registry:
        yield registry
