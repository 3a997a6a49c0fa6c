"""nif's Schematron compiler on small rule sets of our own: every feature real rule sets use."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from lxml import etree

from nif.errors import CompileError, ResolutionError
from nif.report import Severity
from nif.validate import validate
from nif.validate._profile import Profile
from nif.validate.schematron import compile_to_xslt, load_schematron

SCH = "http://purl.oclc.org/dsdl/schematron"

ORDER = textwrap.dedent("""\
    <?xml version="1.0"?>
    <o:order xmlns:o="urn:example:order">
      <o:id>A-1</o:id>
      <o:line qty="2" price="10.00"><o:name>Pen</o:name></o:line>
      <o:line qty="0" price="3.50"><o:name>Ink</o:name></o:line>
      <o:line qty="1" price="4.00"/>
      <o:total>27.00</o:total>
    </o:order>
    """).encode()


def write(folder: Path, name: str, body: str, binding: str = "xslt2", **attrs: str) -> Path:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    path = folder / name
    path.write_text(
        f'<schema xmlns="{SCH}" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        f'queryBinding="{binding}"{extra}>\n'
        '<ns prefix="o" uri="urn:example:order"/>\n'
        f"{textwrap.dedent(body)}</schema>\n"
    )
    return path


def run(path: Path, phase: str | None = None, message: bytes = ORDER):
    return validate(message, Profile.from_files(schematron=[(path, phase)]), source="order.xml")


def by_rule(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for finding in report.findings:
        out.setdefault(finding.rule_id, []).append(finding)
    return out


@pytest.mark.parametrize("binding", ["xslt", "xslt2", "xslt3", "xpath2", "xpath31"])
def test_asserts_reports_severities_and_lines(tmp_path: Path, binding: str):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <pattern id="lines">
          <rule context="o:line">
            <assert id="QTY" test="number(@qty) &gt; 0" flag="fatal">Line <value-of select="o:name"/>
              has quantity <value-of select="@qty"/> in <name/>.</assert>
            <assert id="NAME" test="o:name" role="warning">Line without a name.</assert>
            <report id="CHEAP" test="number(@price) &lt; 5" role="info">Cheap line.</report>
            <assert id="DEFAULT" test="false()">No flag or role means error.</assert>
          </rule>
        </pattern>
        """,
        binding=binding,
    )
    report = run(rules)
    assert report.verdict == "invalid"
    found = by_rule(report)
    (qty,) = found["QTY"]
    assert qty.severity is Severity.FATAL
    assert qty.message == "Line Ink has quantity 0 in o:line."
    assert qty.location.line == 5
    assert qty.location.xpath == "/o:order[1]/o:line[2]"
    (name,) = found["NAME"]
    assert name.severity is Severity.WARNING and name.location.line == 6
    assert [f.location.line for f in found["CHEAP"]] == [5, 6]
    assert {f.severity for f in found["CHEAP"]} == {Severity.INFO}
    assert len(found["DEFAULT"]) == 3 and found["DEFAULT"][0].severity is Severity.ERROR
    step = report.steps[-1]
    engine = "libxslt" if binding == "xslt" else "Saxon"
    assert step.engine.startswith(engine)
    assert (
        etree.fromstring(step.svrl.encode()).tag
        == "{http://purl.oclc.org/dsdl/svrl}schematron-output"
    )


def test_first_matching_rule_of_a_pattern_wins_and_patterns_are_independent(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <pattern>
          <rule context="o:line[o:name]"><assert id="FIRST" test="false()">first</assert></rule>
          <rule context="o:line"><assert id="SECOND" test="false()">second</assert></rule>
        </pattern>
        <pattern>
          <rule context="o:line"><assert id="OTHER" test="false()">other pattern</assert></rule>
        </pattern>
        """,
    )
    found = by_rule(run(rules))
    assert len(found["FIRST"]) == 2
    assert len(found["SECOND"]) == 1
    assert len(found["OTHER"]) == 3


def test_lets_at_schema_pattern_and_rule_level(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <let name="tolerance" value="0.01"/>
        <pattern>
          <let name="lines" value="//o:line"/>
          <rule context="o:total">
            <let name="sum" value="sum($lines/(number(@qty) * number(@price)))"/>
            <assert id="TOTAL" test="abs(number(.) - $sum) &lt;= $tolerance">Total
              <value-of select="."/> is not the sum <value-of select="$sum"/>.</assert>
          </rule>
        </pattern>
        """,
    )
    (total,) = by_rule(run(rules))["TOTAL"]
    assert total.message == "Total 27.00 is not the sum 24."


