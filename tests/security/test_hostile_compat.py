"""Schemas are agencies' code for the comparison too: a costly pattern or content model in a
new version cannot hold the registry, and what cannot be decided in time refuses a minor
version (fail closed); the registry goes on serving."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.errors import IncompatibleVersionError
from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.registry.test_compatibility import AGENCY, V1, event, write_interface, xsd


def _note(pattern: str, max_length: int = 100_000) -> str:
    return (
        '<xs:element name="Code" minOccurs="0"><xs:simpleType><xs:restriction '
        f'base="xs:string"><xs:pattern value="{pattern}"/><xs:maxLength value="{max_length}"/>'
        "</xs:restriction></xs:simpleType></xs:element>"
    )


@pytest.mark.slow
def test_a_catastrophic_pattern_is_stopped_and_refuses_the_minor(tmp_path: Path) -> None:
    """`(a+)+` against a long run of a's and one b backtracks for hours in Python's `re`,
    which xmlschema uses to judge candidate values: the worker is killed at the limit."""
    settings = Settings(home=tmp_path / "home", actor="tester", compatibility_time_limit=2)
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    try:
        registry.submit(AGENCY)
        old = (xsd(_note("a+")), event())
        registry.submit(write_interface(tmp_path / "a", {"1.0.0": old}))
        new = (xsd(_note("(a+)+")), event())
        hostile = write_interface(tmp_path / "b", {"1.0.0": old, "1.1.0": new})
        with pytest.raises(IncompatibleVersionError, match="time limit"):
            registry.submit(hostile)
        assert registry.assessment("orders", "1.1.0") is None
        calm = write_interface(tmp_path / "c", {"1.0.0": old, "1.0.1": (xsd(_note("a+")), event())})
        registry.submit(calm)  # a new worker answers the next comparison
        assert registry.assessment("orders", "1.0.1") is not None
    finally:
        registry.close()


def test_a_content_model_too_large_to_unroll_is_unknown_not_a_crash(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", actor="tester")
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    many = '<xs:element name="Line" type="xs:string" minOccurs="0" maxOccurs="{}"/>'
    try:
        registry.submit(AGENCY)
        registry.submit(write_interface(tmp_path / "a", {"1.0.0": V1}))
        bundle = write_interface(
            tmp_path / "b",
            {
                "1.0.0": (xsd(many.format(100_000)), event()),
                "1.1.0": (xsd(many.format(99_999)), event()),
            },
        )
        with pytest.raises(IncompatibleVersionError, match=r"too large|unroll|unknown"):
            registry.submit(bundle)
    finally:
        registry.close()
