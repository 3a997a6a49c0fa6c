"""Rules on every node kind fire, with locations nif maps back to lines: the document node,
attributes, text nodes, comments and processing instructions, in every query binding."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.validate.schematron.conftest import DATA, found, run, with_binding

EXPECTED = [
    ("DOC", 1, "/", "The order has no total."),
    ("ATTR-NS", 3, "/o:order[1]/@o:version", "Version 2."),
    ("ATTR", 3, "/o:order[1]/@status", "Status is open."),
    ("TEXT", 6, "/o:order[1]/o:note[1]/text()[1]", "A note's text is blank."),
    ("TEXT-DOOR", 7, "/o:order[1]/o:note[2]/text()[1]", "Delivery note: Leave at the door"),
    ("COMMENT", 4, "/o:order[1]/comment()[1]", "A TODO comment is left in the message."),
    ("PI-TOP", 2, "/processing-instruction(nif-check)[1]", 'Check instruction level="strict".'),
    (
        "PI",
        7,
        "/o:order[1]/o:note[2]/processing-instruction(render)[1]",
        "Processing instruction render.",
    ),
]


@pytest.mark.parametrize("binding", ["xslt", "xslt2", "xslt3"])
def test_rules_fire_on_every_node_kind(tmp_path: Path, binding: str):
    report = run(with_binding(DATA / "nodes.sch", binding, tmp_path), DATA / "nodes.xml")
    assert report.verdict == "invalid", report.steps[-1].error
    assert [(r, line, xpath, m) for r, _, line, xpath, m in found(report)] == EXPECTED


def test_element_only_rules_do_not_visit_text(tmp_path: Path):
    """A pattern whose contexts name only elements walks elements; one rule on text() makes
    its pattern walk every node (and only its pattern)."""
    from nif.validate.schematron import compile_to_xslt, load_schematron

    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern><rule context="a"><assert test="b">b</assert></rule></pattern>'
        '<pattern><rule context="a/text()"><assert test=".">t</assert></rule></pattern>'
        "</schema>"
    )
    xslt = compile_to_xslt(load_schematron(rules))
    assert 'select="*" mode="M0"' in xslt
    assert 'select="node()" mode="M1"' in xslt