def test_phases_select_patterns_and_default_phase(tmp_path: Path):
    body = """
        <phase id="ids"><active pattern="p-id"/></phase>
        <phase id="lines"><active pattern="p-lines"/></phase>
        <pattern id="p-id"><rule context="o:id"><assert id="ID" test="false()">id</assert></rule></pattern>
        <pattern id="p-lines"><rule context="o:line">
          <assert id="MIN" test="number(@qty) &gt;= 1">min</assert></rule></pattern>
        """
    plain = write(tmp_path, "plain.sch", body)
    assert set(by_rule(run(plain))) == {"ID", "MIN"}
    assert set(by_rule(run(plain, "#ALL"))) == {"ID", "MIN"}
    assert set(by_rule(run(plain, "ids"))) == {"ID"}
    assert set(by_rule(run(plain, "lines"))) == {"MIN"}
    defaulted = write(tmp_path, "default.sch", body, defaultPhase="lines")
    assert set(by_rule(run(defaulted))) == {"MIN"}
    assert set(by_rule(run(defaulted, "#DEFAULT"))) == {"MIN"}
    with_let = write(
        tmp_path,
        "let.sch",
        """
        <phase id="strict"><let name="min" value="2"/><active pattern="p"/></phase>
        <pattern id="p"><rule context="o:line">
          <assert id="MIN" test="number(@qty) &gt;= $min">min</assert></rule></pattern>
        """,
        defaultPhase="strict",
    )
    assert len(by_rule(run(with_let))["MIN"]) == 2
    report = run(plain, "nope")
    assert report.verdict == "error"
    assert "no phase 'nope'" in report.steps[-1].error and "ids, lines" in report.steps[-1].error


def test_diagnostics_and_properties(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <pattern><rule context="o:line">
          <assert id="D" test="@qty != '0'" diagnostics="d1" properties="p1">Zero quantity.</assert>
        </rule></pattern>
        <diagnostics><diagnostic id="d1">Found qty=<value-of select="@qty"/>.</diagnostic></diagnostics>
        <properties><property id="p1" role="hint">Remove the line.</property></properties>
        """,
    )
    report = run(rules)
    (finding,) = by_rule(report)["D"]
    assert finding.message == "Zero quantity. Found qty=0."
    svrl = etree.fromstring(report.steps[-1].svrl.encode())
    ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    assert (
        svrl.xpath("string(//svrl:property-reference[@property='p1']/@role)", namespaces=ns)
        == "hint"
    )
    assert (
        svrl.xpath("string(//svrl:diagnostic-reference/svrl:text)", namespaces=ns) == "Found qty=0."
    )


def test_abstract_patterns_and_rules(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <pattern abstract="true" id="positive">
          <rule context="$element"><assert id="$code" test="number($attr) &gt; 0">$attr not positive</assert></rule>
        </pattern>
        <pattern is-a="positive" id="qty">
          <param name="element" value="o:line"/><param name="attr" value="@qty"/><param name="code" value="POS-1"/>
        </pattern>
        <pattern is-a="positive" id="qty10">
          <param name="element" value="o:line[1]"/><param name="attr" value="@qty - 10"/>
          <param name="code" value="POS-10"/>
        </pattern>
        <pattern>
          <rule abstract="true" id="named"><assert id="NAMED" test="o:name">needs a name</assert></rule>
          <rule context="o:line"><extends rule="named"/></rule>
        </pattern>
        """,
    )
    found = by_rule(run(rules))
    assert [f.location.line for f in found["POS-1"]] == [5]
    assert [f.location.line for f in found["POS-10"]] == [4]
    assert [f.location.line for f in found["NAMED"]] == [6]


