"""Hostile and broken configurations: every stylesheet and XPath a configuration holds runs in
nif's sandbox, and whatever cannot run makes the verdict `error` (KoSIT fails open there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from nif.report import Report, StepStatus, Verdict, render_kosit
from nif.validate import KOSIT, Profile, StepSpec, load_kosit, validate
from tests.kosit_config import REPORT_XSL, order_config, order_scenario, order_scenarios

GOOD = b"<order><amount>5</amount></order>"
REP = "{http://www.xoev.de/de/validator/varl/1}"


def run(folder: Path, content: bytes = GOOD) -> Report:
    return validate(content, Profile((StepSpec(KOSIT, load_kosit(folder)),)))


def error_of(report: Report) -> str:
    (step,) = [s for s in report.steps if s.kind == KOSIT]
    assert report.verdict == Verdict.ERROR
    assert step.status == StepStatus.ERROR and step.error
    return step.error


def report_with(body: str, *, top: str = "") -> str:
    """The test report stylesheet with `body` at the start of its main template."""
    text = REPORT_XSL.read_text(encoding="utf-8")
    text = text.replace(
        '<xsl:template match="/in:createReportInput">',
        f'<xsl:template match="/in:createReportInput">{body}',
    )
    return text.replace("</xsl:stylesheet>", f"{top}</xsl:stylesheet>")


def test_the_order_configuration_runs(tmp_path: Path) -> None:
    report = run(order_config(tmp_path / "cfg"))
    assert report.verdict == Verdict.VALID
    bad = run(order_config(tmp_path / "cfg"), b"<order><amount>500</amount></order>")
    assert bad.verdict == Verdict.INVALID
    assert [f.rule_id for f in bad.findings] == ["ORD-01"]


@pytest.mark.parametrize(
    ("call", "refused"),
    [
        ("doc('file:///etc/passwd')", "doc"),
        ("unparsed-text('/etc/passwd')", "unparsed-text"),
        ("system-property('user.home')", "system-property"),
        ("environment-variable('HOME')", "environment-variable"),
    ],
)
def test_rules_that_reach_outside_are_refused(tmp_path: Path, call: str, refused: str) -> None:
    folder = order_config(tmp_path / "cfg", rules_extra=f'<xsl:value-of select="{call}"/>')
    assert refused in error_of(run(folder))


@pytest.mark.parametrize(
    "body",
    [
        "<xsl:value-of select=\"doc('file:///etc/passwd')\"/>",
        "<xsl:value-of select=\"unparsed-text('/etc/hostname')\"/>",
        "<xsl:value-of select=\"system-property('user.dir')\"/>",
        '<xsl:result-document href="/tmp/nif-kosit-written.xml"><x/></xsl:result-document>',
    ],
)
def test_a_report_stylesheet_that_reaches_outside_is_refused(tmp_path: Path, body: str) -> None:
    folder = order_config(tmp_path / "cfg", report=report_with(body))
    error = error_of(run(folder))
    assert "report.xsl" in error
    assert not Path("/tmp/nif-kosit-written.xml").exists()


def test_a_match_that_reads_a_document_is_refused(tmp_path: Path) -> None:
    scenarios = order_scenarios(order_scenario(match="doc('file:///etc/passwd')"))
    error = error_of(run(order_config(tmp_path / "cfg", scenarios=scenarios)))
    assert "scenario match" in error and "doc" in error


def test_an_accept_match_that_reads_the_environment_is_refused(tmp_path: Path) -> None:
    scenarios = order_scenarios(order_scenario(accept="environment-variable('HOME')"))
    error = error_of(run(order_config(tmp_path / "cfg", scenarios=scenarios)))
    assert "acceptMatch" in error


def test_a_report_stylesheet_failing_at_run_time_is_an_error_not_acceptable(
    tmp_path: Path,
) -> None:
    """KoSIT turns this into a report with no errors, i.e. acceptable (its issue #165)."""
    body = '<xsl:message terminate="yes">report broke</xsl:message>'
    folder = order_config(tmp_path / "cfg", report=report_with(body))
    error = error_of(run(folder))
    assert "report stylesheet failed" in error and "report broke" in error


def test_rules_failing_at_run_time_are_an_error(tmp_path: Path) -> None:
    folder = order_config(
        tmp_path / "cfg",
        rules_extra="<xsl:value-of select=\"error(QName('urn:x', 'broken'), 'rules broke')\"/>",
    )
    assert "rules broke" in error_of(run(folder))


def test_several_matching_scenarios_are_an_error_naming_them(tmp_path: Path) -> None:
    scenarios = order_scenarios(
        order_scenario("by root"), order_scenario("by amount", match="//amount")
    )
    error = error_of(run(order_config(tmp_path / "cfg", scenarios=scenarios)))
    assert "2 scenarios match" in error and "'by root'" in error and "'by amount'" in error


def test_no_match_without_a_fallback_is_an_error_with_no_kosit_report(tmp_path: Path) -> None:
    scenarios = order_scenarios(order_scenario(), fallback=None)
    report = run(order_config(tmp_path / "cfg", scenarios=scenarios), b"<invoice/>")
    assert "no scenario matches" in error_of(report) and "'orders'" in error_of(report)
    with pytest.raises(ValueError, match="no KoSIT report"):
        render_kosit(report)


def test_a_report_stylesheet_importing_a_default_one_runs_with_its_overrides(
    tmp_path: Path,
) -> None:
    """A customization layer: the importer's named template and variable win over the ones it
    imports, and the imported template rules still run."""
    default = report_with(
        "",
        top='<xsl:template name="rep:extra"><rep:extra>default</rep:extra></xsl:template>'
        '<xsl:variable name="label" select="\'default\'"/>',
    ).replace("<rep:assessment>", '<xsl:call-template name="rep:extra"/><rep:assessment>')
    layer = (
        '<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        ' xmlns:rep="http://www.xoev.de/de/validator/varl/1">'
        '<xsl:import href="lib/default.xsl"/>'
        '<xsl:variable name="label" select="\'custom\'"/>'
        '<xsl:template name="rep:extra"><rep:extra><xsl:value-of select="$label"/></rep:extra>'
        "</xsl:template></xsl:stylesheet>"
    )
    folder = order_config(tmp_path / "cfg", report=layer, files={"lib/default.xsl": default})
    report = run(folder, b"<order><amount>500</amount></order>")
    assert report.verdict == Verdict.INVALID
    root = etree.fromstring(render_kosit(report).encode("utf-8"))
    assert root.findtext(f"{REP}extra") == "custom"
    assert [m.get("code") for m in root.iter(f"{REP}message")] == ["ORD-01"]


def test_xsl_document_builds_a_document_in_memory_in_xslt_2(tmp_path: Path) -> None:
    """As the XRechnung report stylesheet uses it: allowed where Saxon runs it."""
    body = (
        '<xsl:variable name="built" as="document-node()"><xsl:document><x/></xsl:document>'
        '</xsl:variable><xsl:if test="not($built/x)"><xsl:message terminate="yes"/></xsl:if>'
    )
    folder = order_config(tmp_path / "cfg", report=report_with(body))
    assert run(folder).verdict == Verdict.VALID


def test_xsl_document_in_xslt_1_rules_is_refused(tmp_path: Path) -> None:
    """libxslt writes xsl:document to a file."""
    rules = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:template match="/"><xsl:document href="/tmp/nif-kosit-doc.xml"><x/>'
        "</xsl:document></xsl:template></xsl:stylesheet>"
    )
    folder = order_config(tmp_path / "cfg", files={"rules.xsl": rules})
    assert "xsl:document is not allowed" in error_of(run(folder))
    assert not Path("/tmp/nif-kosit-doc.xml").exists()


