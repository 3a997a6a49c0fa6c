"""Abstract patterns, abstract rules, phases, diagnostics and properties as SchXslt expands them:
an instance's parameters fill its abstract pattern's attributes and the diagnostics and
properties it names (not the message text), abstract rules may sit in sch:rules and extend
each other, and a phase selects patterns."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.validate.schematron.conftest import DATA, found, run

RULES = DATA / "abstract.sch"
ORDER = DATA / "order.xml"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@pytest.mark.parametrize("phase", [None, "#DEFAULT", "quantities"])
def test_the_default_phase(phase: str | None):
    report = run(RULES, ORDER, phase)
    assert [(r, s, line, m) for r, s, line, _, m in found(report)] == [
        ("QTY", "error", 5, "The quantity must be positive. Found 0."),
        ("COUNTED", "info", 5, "A line of zero."),
        ("NAME", "error", 6, "A line has no name. Line 3."),
    ], report.steps[-1].error


def test_another_phase_instantiates_the_same_abstract_pattern_with_other_params():
    report = run(RULES, ORDER, "prices")
    assert [(r, line, m) for r, _, line, _, m in found(report)] == [
        ("PRICE", 5, "The price above 4 must be positive. Found -0.5."),
        ("PRICE", 6, "The price above 4 must be positive. Found 0."),
    ]
    svrl = etree.fromstring((report.steps[-1].svrl or "").encode())
    assert svrl.get("phase") == "prices"
    assert svrl.xpath("//svrl:active-pattern/@id", namespaces=SVRL) == ["price"]
    (reference,) = svrl.xpath("//svrl:failed-assert[1]/svrl:property-reference", namespaces=SVRL)
    assert reference.get("property") == "fix" and reference.get("role") == "hint"
    assert "".join(reference.itertext()) == "Correct o:line."


def test_all_phases():
    report = run(RULES, ORDER, "#ALL")
    assert [f.rule_id for f in report.findings] == ["QTY", "PRICE", "PRICE", "COUNTED", "NAME"]


def test_an_instance_without_documents_takes_its_abstract_patterns(tmp_path):
    from nif.validate.schematron import generate_xslt, load_schematron

    (tmp_path / "codes.xml").write_text("<codes><code>a</code></codes>")
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern abstract="true" id="list" documents="$file">'
        '<rule context="code"><assert id="UP" test=". = upper-case(.)">up</assert></rule>'
        "</pattern>"
        '<pattern is-a="list" id="codes"><param name="file" value="\'codes.xml\'"/></pattern>'
        "</schema>"
    )
    report = run(rules, b"<m/>")
    assert [f.rule_id for f in report.findings] == ["UP"], report.steps[-1].error
    assert "codes.xml" in (report.findings[0].location.xpath or "")
    assert generate_xslt(load_schematron(rules)).documents
