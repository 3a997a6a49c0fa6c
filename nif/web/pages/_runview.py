"""The certification page's side of a suite and a run: the cases as people read them (what
each sends and expects, by message type name) and a run's results with their findings grouped
by step, as on the self-test page.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping

from nif.catalogue import InterfaceVersion
from nif.certify import CaseOutcome, CaseResult, Run, Suite, TestCase
from nif.report import (
    Report,
)
from nif.web.pages._selftest import ShownStep, shown_steps

OUTCOME_CLASSES = {
    CaseOutcome.PASSED: "verdict-tag verdict-valid",
    CaseOutcome.FAILED: "verdict-tag verdict-invalid",
    CaseOutcome.CANT_TELL: "tag",
    CaseOutcome.INAPPLICABLE: "tag",
}
"""The CSS classes of an outcome's label (the label's text says the outcome too)."""


@dataclasses.dataclass(frozen=True)
class ShownCase:
    """A suite's case with the names of the message types it sends and expects."""

    case: TestCase
    sends: str | None
    expects: str | None
    refusal_types: tuple[str, ...]


def type_names(version: InterfaceVersion) -> dict[str, str]:
    """Message type IRI -> its identifier in the registry (`BirthNotification`)."""
    return {m.iri: m.identifier for m in version.message_types}


def _name(names: Mapping[str, str], iri: str | None) -> str | None:
    if iri is None:
        return None
    return names.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]


def shown_cases(suite: Suite, names: Mapping[str, str]) -> list[ShownCase]:
    """The suite's cases, mandatory first, in manifest order."""
    ordered = sorted(suite.cases, key=lambda c: not c.mandatory)
    return [
        ShownCase(
            case,
            _name(names, case.sent_type),
            _name(names, case.expected_type),
            tuple(n for n in (_name(names, t) for t in case.refusal_types) if n),
        )
        for case in ordered
    ]


@dataclasses.dataclass(frozen=True)
class ShownReport:
    report: Report
    steps: list[ShownStep]


@dataclasses.dataclass(frozen=True)
class ShownResult:
    """One case's result with its title and the findings of its reports."""

    result: CaseResult
    title: str
    description: str
    outcome_class: str
    reports: list[ShownReport]


def shown_results(
    run: Run, suite: Suite | None, files: Mapping[str, bytes] | None = None
) -> list[ShownResult]:
    """The run's results in suite order; a report whose message is one of `files` (the
    evidence) shows the lines its findings point at."""
    by_hash = {hashlib.sha256(c).hexdigest(): c for c in (files or {}).values()}
    shown = []
    for result in run.results:
        case = _case(suite, result.case)
        reports = []
        for data in result.reports:
            report = Report.from_dict(data)
            content = by_hash.get(report.sha256, b"")
            reports.append(ShownReport(report, shown_steps(report, content)))
        shown.append(
            ShownResult(
                result,
                case.title if case else result.case,
                case.description if case else "",
                OUTCOME_CLASSES[result.outcome],
                reports,
            )
        )
    return shown


def _case(suite: Suite | None, identifier: str) -> TestCase | None:
    if suite is None:
        return None
    return next((c for c in suite.cases if c.identifier == identifier), None)
