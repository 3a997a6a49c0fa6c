"""The kosit step on configurations over the official EN 16931 rules: scenario selection,
customLevel, acceptMatch, and nif's report against the report the configuration's XSLT wrote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from nif.report import Report, Severity, StepResult, StepStatus, Verdict, render_kosit
from nif.validate import KOSIT, Profile, StepSpec, load_kosit, validate
from tests.validate.kosit.conftest import (
    CII_INVOICE,
    RELEVELLED,
    UBL_CREDIT_NOTE,
    UBL_INVOICE,
    bad_type_code,
    no_issue_date,
)

# Compiles the EN 16931 rules and the UBL and CII schemas: tens of seconds.
pytestmark = pytest.mark.slow

REP = "{http://www.xoev.de/de/validator/varl/1}"
CONFIG_NAME = "nif test configuration over EN 16931"
_LEVEL = {
    Severity.FATAL: "error",
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "information",
}


def run(config: Path, content: bytes, scenario: str | None = None) -> Report:
    return validate(content, Profile((StepSpec(KOSIT, load_kosit(config), scenario=scenario),)))


def kosit_step(report: Report) -> StepResult:
    (step,) = [s for s in report.steps if s.kind == KOSIT]
    return step


def xslt_messages(report: Report) -> list[tuple[str, str, str]]:
    """(code, level, text) of every message in the KoSIT report the configuration wrote."""
    root = etree.fromstring(render_kosit(report).encode("utf-8"))
    return sorted(
        (m.get("code"), m.get("level"), " ".join("".join(m.itertext()).split()))
        for m in root.iter(f"{REP}message")
    )


def nif_messages(report: Report) -> list[tuple[str, str, str]]:
    """nif's findings in the same terms: Schematron findings by rule id, XSD ones as `xsd`."""
    return sorted(
        (f.rule_id or "UNSPECIFIC" if f.test else "xsd", _LEVEL[f.severity], f.message)
        for f in report.findings
        if f.step.startswith("kosit:")
    )


def xslt_accepts(report: Report) -> bool:
    root = etree.fromstring(render_kosit(report).encode("utf-8"))
    return root.find(f"{REP}assessment/{REP}accept") is not None


@pytest.mark.parametrize(
    ("message", "scenario"),
    [
        (UBL_INVOICE, "EN16931 UBL Invoice"),
        (UBL_CREDIT_NOTE, "EN16931 UBL CreditNote"),
        (CII_INVOICE, "EN16931 CII"),
    ],
)
def test_each_message_gets_the_scenario_whose_match_holds(
    en16931_config: Path, message: Path, scenario: str
) -> None:
    report = run(en16931_config, message.read_bytes())
    step = kosit_step(report)
    assert (report.verdict, step.scenario, step.accepted) == (Verdict.VALID, scenario, True)
    assert step.name == f"kosit:{CONFIG_NAME}"
    assert report.to_dict()["steps"][1]["scenario"] == scenario
    assert xslt_accepts(report)


def test_a_broken_rule_rejects_and_keeps_its_finding_with_line(en16931_config: Path) -> None:
    report = run(en16931_config, bad_type_code())
    assert report.verdict == Verdict.INVALID
    assert kosit_step(report).accepted is False
    (finding,) = report.findings
    assert (finding.rule_id, finding.severity) == (RELEVELLED, Severity.FATAL)
    assert finding.location.line == 19
    assert not xslt_accepts(report)


def test_custom_level_relevels_the_finding_and_the_scenario_accepts(
    relevelled_config: Path,
) -> None:
    report = run(relevelled_config, bad_type_code())
    (finding,) = report.findings
    assert (finding.rule_id, finding.severity) == (RELEVELLED, Severity.WARNING)
    assert report.verdict == Verdict.VALID
    assert kosit_step(report).accepted is True
    assert xslt_accepts(report)


def test_accept_match_turns_a_relevelled_rule_back_on(strict_config: Path) -> None:
    report = run(strict_config, bad_type_code())
    (finding,) = report.findings
    assert finding.severity == Severity.WARNING  # no error-level finding, yet rejected
    assert report.verdict == Verdict.INVALID
    step = kosit_step(report)
    assert (step.accepted, step.status) == (False, StepStatus.FAILED)
    clean = run(strict_config, UBL_INVOICE.read_bytes())
    assert clean.verdict == Verdict.VALID


def test_an_xsd_error_rejects_and_skips_the_schematron_as_kosit_does(
    en16931_config: Path,
) -> None:
    report = run(en16931_config, no_issue_date())
    assert report.verdict == Verdict.INVALID
    assert report.findings and all(not f.test for f in report.findings)
    root = etree.fromstring(render_kosit(report).encode("utf-8"))
    ids = [r.get("id") for r in root.iter(f"{REP}validationStepResult")]
    assert ids == ["val-xml", "val-xsd"]


@pytest.mark.parametrize(
    ("fixture", "message", "accepted"),
    [
        ("en16931_config", bad_type_code, False),
        ("relevelled_config", bad_type_code, True),
        ("en16931_config", no_issue_date, False),
        ("en16931_config", CII_INVOICE.read_bytes, True),
        ("en16931_config", UBL_CREDIT_NOTE.read_bytes, True),
    ],
)
def test_nif_report_agrees_with_the_configurations_own_report(
    request: pytest.FixtureRequest, fixture: str, message: Callable[[], bytes], accepted: bool
) -> None:
    """Same messages, codes, levels and acceptance (these configurations have no acceptMatch:
    the report XSLT's own assessment is the acceptance)."""
    report = run(request.getfixturevalue(fixture), message())
    assert nif_messages(report) == xslt_messages(report)
    assert kosit_step(report).accepted is xslt_accepts(report) is accepted


def test_nif_report_agrees_under_accept_match(strict_config: Path) -> None:
    report = run(strict_config, bad_type_code())
    assert (
        nif_messages(report)
        == xslt_messages(report)
        == [(RELEVELLED, "warning", report.findings[0].message)]
    )
    assert xslt_accepts(report) and kosit_step(report).accepted is False


def test_a_fixed_scenario_runs_without_its_match(en16931_config: Path) -> None:
    report = run(en16931_config, CII_INVOICE.read_bytes(), scenario="EN16931 UBL Invoice")
    step = kosit_step(report)
    assert step.scenario == "EN16931 UBL Invoice"
    assert report.verdict == Verdict.INVALID  # a CII invoice against the UBL schema


def test_no_matching_scenario_is_an_error_naming_the_candidates(en16931_config: Path) -> None:
    report = run(en16931_config, b"<Order xmlns='urn:example:order'/>")
    assert report.verdict == Verdict.ERROR
    step = kosit_step(report)
    assert step.status == StepStatus.ERROR
    assert step.error is not None
    for name in ("EN16931 UBL Invoice", "EN16931 UBL CreditNote", "EN16931 CII"):
        assert name in step.error
    root = etree.fromstring(render_kosit(report).encode("utf-8"))  # the fallback's report
    assert root.find(f"{REP}noScenarioMatched") is not None
    assert root.find(f"{REP}assessment/{REP}reject") is not None


def test_a_zipped_configuration_runs_like_the_folder(
    zipped_config: Path, en16931_config: Path
) -> None:
    zipped = run(zipped_config, bad_type_code())
    folder = run(en16931_config, bad_type_code())
    assert zipped.verdict == folder.verdict == Verdict.INVALID
    assert nif_messages(zipped) == nif_messages(folder)
    assert kosit_step(zipped).artefacts[0].uri.endswith("zipped.zip/scenarios.xml")
