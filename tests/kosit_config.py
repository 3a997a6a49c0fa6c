"""KoSIT configurations of nif's own over the EN 16931 rules, built in a test's tmp folder.

The XSDs are copied from `../shared/external` at test time (never into the repository), the
EN 16931 Schematron is precompiled to XSLT by nif's own compiler, and the report stylesheet is
`tests/validate/data/kosit/report.xsl`. `build_config` writes `scenarios.xml` from
`ScenarioSpec`s, so a test says only what differs (levels, acceptance, match).
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from nif.validate.schematron import compile_to_xslt, load_schematron
from tests.conftest import EN16931, EXTERNAL, ROOT

REPORT_XSL = ROOT / "tests/validate/data/kosit/report.xsl"
NAMESPACES = {
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "rep": "http://www.xoev.de/de/validator/varl/1",
}
SCHEMA_FILES = {
    "ubl": "resources/ubl/maindoc/UBL-Invoice-2.1.xsd",
    "cn": "resources/ubl/maindoc/UBL-CreditNote-2.1.xsd",
    "cii": "resources/cii/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd",
}
RULE_FILES = {
    "ubl": "resources/en16931/EN16931-UBL-validation.xsl",
    "cn": "resources/en16931/EN16931-UBL-validation.xsl",
    "cii": "resources/en16931/EN16931-CII-validation.xsl",
}
_MATCH = {"ubl": "/ubl:Invoice", "cn": "/cn:CreditNote", "cii": "/rsm:CrossIndustryInvoice"}


@dataclasses.dataclass(frozen=True)
class ScenarioSpec:
    """One scenario: `syntax` is ubl (invoice), cn (UBL credit note) or cii."""

    name: str
    syntax: str
    match: str | None = None
    custom_levels: Mapping[str, str] | None = None
    """Rule code -> level; None takes `build_config`'s."""
    accept_match: str | None = None
    schematron: bool = True


DEFAULT_SCENARIOS = (
    ScenarioSpec("EN16931 UBL Invoice", "ubl"),
    ScenarioSpec("EN16931 UBL CreditNote", "cn"),
    ScenarioSpec("EN16931 CII", "cii"),
)


@functools.cache
def en16931_xslt(syntax: str) -> str:
    """The official rules compiled by nif, once per test process."""
    sch = (
        EN16931
        / f"{syntax}/schematron/preprocessed/EN16931-{syntax.upper()}-validation-preprocessed.sch"
    )
    return compile_to_xslt(load_schematron(sch))


def _resource(name: str, location: str) -> str:
    return (
        f"<resource><name>{escape(name)}</name><location>{escape(location)}</location></resource>"
    )


def _scenario(spec: ScenarioSpec, levels: Mapping[str, str], accept: str | None) -> str:
    namespaces = "".join(f'<namespace prefix="{p}">{u}</namespace>' for p, u in NAMESPACES.items())
    rules = ""
    if spec.schematron:
        rules = (
            "<validateWithSchematron>"
            + _resource("EN 16931 rules", RULE_FILES[spec.syntax])
            + "</validateWithSchematron>"
        )
    by_level: dict[str, list[str]] = {}
    for code, level in (spec.custom_levels if spec.custom_levels is not None else levels).items():
        by_level.setdefault(level, []).append(code)
    custom = "".join(
        f'<customLevel level="{level}">{" ".join(codes)}</customLevel>'
        for level, codes in by_level.items()
    )
    accept_match = spec.accept_match or accept
    return (
        f"<scenario><name>{escape(spec.name)}</name>{namespaces}"
        f"<match>{escape(spec.match or _MATCH[spec.syntax])}</match>"
        f"<validateWithXmlSchema>{_resource('XSD', SCHEMA_FILES[spec.syntax])}</validateWithXmlSchema>"
        f"{rules}"
        f"<createReport>{_resource('Report', 'resources/report.xsl')}{custom}</createReport>"
        + (f"<acceptMatch>{escape(accept_match)}</acceptMatch>" if accept_match else "")
        + "</scenario>"
    )


def scenarios_xml(
    scenarios: Sequence[ScenarioSpec],
    custom_levels: Mapping[str, str],
    accept_match: str | None,
    *,
    fallback: bool = True,
) -> str:
    body = "".join(_scenario(spec, custom_levels, accept_match) for spec in scenarios)
    no_scenario = (
        f"<noScenarioReport>{_resource('No scenario', 'resources/report.xsl')}</noScenarioReport>"
        if fallback
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<scenarios xmlns="http://www.xoev.de/de/validator/framework/1/scenarios"'
        ' frameworkVersion="1.0.0">'
        "<name>nif test configuration over EN 16931</name><date>2026-01-01</date>"
        "<description><p>Built by tests/kosit_config.py.</p></description>"
        f"{body}{no_scenario}</scenarios>\n"
    )


