"""The SVRL of a report: one Schematron step as it is, several merged into one document."""

from __future__ import annotations

import pytest
from lxml import etree

from nif.report import SVRL_NS, Report, render_svrl
from tests.report.conftest import handmade


def test_svrl_of_one_schematron_step_is_its_own(report: Report) -> None:
    step = next(s for s in report.steps if s.kind == "schematron")
    assert step.svrl is not None
    rendered = render_svrl(report)
    assert f"<!-- nif {report.nif_version}, {report.created} -->" in rendered
    same = etree.tostring(etree.fromstring(step.svrl.encode()), method="c14n")
    assert etree.tostring(etree.fromstring(rendered.encode()), method="c14n") == same
    root = etree.fromstring(render_svrl(report).encode())
    assert root.find(f"{{{SVRL_NS}}}failed-assert[@id='BR-CO-15']") is not None


def test_svrl_of_several_steps_is_one_document_in_step_order(two_rule_sets: Report) -> None:
    root = etree.fromstring(render_svrl(two_rule_sets).encode())
    assert root.tag == f"{{{SVRL_NS}}}schematron-output"
    children = [c for c in root if isinstance(c.tag, str)]
    names = [etree.QName(c).localname for c in children]
    first_pattern = names.index("active-pattern")
    assert "ns-prefix-in-attribute-values" not in names[first_pattern:]
    prefixes = [(c.get("prefix"), c.get("uri")) for c in children[:first_pattern]]
    assert len(prefixes) == len(set(prefixes))
    assert ("t", "urn:example:nif-test") in prefixes
    asserts = [c.get("id") for c in children if names[children.index(c)] == "failed-assert"]
    assert asserts.index("BR-CO-15") < asserts.index("LOCAL-1")
    comments = [c.text for c in root if isinstance(c, etree._Comment)]
    assert any("EN16931-UBL-validation.sch" in c for c in comments)
    assert any("local.sch" in c for c in comments)


def test_svrl_needs_a_schematron_step() -> None:
    report = handmade()
    report.steps = report.steps[:2]
    with pytest.raises(ValueError, match="no Schematron step"):
        render_svrl(report)
