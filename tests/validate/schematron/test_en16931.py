"""The yardstick: nif's Schematron compiler on the official EN16931 rules.

Every expectation of the VEFA unit tests must hold (1,142 of them), with the rule sets as
published (with includes and abstract patterns) and preprocessed, and every example invoice must
be free of fatal findings.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from lxml import etree

from nif.report import Severity
from nif.validate import validate
from nif.validate._profile import SCHEMATRON, Profile, StepSpec
from nif.validate.schematron import load_schematron
from tests.conftest import EN16931

# The EN 16931 conformance sets: 1,142 expectations on four rule sets, minutes of Saxon.
pytestmark = pytest.mark.slow

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
RULES = {
    ("ubl", "includes"): EN16931 / "ubl/schematron/EN16931-UBL-validation.sch",
    ("ubl", "preprocessed"): EN16931
    / "ubl/schematron/preprocessed/EN16931-UBL-validation-preprocessed.sch",
    ("cii", "includes"): EN16931 / "cii/schematron/EN16931-CII-validation.sch",
    ("cii", "preprocessed"): EN16931
    / "cii/schematron/preprocessed/EN16931-CII-validation-preprocessed.sch",
}
SUITES = {
    "ubl": ["test/Invoice-unit-UBL", "test/CreditNote-unit-UBL"],
    "cii": ["test/cii"],
}
VARIANTS = ["includes", "preprocessed"]


@functools.cache
def profile(syntax: str, variant: str) -> Profile:
    return Profile((StepSpec(SCHEMATRON, load_schematron(RULES[syntax, variant])),))


def unit_files(syntax: str) -> list[Path]:
    return sorted(p for folder in SUITES[syntax] for p in (EN16931 / folder).glob("*.xml"))


def expectations(path: Path) -> list[tuple[int, bytes, list[tuple[str, str]]]]:
    """(test index, the invoice as a document, [(kind, rule id)]) for each <test> in a file."""
    out = []
    for index, test in enumerate(etree.parse(str(path)).getroot().iter(f"{VEFA}test")):
        expected = [
            (etree.QName(e).localname, e.text.strip())
            for e in test.find(f"{VEFA}assert")
            if isinstance(e.tag, str)
            and etree.QName(e).localname in ("success", "error", "warning")
        ]
        (invoice,) = [c for c in test if isinstance(c.tag, str) and c.tag != f"{VEFA}assert"]
        out.append((index, etree.tostring(invoice), expected))
    return out


def test_the_unit_tests_hold_1142_expectations():
    total = sum(
        len(expected)
        for syntax in SUITES
        for path in unit_files(syntax)
        for _, _, expected in expectations(path)
    )
    assert total == 1142


CASES = [
    pytest.param(syntax, variant, path, id=f"{syntax}-{variant}-{path.parent.name}/{path.name}")
    for syntax in SUITES
    for variant in VARIANTS
    for path in unit_files(syntax)
]


@pytest.mark.parametrize(("syntax", "variant", "path"), CASES)
def test_unit_expectations(syntax: str, variant: str, path: Path):
    failures = []
    for index, invoice, expected in expectations(path):
        report = validate(invoice, profile(syntax, variant), source=f"{path.name}#{index}")
        assert report.verdict != "error", report.steps[-1].error
        fired: dict[str, set[Severity]] = {}
        for finding in report.findings:
            fired.setdefault(finding.rule_id, set()).add(finding.severity)
        for kind, rule in expected:
            severities = fired.get(rule, set())
            ok = {
                "success": not severities,
                "error": bool(severities & {Severity.ERROR, Severity.FATAL}),
                "warning": Severity.WARNING in severities,
            }[kind]
            if not ok:
                failures.append(f"test {index}: expected {kind} {rule}, fired {severities or '{}'}")
    assert not failures, "\n".join(failures)


EXAMPLES = [
    pytest.param(syntax, variant, path, id=f"{syntax}-{variant}-{path.name}")
    for syntax, folders in {
        "ubl": ["ubl/examples"],
        "cii": ["cii/examples"],
    }.items()
    for variant in VARIANTS
    for folder in folders
    for path in sorted((EN16931 / folder).glob("*"))
]


def _testfiles() -> list:
    params = []
    for path in sorted((EN16931 / "test/testfiles").glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        syntax = "cii" if "CrossIndustryInvoice" in root.tag else "ubl"
        params += [
            pytest.param(syntax, v, path, id=f"{syntax}-{v}-testfiles-{path.name}")
            for v in VARIANTS
        ]
    return params


@pytest.mark.parametrize(("syntax", "variant", "path"), EXAMPLES + _testfiles())
def test_examples_have_no_fatal_finding(syntax: str, variant: str, path: Path):
    report = validate(path.read_bytes(), profile(syntax, variant), source=path.name)
    assert report.verdict != "error", report.steps[-1].error
    fatal = [f for f in report.findings if f.severity is Severity.FATAL]
    assert not fatal, [(f.rule_id, f.location.xpath, f.message) for f in fatal]
