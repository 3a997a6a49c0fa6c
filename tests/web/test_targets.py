"""The lookups validation requests share: kept between requests, dropped when the registry changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nif.errors import NotFoundError
from nif.registry import Registry
from nif.registry._validation import Chooser, named_types
from nif.settings import Settings
from nif.web._targets import Targets


def _chooser(registry: Registry, interface: str) -> Chooser:
    return Chooser(registry.store, registry.settings, named_types(registry.store, interface))


def test_answers_are_kept_until_the_registry_is_written(demo_home: Path, tmp_path: Path) -> None:
    shutil.copytree(demo_home, tmp_path, dirs_exist_ok=True)
    with Registry.open(Settings(home=tmp_path)) as registry:
        targets = Targets(registry)
        key = ("civreg-address", None, None)
        chooser = targets.chooser(key, lambda: _chooser(registry, "civreg-address"))
        assert targets.chooser(key, lambda: _chooser(registry, "civreg-address")) is chooser
        ref = (chooser.among or [])[0]
        pins = targets.target(ref)
        assert pins.ref == ref and pins.records
        assert targets.target(ref) is pins

        registry.withdraw("civreg-address", actor="tests")
        with pytest.raises(NotFoundError):
            targets.chooser(key, lambda: _chooser(registry, "civreg-address"))
        assert targets.target(ref) is not pins
