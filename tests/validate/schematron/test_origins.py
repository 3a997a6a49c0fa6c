"""Compile and run-time errors name the rule file, line and element (`rules.sch, line 5,
<sch:assert test="...">: ...`), never the working directory Saxon compiled the generated
stylesheet in, and Saxon prints nothing that names it either."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nif.errors import CompileError
from nif.validate.schematron import compile_schematron, load_schematron
from tests.validate.schematron.conftest import DATA, run

ORDER = DATA / "order.xml"
HEAD = '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="{binding}">\n'


def rules(tmp_path: Path, body: str, binding: str = "xslt2", name: str = "rules.sch") -> Path:
    path = tmp_path / name
    path.write_text(HEAD.format(binding=binding) + body + "</schema>\n")
    return path


def compile_error(path: Path, phase: str | None = None) -> str:
    with pytest.raises(CompileError) as raised:
        compile_schematron(load_schematron(path), phase)
    message = str(raised.value)
    assert "file:" not in message and f"{os.getcwd()}/:" not in message, message
    return message


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_a_bad_xpath_and_an_undeclared_prefix_are_named_by_their_assert(
    tmp_path: Path, binding: str
):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="*">\n'
        '<assert id="A" test="count((">bad</assert>\n'
        '<assert id="B" test="zz:name">undeclared</assert>\n'
        "</rule>\n</pattern>\n",
        binding,
    )
    message = compile_error(path)
    assert f'{path}, line 4, <sch:assert test="count((">: XPST0003' in message
    assert f'{path}, line 5, <sch:assert test="zz:name">: XPST0081' in message
    assert "Namespace prefix 'zz' has not been declared" in message


def test_a_bad_rule_context_is_named_by_its_rule(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="a[[">\n<report test="1">x</report>\n</rule>\n</pattern>\n',
    )
    assert f'{path}, line 3, <sch:rule context="a[[">: XTSE0340' in compile_error(path)


def test_a_bad_let_in_an_included_file_names_that_file(tmp_path: Path):
    part = tmp_path / "part.sch"
    part.write_text(
        '<pattern xmlns="http://purl.oclc.org/dsdl/schematron">\n'
        '  <let name="x" value="1 +"/>\n'
        '  <rule context="/"><report test="$x">x</report></rule>\n</pattern>\n'
    )
    path = rules(tmp_path, '<include href="part.sch"/>\n')
    assert f'{part}, line 2, <sch:let value="1 +">: XPST0003' in compile_error(path)


def test_xslt1_errors_are_named_by_their_assert(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="*">\n<assert test="count((">x</assert>\n</rule>\n</pattern>\n',
        "xslt",
    )
    assert f'{path}, line 4, <sch:assert test="count((">' in compile_error(path)


def test_an_unknown_phase_names_the_schema(tmp_path: Path):
    path = rules(
        tmp_path,
        '<phase id="fast"><active pattern="p"/></phase>\n'
        '<pattern id="p"><rule context="/"><report test="1">x</report></rule></pattern>\n',
    )
    message = compile_error(path, "slow")
    assert f"{path}, line 1, <sch:schema>: no phase 'slow' in the schema (phases: fast" in message


def test_a_phase_activating_an_unknown_pattern_names_the_active_element(tmp_path: Path):
    path = rules(
        tmp_path,
        '<phase id="fast">\n<active pattern="nope"/>\n</phase>\n'
        '<pattern id="p"><rule context="/"><report test="1">x</report></rule></pattern>\n',
    )
    message = compile_error(path, "fast")
    assert f"{path}, line 3, <sch:active pattern=\"nope\">: phase 'fast' activates" in message


def test_a_missing_abstract_pattern_and_rule_are_named(tmp_path: Path):
    path = rules(tmp_path, '<pattern is-a="nothing" id="x"/>\n')
    assert f'{path}, line 2, <sch:pattern is-a="nothing">: no abstract pattern' in (
        compile_error(path)
    )
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="/">\n<extends rule="r"/>\n</rule>\n</pattern>\n',
        name="extends.sch",
    )
    assert f"{path}, line 4, <sch:extends rule=\"r\">: 'r' is not an abstract rule" in (
        compile_error(path)
    )


def test_the_verdict_is_error_with_the_named_element(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="*">\n<assert test="xs:bogus(1)">x</assert>\n'
        "</rule>\n</pattern>\n",
    )
    report = run(path, ORDER)
    assert report.verdict == "error"
    error = report.steps[-1].error or ""
    assert f'{path}, line 4, <sch:assert test="xs:bogus(1)">: XPST0017' in error


def test_a_precompiled_stylesheet_is_named_by_its_own_lines(tmp_path: Path):
    path = tmp_path / "rules.xsl"
    path.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">\n'
        '  <xsl:template match="/">\n'
        '    <xsl:if test="zz:x">x</xsl:if>\n'
        "  </xsl:template>\n"
        "</xsl:stylesheet>\n"
    )
    message = compile_error(path)
    assert f'{path}, line 3, <xsl:if test="zz:x">: XPST0081' in message


def runtime_error(path: Path, message: Path | bytes = ORDER) -> str:
    report = run(path, message)
    assert report.verdict == "error"
    error = report.steps[-1].error or ""
    assert error.startswith("RuntimeError: the rules failed on this message: "), error
    assert "file:" not in error, error
    return error


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_a_runtime_error_names_its_assert_with_saxons_code_and_message(
    tmp_path: Path, binding: str
):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="o:line" xmlns:o="urn:example:order">\n'
        '<assert test="@qty">x</assert>\n'
        '<assert test="xs:integer(@price) &gt; 0" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        "y</assert>\n</rule>\n</pattern>\n",
        binding,
    )
    error = runtime_error(path)
    assert (
        f'{path}, line 5, <sch:assert test="xs:integer(@price) &gt; 0">: FORG0001 '
        'Cannot convert string "10.00" to an integer'
    ).replace("&gt;", ">") in error


def test_a_runtime_error_in_a_let_and_in_a_report_of_an_included_file(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="/">\n<let name="n" value="1 idiv count(/nothing)"/>\n'
        '<report test="$n">x</report>\n</rule>\n</pattern>\n',
    )
    assert f'{path}, line 4, <sch:let value="1 idiv count(/nothing)">: FOAR0001' in (
        runtime_error(path)
    )
    part = tmp_path / "part.sch"
    part.write_text(
        '<pattern xmlns="http://purl.oclc.org/dsdl/schematron">\n'
        '  <rule context="/">\n    <report test="error((), \'stop here\')">x</report>\n'
        "  </rule>\n</pattern>\n"
    )
    path = rules(tmp_path, '<include href="part.sch"/>\n', name="main.sch")
    error = runtime_error(path)
    assert f"{part}, line 3, <sch:report test=\"error((), 'stop here')\">: FOER0000 stop here" in (
        error
    )


def test_an_error_the_rules_raise_keeps_their_own_code(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="/">\n'
        "<assert test=\"error(QName('urn:example:codes', 'E42'), 'no way')\">x</assert>\n"
        "</rule>\n</pattern>\n",
    )
    assert ">: Q{urn:example:codes}E42 no way" in runtime_error(path)


def test_a_precompiled_stylesheet_failing_at_run_time_is_named_by_its_own_lines(
    tmp_path: Path,
):
    path = tmp_path / "rules.xsl"
    path.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0"\n'
        '    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">\n'
        '  <xsl:template match="/">\n'
        "    <svrl:schematron-output>\n"
        '      <xsl:value-of select="1 div 0"/>\n'
        "    </svrl:schematron-output>\n"
        "  </xsl:template>\n"
        "</xsl:stylesheet>\n"
    )
    error = runtime_error(path)
    assert f'{path}, line 5, <xsl:value-of select="1 div 0">: FOAR0001' in error


def test_elements_sharing_a_line_are_told_apart(tmp_path: Path):
    path = tmp_path / "rules.xsl"
    path.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="2.0">\n'
        '<xsl:template match="/"><xsl:if test="true()"><xsl:value-of select="1 div 0"/>'
        '</xsl:if><xsl:message terminate="yes">stop</xsl:message></xsl:template>\n'
        "</xsl:stylesheet>\n"
    )
    assert f'{path}, line 2, <xsl:value-of select="1 div 0">: FOAR0001' in runtime_error(path)
    path.write_text(path.read_text().replace('select="1 div 0"', 'select="1"'))
    error = runtime_error(path)
    assert error.endswith(
        f"{path}, line 2, <xsl:message>: XTMM9000 Processing terminated by xsl:message: stop"
    )


def test_a_precompiled_stylesheet_runs_as_written_under_the_guard(tmp_path: Path):
    """The guard hands the document node to the stylesheet's own template in its default mode,
    and leaves the stylesheet's own xsl:try alone."""
    path = tmp_path / "rules.xsl"
    path.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="3.0"\n'
        '    xmlns:svrl="http://purl.oclc.org/dsdl/svrl" default-mode="m">\n'
        '  <xsl:template match="/" mode="m">\n'
        "    <svrl:schematron-output>\n"
        "      <xsl:try><xsl:value-of select=\"error((), 'caught')\"/><xsl:catch>\n"
        '        <svrl:failed-assert id="T1" location="/"><svrl:text>kept</svrl:text>'
        "</svrl:failed-assert>\n"
        "      </xsl:catch></xsl:try>\n"
        "    </svrl:schematron-output>\n"
        "  </xsl:template>\n"
        "</xsl:stylesheet>\n"
    )
    report = run(path, ORDER)
    assert report.verdict == "invalid", report.steps[-1].error
    assert [(f.rule_id, f.message) for f in report.findings] == [("T1", "kept")]


def test_saxon_prints_nothing_naming_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
):
    """Saxon writes a failing stylesheet's errors to stderr, naming its base URI: for one
    compiled from text, the working directory."""
    workdir = tmp_path / "working-directory"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    failing = rules(
        tmp_path,
        '<pattern><rule context="/"><assert test="1 div number(.) = 0 or error()">x</assert>'
        "</rule></pattern>\n",
    )
    assert "FOER0000 Error signalled" in runtime_error(failing)
    broken = rules(
        tmp_path,
        '<pattern><rule context="/"><assert test="(">x</assert></rule></pattern>\n',
        name="broken.sch",
    )
    compile_error(broken)
    err = capfd.readouterr().err
    assert "working-directory" not in err
    assert "Error signalled" not in err, err


def test_an_xslt1_runtime_error_names_its_report(tmp_path: Path):
    path = rules(
        tmp_path,
        '<pattern>\n<rule context="/">\n<assert test="true()">ok</assert>\n'
        '<report test="$undefined = 1">x</report>\n</rule>\n</pattern>\n',
        "xslt",
    )
    error = runtime_error(path)
    assert f'{path}, line 5, <sch:report test="$undefined = 1">: runtime error' in error
    assert "Undefined variable" in error