def test_includes_and_extends_href_resolve_relative_files(tmp_path: Path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "pattern.sch").write_text(
        f'<pattern xmlns="{SCH}" id="inc"><rule context="o:id">'
        '<extends href="rule.sch"/></rule></pattern>'
    )
    (tmp_path / "parts" / "rule.sch").write_text(
        f'<rule xmlns="{SCH}" abstract="true" id="r"><assert id="INC" test="false()">x</assert></rule>'
    )
    rules = write(tmp_path, "main.sch", '<include href="parts/pattern.sch"/>')
    artefacts = load_schematron(rules)
    assert len(artefacts.parts) == 3
    report = run(rules)
    assert set(by_rule(report)) == {"INC"}
    assert len(report.steps[-1].artefacts) == 3


def test_foreign_xslt_function_and_key(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        """
        <ns prefix="f" uri="urn:example:functions"/>
        <xsl:key name="by-name" match="o:line" use="o:name"/>
        <xsl:function name="f:amount" as="xs:decimal" xmlns:xs="http://www.w3.org/2001/XMLSchema">
          <xsl:param name="line"/>
          <xsl:sequence select="xs:decimal($line/@qty) * xs:decimal($line/@price)"/>
        </xsl:function>
        <pattern><rule context="o:line">
          <assert id="AMOUNT" test="f:amount(.) &gt; 0">Amount <value-of select="f:amount(.)"/></assert>
          <report id="KEY" test="count(key('by-name', 'Pen')) = 1 and o:name = 'Pen'">key works</report>
        </rule></pattern>
        """,
    )
    found = by_rule(run(rules))
    assert [f.message for f in found["AMOUNT"]] == ["Amount 0"]
    assert len(found["KEY"]) == 1


def test_attribute_contexts_point_at_the_attribute(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        '<pattern><rule context="o:line/@price">'
        '<assert id="PRICE" test="contains(., \'.00\')">odd price</assert></rule></pattern>',
    )
    (finding,) = by_rule(run(rules))["PRICE"]
    assert finding.location.xpath == "/o:order[1]/o:line[2]/@price"
    assert finding.location.line == 5


def test_precompiled_xslt_is_accepted(tmp_path: Path):
    rules = write(
        tmp_path,
        "r.sch",
        '<pattern><rule context="o:id"><assert id="PRE" test="false()">pre</assert></rule></pattern>',
    )
    xslt = tmp_path / "r.xsl"
    xslt.write_text(compile_to_xslt(load_schematron(rules)))
    (finding,) = by_rule(run(xslt))["PRE"]
    assert finding.location.line == 3


@pytest.mark.parametrize("version", ["1.0", "3.0"])
def test_a_precompiled_stylesheet_that_writes_no_svrl_is_an_error_not_a_pass(
    tmp_path: Path, version: str
):
    xslt = tmp_path / "not-svrl.xsl"
    xslt.write_text(
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
        f'version="{version}"><xsl:template match="/"><result>all fine</result>'
        "</xsl:template></xsl:stylesheet>"
    )
    report = run(xslt)
    assert report.verdict == "error"
    assert "not an SVRL report" in (report.steps[-1].error or "")


def test_compile_errors_make_the_verdict_error(tmp_path: Path):
    bad_xpath = write(
        tmp_path,
        "bad.sch",
        '<pattern><rule context="o:line"><assert test="count((">x</assert></rule></pattern>',
    )
    report = run(bad_xpath)
    assert report.verdict == "error"
    assert "do not compile" in report.steps[-1].error
    binding = write(tmp_path, "binding.sch", "<pattern/>", binding="xquery")
    assert "queryBinding 'xquery' is not supported" in run(binding).steps[-1].error
    missing = write(tmp_path, "missing.sch", '<pattern is-a="nothing" id="x"/>')
    assert "no abstract pattern" in run(missing).steps[-1].error
    with pytest.raises(CompileError, match="not well-formed"):
        compile_to_xslt(load_schematron(write(tmp_path, "broken.sch", "<pattern>")))


