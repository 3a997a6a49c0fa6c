"""Reports to render: a real EN16931 failure, and a handmade one with every step status."""

from __future__ import annotations

import pytest

from nif.report import Finding, Location, Report, Severity, StepResult, StepStatus, Verdict
from nif.validate import Profile, validate
from tests.conftest import EN16931, UBL_INVOICE_XSD

EXAMPLE = EN16931 / "ubl/examples/ubl-tc434-example1.xml"
EN16931_UBL = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
CURRENCY = b"<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>"

LOCAL_RULES = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="cbc" uri="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"/>
  <ns prefix="t" uri="urn:example:nif-test"/>
  <pattern id="local">
    <rule context="cbc:DocumentCurrencyCode">
      <assert id="LOCAL-1" flag="warning" test=". = 'EUR'">Currency is <value-of select="."/></assert>
    </rule>
  </pattern>
</schema>
"""


def bad_invoice() -> bytes:
    """EN16931 example 1 in a currency its totals are not given in: BR-CO-15 fires as fatal."""
    content = EXAMPLE.read_bytes()
    assert CURRENCY in content
    return content.replace(CURRENCY, CURRENCY.replace(b"EUR", b"USD"))


@pytest.fixture(scope="package")
def report() -> Report:
    profile = Profile.from_files(xsd=UBL_INVOICE_XSD, schematron=[EN16931_UBL])
    return validate(bad_invoice(), profile, source="bad-invoice.xml")


@pytest.fixture(scope="package")
def two_rule_sets(tmp_path_factory: pytest.TempPathFactory) -> Report:
    local = tmp_path_factory.mktemp("rules") / "local.sch"
    local.write_text(LOCAL_RULES, encoding="utf-8")
    profile = Profile.from_files(schematron=[EN16931_UBL, local])
    return validate(bad_invoice(), profile, source="bad-invoice.xml")


def handmade(source: str = "m.xml") -> Report:
    """A report exercising every step status, with a message holding control characters."""
    return Report(
        source=source,
        sha256="ab" * 32,
        size=10,
        media_type="application/xml",
        verdict=Verdict.ERROR,
        findings=[
            Finding(Severity.ERROR, "xsd:a.xsd", "bad \x01 element", "cvc-1", Location(3, 7, "/a")),
            Finding(Severity.WARNING, "xsd:a.xsd", "odd element", "W-1", Location(4, None, "/a/b")),
            Finding(Severity.INFO, "codelists", "noted", "I-1", Location(pointer="/x")),
        ],
        steps=[
            StepResult("parse", "parse", "lxml", "6"),
            StepResult("xsd:a.xsd", "xsd", "libxml2", "2", StepStatus.FAILED, millis=12.5),
            StepResult("schematron:b.sch", "schematron", "saxon", "13", StepStatus.ERROR,
                       error="the rules do not compile: line 3"),
            StepResult("schematron:c.sch", "schematron", "saxon", "13", StepStatus.SKIPPED,
                       error="not run"),
        ],
    )  # fmt: skip
