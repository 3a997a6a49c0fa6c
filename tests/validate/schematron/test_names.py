"""The prefixes SchXslt and the ISO skeleton declare in the stylesheets they generate are in
scope for every XPath of a rule set; the rule set's own declarations come first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validate.schematron.conftest import DATA, found, run, with_binding

CIUS = DATA / "cius-cii.sch"
INVOICE = DATA / "cii-invoice.xml"


@pytest.mark.parametrize("binding", ["xslt2", "xslt3", "xpath2", "xpath31"])
def test_the_national_cius_using_xs_without_declaring_it_validates(tmp_path: Path, binding: str):
    """Before: every CII message got verdict error, XPST0081 prefix 'xs' not declared."""
    rules = with_binding(CIUS, binding, tmp_path)
    report = run(rules, INVOICE)
    assert report.verdict == "valid", report.steps[-1].error
    assert report.findings == []


def test_the_cius_finds_what_it_checks(tmp_path: Path):
    wrong = INVOICE.read_bytes().replace(
        b"<ram:LineTotalAmount>150.50</ram:LineTotalAmount>",
        b"<ram:LineTotalAmount>150.00</ram:LineTotalAmount>",
    )
    wrong = wrong.replace(b'format="102"', b'format="610"')
    report = run(CIUS, wrong)
    assert report.verdict == "invalid"
    assert [(rule, severity, line) for rule, severity, line, _, _ in found(report)] == [
        ("CIUS-CII-03", "warning", 7),
        ("CIUS-CII-01", "fatal", 25),
    ]
    assert "(150.00)" in report.findings[1].message


@pytest.mark.parametrize(
    ("prefix", "expression"),
    [
        ("xs", "xs:integer('7') = 7"),
        ("xsd", "xsd:integer('7') = 7"),
        ("xsl", "function-available('xsl:ignored') or true()"),
        ("sch", "not(//sch:anything)"),
        ("iso", "not(//iso:anything)"),
        ("svrl", "not(//svrl:anything)"),
    ],
)
def test_implicit_prefixes(tmp_path: Path, prefix: str, expression: str):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        f'<pattern><rule context="/*"><assert id="OK" test="{expression}">{prefix}</assert>'
        '<report id="RAN" test="true()">ran</report></rule></pattern></schema>'
    )
    report = run(rules, b"<a/>")
    assert [f.rule_id for f in report.findings] == ["RAN"], report.steps[-1].error


def test_the_rule_sets_own_binding_of_a_prefix_wins(tmp_path: Path):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<ns prefix="xs" uri="urn:example:not-schema"/>'
        '<pattern><rule context="xs:order"><report id="MINE" test="true()">mine</report>'
        "</rule></pattern></schema>"
    )
    report = run(rules, b'<order xmlns="urn:example:not-schema"/>')
    assert [(f.rule_id, f.location.xpath) for f in report.findings] == [("MINE", "/xs:order[1]")]


def test_implicit_prefixes_are_not_reported_as_the_rule_sets(tmp_path: Path):
    """svrl:ns-prefix-in-attribute-values lists only what the rule set declares."""
    report = run(CIUS, INVOICE)
    svrl = report.steps[-1].svrl or ""
    assert 'prefix="rsm"' in svrl and 'prefix="xs"' not in svrl
