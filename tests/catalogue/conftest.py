"""The demo registry for the catalogue, in both stores (the registry tests' own fixtures)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import TypeAdapter

from nif.registry import Registry
from tests.conftest import ROOT
from tests.registry.conftest import make_registry, pytest_generate_tests, settings, store_kind

__all__ = ["as_json", "demo", "make_registry", "pytest_generate_tests", "settings", "store_kind"]

DEMO = ROOT / "registry"
INTERFACES = sorted(p.name for p in (DEMO / "interfaces").iterdir())


@pytest.fixture
def demo(make_registry: Callable[[], Registry]) -> Registry:
    registry = make_registry()
    registry.load_folder(DEMO, check=False)
    return registry


def as_json(value: object) -> object:
    """`value` as the web API writes it: the catalogue's dataclasses are its response models."""
    return TypeAdapter(type(value)).dump_python(value, mode="json")