def _copy_resources(folder: Path, syntaxes: Iterable[str]) -> None:
    resources = folder / "resources"
    resources.mkdir(parents=True, exist_ok=True)
    syntaxes = set(syntaxes)
    if syntaxes & {"ubl", "cn"}:
        shutil.copytree(EXTERNAL / "ubl-2.1/xsd", resources / "ubl", dirs_exist_ok=True)
    if "cii" in syntaxes:
        shutil.copytree(
            EN16931 / "cii/schema/d16b-uncoupled", resources / "cii", dirs_exist_ok=True
        )
    (resources / "en16931").mkdir(exist_ok=True)
    for syntax in {"ubl" if s in ("ubl", "cn") else s for s in syntaxes}:
        (folder / RULE_FILES[syntax]).write_text(en16931_xslt(syntax), encoding="utf-8")
    shutil.copy(REPORT_XSL, resources / "report.xsl")


def build_config(
    folder: Path,
    *,
    scenarios: Sequence[ScenarioSpec] = DEFAULT_SCENARIOS,
    custom_levels: Mapping[str, str] | None = None,
    accept_match: str | None = None,
    as_zip: bool = False,
    fallback: bool = True,
) -> Path:
    """Write a configuration into `folder` (created); the zip beside it when `as_zip`."""
    folder.mkdir(parents=True, exist_ok=True)
    _copy_resources(folder, (spec.syntax for spec in scenarios))
    (folder / "scenarios.xml").write_text(
        scenarios_xml(scenarios, custom_levels or {}, accept_match, fallback=fallback),
        encoding="utf-8",
    )
    if not as_zip:
        return folder
    archive = folder.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(folder).as_posix())
    return archive


ORDER_XSD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:element name="order">
    <xs:complexType>
      <xs:sequence><xs:element name="amount" type="xs:decimal"/></xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""

ORDER_RULES = """<xsl:stylesheet version="2.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:svrl="http://purl.oclc.org/dsdl/svrl">
  <xsl:template match="/">
    <svrl:schematron-output>
      <svrl:active-pattern/>
      <xsl:for-each select="/order/amount[number(.) gt 100]">
        <svrl:failed-assert id="ORD-01" flag="error" location="/Q{{}}order[1]/Q{{}}amount[1]"
            test="number(.) le 100">
          <svrl:text>An amount is at most 100.</svrl:text>
        </svrl:failed-assert>
      </xsl:for-each>
      <xsl:for-each select="/order/amount[number(.) lt 0]">
        <svrl:failed-assert id="ORD-02" flag="warning" location="/Q{{}}order[1]/Q{{}}amount[1]"
            test="number(.) ge 0">
          <svrl:text>A negative amount is a credit.</svrl:text>
        </svrl:failed-assert>
      </xsl:for-each>
      {extra}
    </svrl:schematron-output>
  </xsl:template>
</xsl:stylesheet>
"""


def order_config(
    folder: Path,
    *,
    rules_extra: str = "",
    report: str | None = None,
    scenarios: str | None = None,
    files: Mapping[str, str] | None = None,
) -> Path:
    """A small configuration for `<order>` messages, quick to compile: one XSD, one rules
    XSLT (`rules_extra` goes into its output template), the report stylesheet (or `report`),
    and `scenarios` (default: one scenario matching `/order`); `files` adds or replaces files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {
        "order.xsd": ORDER_XSD,
        "rules.xsl": ORDER_RULES.format(extra=rules_extra),
        "report.xsl": report if report is not None else REPORT_XSL.read_text(encoding="utf-8"),
        "scenarios.xml": scenarios if scenarios is not None else order_scenarios(),
        **(files or {}),
    }
    for name, text in written.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def order_scenario(
    name: str = "orders",
    *,
    match: str = "/order",
    xsd: str = "order.xsd",
    rules: str = "rules.xsl",
    report: str = "report.xsl",
    levels: str = "",
    accept: str | None = None,
) -> str:
    return (
        f"<scenario><name>{name}</name>"
        '<namespace prefix="rep">http://www.xoev.de/de/validator/varl/1</namespace>'
        f"<match>{escape(match)}</match>"
        f"<validateWithXmlSchema>{_resource('XSD', xsd)}</validateWithXmlSchema>"
        f"<validateWithSchematron>{_resource('Rules', rules)}</validateWithSchematron>"
        f"<createReport>{_resource('Report', report)}{levels}</createReport>"
        + (f"<acceptMatch>{escape(accept)}</acceptMatch>" if accept else "")
        + "</scenario>"
    )


def order_scenarios(*scenarios: str, fallback: str | None = "report.xsl") -> str:
    body = "".join(scenarios) or order_scenario()
    no_scenario = (
        f"<noScenarioReport>{_resource('No scenario', fallback)}</noScenarioReport>"
        if fallback
        else ""
    )
    return (
        '<scenarios xmlns="http://www.xoev.de/de/validator/framework/1/scenarios"'
        ' frameworkVersion="1.0.0"><name>orders</name><date>2026-01-01</date>'
        f"<description><p>Orders.</p></description>{body}{no_scenario}</scenarios>"
    )
