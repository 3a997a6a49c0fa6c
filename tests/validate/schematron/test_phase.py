"""Phases: `rules.sch#phase` split from its path, and checked against the rule set's phases."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.errors import UsageError
from nif.validate.schematron import check_phase, load_schematron, split_phase

SCH = "http://purl.oclc.org/dsdl/schematron"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    main = tmp_path / "rules.sch"
    main.write_text(
        f'<schema xmlns="{SCH}"><include href="more.sch"/>'
        '<phase id="size"><active pattern="p"/></phase>'
        '<pattern id="p"><rule context="/"><assert test="true()">x</assert></rule></pattern>'
        "</schema>"
    )
    (tmp_path / "more.sch").write_text(f'<phase xmlns="{SCH}" id="included"/>')
    return main


def test_split_phase_keeps_a_hash_that_is_part_of_an_existing_path(tmp_path: Path) -> None:
    odd = tmp_path / "odd#name.sch"
    odd.write_text("")
    assert split_phase(f"{odd}") == (str(odd), None)
    assert split_phase("rules.sch#size") == ("rules.sch", "size")
    assert split_phase("rules.sch#") == ("rules.sch", None)


def test_split_phase_names_a_built_in_phase_after_a_second_hash() -> None:
    assert split_phase("rules.sch##ALL") == ("rules.sch", "#ALL")
    assert split_phase("some#dir/rules.sch#size") == ("some#dir/rules.sch", "size")


@pytest.mark.parametrize("phase", ["size", "included", "#ALL", "#DEFAULT"])
def test_a_defined_or_built_in_phase_passes(rules: Path, phase: str) -> None:
    check_phase(load_schematron(rules), phase)


def test_an_unknown_phase_is_a_usage_error_naming_the_known_ones(rules: Path) -> None:
    with pytest.raises(
        UsageError,
        match=r"rules.sch, line 1, <sch:schema>: no phase 'fast' \(phases: included, size",
    ):
        check_phase(load_schematron(rules), "fast")


def test_a_precompiled_stylesheet_is_not_checked(tmp_path: Path) -> None:
    xsl = tmp_path / "rules.xsl"
    xsl.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/>'
    )
    check_phase(load_schematron(xsl), "anything")
