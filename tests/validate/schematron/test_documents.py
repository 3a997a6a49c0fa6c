"""The `documents` attribute: a pattern's rules run over the documents its expression names,
and only over XML files of the rule set's own artefact set (fail closed otherwise)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nif.validate.schematron import load_schematron
from tests.validate.schematron.conftest import DATA, run, with_binding

FOLDER = DATA / "documents"
RULES = FOLDER / "rules.sch"
CODES = (FOLDER / "codes.xml").resolve().as_uri()


def test_a_literal_document_is_pinned_with_the_rules():
    artefacts = load_schematron(RULES)
    assert CODES in artefacts.parts


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_rules_run_over_the_named_documents(tmp_path: Path, binding: str):
    shutil.copytree(FOLDER, tmp_path, dirs_exist_ok=True)
    codes = (tmp_path / "codes.xml").as_uri()
    report = run(with_binding(tmp_path / "rules.sch", binding, tmp_path), tmp_path / "order.xml")
    assert report.verdict == "invalid", report.steps[-1].error
    assert [(f.rule_id, f.location.line, f.location.xpath, f.message) for f in report.findings] == [
        ("UPPER", None, f"doc('{codes}')/codes[1]/code[2]", "Code usd is not in upper case."),
        ("COUNT", None, f"doc('{codes}')/codes[1]", "2 codes."),
        ("ID", 3, "/o:order[1]/o:id[1]", "The id starts with A."),
    ]
    svrl = report.steps[-1].svrl or ""
    assert f'documents="{codes}"' in svrl


def test_a_document_outside_the_artefact_set_is_an_error_naming_it():
    report = run(RULES, FOLDER / "outside.xml")
    assert report.verdict == "error"
    error = report.steps[-1].error or ""
    assert 'rules.sch, line 12, <sch:pattern documents="/o:order/@o:codes">' in error
    assert "order.xml, which is not an XML file of the rule set's artefact set" in error


def test_files_outside_are_never_read(tmp_path: Path):
    secret = tmp_path / "secret.xml"
    secret.write_text("<secret>TOP-SECRET-MARKER</secret>")
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern documents="/m/@href"><rule context="secret">'
        '<report id="LEAK" test="true()"><value-of select="."/></report></rule></pattern></schema>'
    )
    message = f'<m href="{secret.as_uri()}"/>'.encode()
    report = run(rules, message)
    assert report.verdict == "error"
    assert "TOP-SECRET-MARKER" not in str(report.to_dict())


def test_xslt1_rule_sets_cannot_use_documents(tmp_path: Path):
    shutil.copytree(FOLDER, tmp_path, dirs_exist_ok=True)
    rules = with_binding(RULES, "xslt", tmp_path)
    report = run(rules, FOLDER / "order.xml")
    assert report.verdict == "error"
    assert "the documents attribute needs queryBinding xslt2 or xslt3" in (
        report.steps[-1].error or ""
    )


def test_a_documents_expression_may_not_call_doc(tmp_path: Path):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">\n'
        '<pattern documents="doc(\'/etc/hosts\')"><rule context="/">'
        '<report test="true()">x</report></rule></pattern></schema>'
    )
    report = run(rules, b"<m/>")
    assert report.verdict == "error"
    error = report.steps[-1].error or ""
    assert "r.sch, line 2, <sch:pattern documents=" in error
    assert "doc() is not allowed in a rule set" in error
