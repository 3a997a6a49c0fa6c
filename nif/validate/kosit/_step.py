"""The `kosit` step: one KoSIT configuration run on a message as the KoSIT validator runs it.

Select the scenario whose `match` holds (exactly one; none runs the configuration's
`noScenarioReport` for the KoSIT report, and like several, makes the verdict `error`), validate
with its XSD, then (when the XSD passes, as KoSIT does) with each precompiled Schematron XSLT,
through nif's own XSD and Schematron steps; build the report input, run the report XSLT,
re-level findings by `customLevel` and decide acceptance by `acceptMatch` on the report
(without one: accepted when no finding is an error). Any stylesheet failing at run time fails
the step: the verdict is `error`, never the "acceptable" KoSIT gives there (its issue #165).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from nif.report import Finding, Severity
from nif.validate._artefacts import ArtefactSet
from nif.validate._step import Document, Step, StepOutcome
from nif.validate._xsd import compile_xsd
from nif.validate.kosit._report import ReportStylesheet, report_input
from nif.validate.kosit._scenarios import Resource, Scenario, read_scenarios
from nif.validate.kosit._xpath import Expressions
from nif.validate.schematron import SchematronStep, saxon_processor

if TYPE_CHECKING:
    from saxonche import PyXdmNode

_T = TypeVar("_T")
KIND = "kosit"
_LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "information": Severity.INFO}


@dataclasses.dataclass
class _Scenario:
    """A scenario's compiled steps."""

    xsd: tuple[Resource, Step]
    schematrons: list[tuple[Resource, SchematronStep]]
    report: ReportStylesheet
    accept: Expressions | None