def line_of(path: Path, text: str) -> int:
    (line,) = [n for n, s in enumerate(path.read_text().splitlines(), 1) if text in s]
    return line


def test_a_report_stylesheet_failing_at_run_time_names_its_file_line_and_element(
    tmp_path: Path,
) -> None:
    folder = order_config(
        tmp_path / "cfg", report=report_with('\n<xsl:value-of select="1 div 0"/>')
    )
    report = folder / "report.xsl"
    line = line_of(report, 'select="1 div 0"')
    error = error_of(run(folder))
    assert f'{report}, line {line}, <xsl:value-of select="1 div 0">: FOAR0001' in error
    assert "file:" not in error.split("report stylesheet failed: ", 1)[1]


def test_rules_failing_at_run_time_name_their_file_line_and_element(tmp_path: Path) -> None:
    folder = order_config(
        tmp_path / "cfg", rules_extra='\n<xsl:value-of select="1 idiv count(/nothing)"/>\n'
    )
    rules = folder / "rules.xsl"
    line = line_of(rules, "idiv count")
    error = error_of(run(folder))
    assert (
        f'{rules}, line {line}, <xsl:value-of select="1 idiv count(/nothing)">: FOAR0001' in error
    )


def test_an_imported_report_layer_failing_at_run_time_is_named_by_its_own_file(
    tmp_path: Path,
) -> None:
    base = report_with('\n<xsl:value-of select="1 div 0"/>')
    layer = (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">\n'
        '  <xsl:import href="base.xsl"/>\n</xsl:stylesheet>\n'
    )
    folder = order_config(tmp_path / "cfg", report=layer, files={"base.xsl": base})
    line = line_of(folder / "base.xsl", 'select="1 div 0"')
    error = error_of(run(folder))
    assert f'{folder / "base.xsl"}, line {line}, <xsl:value-of select="1 div 0">: FOAR0001' in error
