"""Lets as ISO Schematron scopes them: schema and phase lets everywhere, a pattern's lets in that
pattern only (two patterns may bind one name), a rule's lets in that rule (they may shadow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validate.schematron.conftest import DATA, found, run, with_binding

ORDER = DATA / "order.xml"


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_each_let_is_seen_in_its_own_scope(tmp_path: Path, binding: str):
    report = run(with_binding(DATA / "lets.sch", binding, tmp_path), ORDER)
    assert report.verdict == "invalid", report.steps[-1].error
    assert [(rule, line, message) for rule, _, line, _, message in found(report)] == [
        ("TOTAL", 7, "Total 27.00 is not 24 EUR."),
        ("LIMIT-TOTAL", 7, "Total above 25."),
        ("MANY", 2, "At least 3 lines (3)."),
        ("LIMIT-LINE", 4, "Quantity above 1."),
    ]


def test_pattern_lets_of_one_name_do_not_collide_in_xslt1(tmp_path: Path):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">'
        '<ns prefix="o" uri="urn:example:order"/>'
        '<pattern><let name="n" value="1"/><rule context="o:id">'
        '<report id="ONE" test="$n = 1">n is <value-of select="$n"/></report></rule></pattern>'
        '<pattern><let name="n" value="2"/><let name="m" value="$n * 10"/><rule context="o:id">'
        '<report id="TWO" test="$n = 2">n is <value-of select="$n"/>, m is '
        '<value-of select="$m"/></report></rule></pattern></schema>'
    )
    report = run(rules, ORDER)
    assert [(f.rule_id, f.message) for f in report.findings] == [
        ("ONE", "n is 1"),
        ("TWO", "n is 2, m is 20"),
    ], report.steps[-1].error


def test_one_name_twice_in_one_scope_is_a_compile_error_naming_the_let():
    report = run(DATA / "lets-twice.sch", ORDER)
    assert report.verdict == "error"
    error = report.steps[-1].error or ""
    assert 'lets-twice.sch, line 6, <sch:let value="2">' in error
    assert "'x' is already defined in this scope (line 5)" in error


def test_a_phase_let_and_a_schema_let_of_one_name_are_refused(tmp_path: Path):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
        '<let name="x" value="1"/>\n'
        '<phase id="p"><let name="x" value="2"/><active pattern="a"/></phase>\n'
        '<pattern id="a"><rule context="/"><assert test="$x">x</assert></rule></pattern>\n'
        "</schema>\n"
    )
    report = run(rules, ORDER, phase="p")
    assert report.verdict == "error"
    assert "r.sch, line 3, <sch:let" in (report.steps[-1].error or "")


def test_a_pattern_let_shadows_a_phase_let_of_the_same_name(tmp_path: Path):
    path = tmp_path / "r.sch"
    path.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<phase id="p"><let name="x" value="1"/><active pattern="a"/><active pattern="b"/>'
        "</phase>\n"
        '<pattern id="a"><let name="x" value="2"/><rule context="/">'
        '<report id="A" test="true()"><value-of select="$x"/></report></rule></pattern>\n'
        '<pattern id="b"><rule context="/">'
        '<report id="B" test="true()"><value-of select="$x"/></report></rule></pattern>\n'
        "</schema>\n"
    )
    report = run(path, ORDER, "p")
    assert [(f.rule_id, f.message) for f in report.findings] == [("A", "2"), ("B", "1")]
