"""Each package's `__init__` is its public API: what it defines and offers is in `__all__`,
and everything `__all__` names is there (as httpx's test of its exported members)."""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import nif

PACKAGES = ["nif", *sorted(m.name for m in pkgutil.walk_packages(nif.__path__, "nif.") if m.ispkg)]


def _own_public_names(package: types.ModuleType) -> set[str]:
    """Public names the package offers that are defined inside it (not helpers it imported
    from another package for its own use)."""
    prefix = package.__name__ + "."
    names = set()
    for name, value in vars(package).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and (home == package.__name__ or home.startswith(prefix)):
            names.add(name)
    return names


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_exports_what_it_offers(name: str) -> None:
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    if exported is None:
        assert not _own_public_names(package), f"{name} offers names but has no __all__"
        return
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    assert [n for n in exported if not hasattr(package, n)] == [], f"{name}.__all__"
    assert sorted(_own_public_names(package) - set(exported)) == [], f"{name}: not in __all__"