def test_includes_never_reach_the_network(tmp_path: Path):
    rules = write(tmp_path, "net.sch", '<include href="http://127.0.0.1:9/rules.sch"/>')
    with pytest.raises(ResolutionError, match="refused"):
        load_schematron(rules)


def test_rules_cannot_read_files(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    rules = write(
        tmp_path,
        "steal.sch",
        f'<pattern><rule context="o:id"><assert id="S" test="false()">'
        f"<value-of select=\"unparsed-text('{secret.as_uri()}')\"/></assert></rule></pattern>",
    )
    report = run(rules)
    assert report.verdict == "error"
    assert "TOP-SECRET-MARKER" not in str(report.to_dict())


def test_runtime_failure_is_error_not_valid(tmp_path: Path):
    rules = write(
        tmp_path,
        "dyn.sch",
        '<pattern><rule context="o:line"><assert test="xs:integer(@price) &gt; 0" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema">x</assert></rule></pattern>',
    )
    report = run(rules)
    assert report.verdict == "error"
    assert "failed on this message" in report.steps[-1].error


@pytest.mark.slow
def test_time_limit_gives_error(tmp_path: Path):
    from nif.settings import Settings

    rules = write(
        tmp_path,
        "slow.sch",
        '<pattern><rule context="o:order"><assert id="SLOW" test="sum(for $a in 1 to 100000000'
        ' return ($a * string-length(.)) mod 7) &gt; 0">slow</assert></rule></pattern>',
    )
    profile = Profile.from_files(schematron=[rules])
    report = validate(ORDER, profile, settings=Settings(step_timeout=0.2))
    assert report.verdict == "error"
    assert "time limit" in report.steps[-1].error


def test_compiled_rules_are_cached_by_content(tmp_path: Path):
    from nif.settings import Settings
    from nif.validate import compile_step

    body = '<pattern><rule context="o:id"><assert id="C" test="false()">c</assert></rule></pattern>'
    first = Profile.from_files(schematron=[write(tmp_path, "a.sch", body)])
    again = Profile.from_files(schematron=[write(tmp_path, "a.sch", body)])
    changed = Profile.from_files(schematron=[write(tmp_path, "a.sch", body.replace('"C"', '"D"'))])
    settings = Settings()
    step = compile_step(first.steps[0], settings)
    assert compile_step(again.steps[0], settings) is step
    assert compile_step(changed.steps[0], settings) is not step


@pytest.mark.parametrize("binding", ["xslt", "xslt2"])
def test_entities_of_a_rule_sets_internal_subset_reach_its_messages(tmp_path: Path, binding: str):
    """A rule set's internal DTD subset is expanded as a schema's is: no text silently lost."""
    rules = tmp_path / "r.sch"
    rules.write_text(
        f'<!DOCTYPE schema [<!ENTITY who "the order">]>\n'
        f'<schema xmlns="{SCH}" queryBinding="{binding}">\n'
        '<ns prefix="o" uri="urn:example:order"/>\n'
        '<pattern><rule context="/o:order">'
        '<assert id="R1" test="false()">Fails on &who;</assert>'
        "</rule></pattern></schema>\n"
    )
    report = run(rules)
    assert [f.message for f in report.findings] == ["Fails on the order"]


def test_an_external_entity_in_a_rule_set_is_refused_naming_the_file(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    rules = tmp_path / "r.sch"
    rules.write_text(
        f'<!DOCTYPE schema [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        f'<schema xmlns="{SCH}"><pattern><rule context="/">'
        '<assert test="false()">&x;</assert></rule></pattern></schema>\n'
    )
    with pytest.raises(CompileError, match=r"r\.sch, line 1: .*external entity") as caught:
        run(rules)
    assert "s3cret" not in str(caught.value)