class KositStep(Step):
    """A KoSIT configuration; `scenario` fixes the scenario instead of selecting by `match`."""

    kind = KIND
    media = "xml"

    def __init__(self, artefacts: ArtefactSet, scenario: str | None = None) -> None:
        super().__init__(artefacts)
        self.config = read_scenarios(artefacts)
        self.fixed = self.config.scenario(scenario) if scenario is not None else None
        self._selector = (
            None
            if self.fixed is not None
            else Expressions(
                f"{artefacts.main}: scenario match",
                [(sc.match, sc.namespaces) for sc in self.config.scenarios],
                artefacts.main,
            )
        )
        self._lock = threading.RLock()
        self._scenarios: dict[str, _Scenario] = {}
        self._xsds: dict[str, Step] = {}
        self._rules: dict[str, SchematronStep] = {}
        self._reports: dict[str, ReportStylesheet] = {}
        if self.fixed is not None:
            self.compiled(self.fixed)
        else:
            self.compile_all()

    @property
    def name(self) -> str:
        return f"{KIND}:{self.config.name or self.artefacts.root.name}"

    @property
    def engine(self) -> tuple[str, str]:
        version: str = saxon_processor().version
        return "KoSIT configuration via Saxon-HE", version.replace("SaxonC-HE ", "").split()[0]

    def _cached(self, cache: dict[str, _T], uri: str, build: Callable[[str], _T]) -> _T:
        """One compiled XSD, Schematron or report stylesheet, shared by the scenarios."""
        with self._lock:
            if uri not in cache:
                cache[uri] = build(uri)
            return cache[uri]

    def _xsd(self, uri: str) -> Step:
        return self._cached(self._xsds, uri, lambda u: compile_xsd(self._set(u)))

    def _schematron(self, uri: str) -> SchematronStep:
        return self._cached(self._rules, uri, lambda u: SchematronStep(self._set(u)))

    def _report(self, uri: str) -> ReportStylesheet:
        return self._cached(self._reports, uri, lambda u: ReportStylesheet(self.artefacts, u))

    def _set(self, uri: str) -> ArtefactSet:
        return ArtefactSet(uri, self.artefacts.parts)

    def compiled(self, scenario: Scenario) -> _Scenario:
        """The scenario's steps; the parts scenarios share are compiled once."""
        with self._lock:
            if scenario.name not in self._scenarios:
                schema = scenario.schemas[0]
                accept = (
                    Expressions(
                        f"{self.artefacts.main}: acceptMatch of {scenario.name!r}",
                        [(scenario.accept_match, scenario.namespaces)],
                        self.artefacts.main,
                    )
                    if scenario.accept_match
                    else None
                )
                self._scenarios[scenario.name] = _Scenario(
                    (schema, self._xsd(schema.location)),
                    [(r, self._schematron(r.location)) for r in scenario.schematrons],
                    self._report(scenario.report.location),
                    accept,
                )
            return self._scenarios[scenario.name]

    def compile_all(self) -> None:
        """Compile every scenario (and the fallback report): when the step is built, so that
        compiling counts as compiling, not as checking the first message, and a configuration
        that cannot run is refused up front."""
        for scenario in self.config.scenarios:
            self.compiled(scenario)
        if self.config.fallback is not None:
            self._report(self.config.fallback.location)

    def check(self, document: Document) -> StepOutcome:
        message = document.saxon_node()
        if self.fixed is not None:
            return self._run(self.fixed, document, message)
        assert self._selector is not None
        matching = [self.config.scenarios[i] for i in self._selector.true_ones(message)]
        if len(matching) == 1:
            return self._run(matching[0], document, message)
        return self._unmatched(matching, document, message)

    def _unmatched(
        self, matching: list[Scenario], document: Document, message: PyXdmNode
    ) -> StepOutcome:
        candidates = matching or list(self.config.scenarios)
        listed = "; ".join(f"{sc.name!r} (match {sc.match})" for sc in candidates)
        if matching:
            text = f"{len(matching)} scenarios match the message, exactly one must: {listed}"
            rule, report = "kosit.several-scenarios", None
        else:
            text = f"no scenario matches the message; the scenarios are {listed}"
            rule, report = "kosit.no-scenario", None
            if self.config.fallback is not None:
                fallback = self._report(self.config.fallback.location)
                source = report_input(
                    document.content, None, None, [], self.config.framework_version
                )
                report = fallback.run(source, message)
        finding = Finding(Severity.ERROR, self.name, text, rule)
        return StepOutcome([finding], accepted=False, error=text, kosit_report=report)

    def _run(self, scenario: Scenario, document: Document, message: PyXdmNode) -> StepOutcome:
        steps = self.compiled(scenario)
        schema, xsd = steps.xsd
        xsd_findings = xsd.check(document).findings
        results: list[tuple[Resource, str]] = []
        findings = list(xsd_findings)
        svrl = None
        if not any(f.severity >= Severity.ERROR for f in xsd_findings):
            for resource, step in steps.schematrons:
                outcome = step.check(document)
                assert outcome.svrl is not None
                results.append((resource, outcome.svrl))
                findings.extend(outcome.findings)
                svrl = svrl or outcome.svrl
        source = report_input(
            document.content,
            scenario,
            (schema, xsd_findings),
            results,
            self.config.framework_version,
        )
        report = steps.report.run(source, message)
        findings = _relevel(findings, scenario.custom_levels, self.name)
        if steps.accept is not None:
            report_node = saxon_processor().parse_xml(xml_text=report)
            accepted = steps.accept.true_ones(report_node) == [0]
        else:
            accepted = not any(f.severity >= Severity.ERROR for f in findings)
        return StepOutcome(
            findings, svrl=svrl, accepted=accepted, scenario=scenario.name, kosit_report=report
        )


def _relevel(findings: list[Finding], levels: Mapping[str, str], step: str) -> list[Finding]:
    """The findings under the KoSIT step, with the severity `customLevel` gives their code."""
    out = []
    for finding in findings:
        severity = finding.severity
        if finding.rule_id is not None and finding.rule_id in levels:
            severity = _LEVELS[levels[finding.rule_id]]
        out.append(dataclasses.replace(finding, severity=severity, step=step))
    return out


def compile_kosit(artefacts: ArtefactSet, scenario: str | None = None) -> KositStep:
    return KositStep(artefacts, scenario)
