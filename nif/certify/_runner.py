"""Running a suite: each case judged on evidence files or a live endpoint's answers.

Every message type the suite names gets its profile built once, and kept with the version's
other shared state until the registry changes; each message judged is validated once, and its
assertions are checked on the validation's parse (but for an XML message so large that the
Schematron step releases its tree: one more safe parse). The run records what a certificate
pins: the suite's sha256, the version's artefact checksums and the evidence hashes.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Sequence

import nif
from nif import catalogue
from nif.certify._assertions import Parsed, check_all, from_json, from_xml
from nif.certify._endpoint import Endpoint
from nif.certify._evidence import Evidence, Item
from nif.certify._model import CaseOutcome, CaseResult, Exchange, Mode, Purpose, Run
from nif.certify._suite import Assertion, CaseKind, Suite, TestCase
from nif.errors import ArtefactError, NotFoundError, UsageError
from nif.registry import (
    MessageTypeRef,
    ReadCache,
    Registry,
    Target,
    judge_lifecycle,
    pinned_target,
    resolve_message_types,
    utc_now,
    version_checksums,
)
from nif.report import Finding, Report, Severity, Verdict
from nif.settings import Settings
from nif.store import Store
from nif.validate import (
    MEDIA_TYPES,
    RELEASE_TREE_BYTES,
    ParsedJson,
    ParsedXml,
    Profile,
    parse_json,
    parse_xml,
    validate,
)

MAX_DETAILS = 20
"""Findings listed in a case's details; the reports hold them all."""


def run_id(day: str) -> str:
    """`run-YYYYMMDD-<8 hex>` for the day of ISO time `day`."""
    return f"run-{day[:10].replace('-', '')}-{secrets.token_hex(4)}"


def agency_iri(store: Store, agency: str) -> str:
    """The IRI of the agency with identifier `agency`; `NotFoundError`."""
    return catalogue.agency_iri(store, agency)


Validator = Callable[[Target, bytes, str], Report]
"""Validates a message (content, its name in the report) against a registered type elsewhere:
the service hands its runs' messages to its worker pool, `nif certify run` to one
`nif.registry.ValidationWorker`; both keep the compiled validators and kill a check that runs
past `step_timeout`, instead of running it in the calling process."""


@dataclasses.dataclass
class _Type:
    """A message type of the run: its target, and its profile (or why it cannot be built)
    once a run validates here."""

    target: Target
    profile: Profile | None = None
    problem: str | None = None

    @property
    def ref(self) -> MessageTypeRef:
        return self.target.ref


@dataclasses.dataclass
class _Judge:
    """What judging one case needs: the run's types, settings, and answers seen so far."""

    types: dict[str, _Type]
    settings: Settings
    validator: Validator | None = None
    answers: dict[str, tuple[str, bytes, Report]] = dataclasses.field(default_factory=dict)
    """First valid-or-not answer per expected type from a consume case (endpoint mode)."""
    started: float = 0.0
    """When the case being judged started (`time.perf_counter`)."""
    read: tuple[bytes, dict[str, Parsed]] | None = None
    """The last message validated here, with its validation's parse by assertion language,
    so that its assertions do not parse it again."""

    def validate(self, iri: str, content: bytes, source: str) -> Report | str:
        """The report of `content` against type `iri`, or why it cannot be judged."""
        kind = self.types[iri]
        if self.validator is not None:
            return self.validator(kind.target, content, source)
        if kind.profile is None:
            return f"the profile of {kind.ref.name} cannot be built: {kind.problem}"
        parsed = self._parse(kind.profile.media, content)
        report = validate(
            content, kind.profile, source=source, settings=self.settings, parsed=parsed
        )
        return judge_lifecycle(report, kind.ref, self.settings)  # it sets the report's context

    def _parse(self, media: str | None, content: bytes) -> ParsedJson | ParsedXml | None:
        """The message parsed for its validation and its assertions alike; None leaves the
        parse to `validate`: a message of unknown media, or an XML one so large that the
        Schematron step drops its tree (which assertions must not keep alive)."""
        limits = self.settings.validation
        if media == "json":
            parsed_json = parse_json(content, max_bytes=limits.max_message_bytes)
            self.read = (content, {"json-pointer": from_json(parsed_json)})
            return parsed_json
        if media == "xml" and len(content) < RELEASE_TREE_BYTES:
            parsed_xml = parse_xml(
                content, max_bytes=limits.max_message_bytes, max_depth=limits.max_xml_depth
            )
            self.read = (content, {"xpath": from_xml(parsed_xml)})
            return parsed_xml
        return None

    def result(
        self, case: TestCase, outcome: CaseOutcome, summary: str, **more: object
    ) -> CaseResult:
        """The case's result, timed from `started` (built once: no copy to add the time)."""
        return CaseResult(
            case=case.identifier,
            kind=case.kind,
            mandatory=case.mandatory,
            outcome=outcome,
            summary=summary,
            millis=(time.perf_counter() - self.started) * 1000,
            **more,  # type: ignore[arg-type]
        )

    def check(self, assertions: Sequence[Assertion], content: bytes) -> list[tuple[Assertion, str]]:
        """The assertions `content` fails, on its validation's parse when there is one."""
        ready = self.read[1] if self.read is not None and self.read[0] is content else None
        return check_all(assertions, content, self.settings, ready)

    def name(self, iri: str) -> str:
        return self.types[iri].ref.name


@dataclasses.dataclass
class _Version:
    """What runs of one interface version share until the registry changes: its message
    types, artefact checksums and profiles (each built on first use)."""

    iri: str
    refs: dict[str, MessageTypeRef]
    artefacts: tuple[str, ...]
    types: dict[str, _Type] = dataclasses.field(default_factory=dict)
    agencies: set[str] = dataclasses.field(default_factory=set)
    """Agencies found in the registry by an earlier run (dropped with the rest at a change)."""

    def agency(self, registry: Registry, agency: str) -> None:
        """`NotFoundError` unless `agency` is in the registry."""
        if agency not in self.agencies:
            agency_iri(registry.store, agency)
            self.agencies.add(agency)

    def type(self, iri: str, registry: Registry, local: bool) -> _Type:
        """The type `iri`, with its profile built when the run validates here (`local`)."""
        if iri not in self.types:
            self.types[iri] = _Type(pinned_target(registry.store, self.refs[iri]))
        kind = self.types[iri]
        if local and kind.profile is None and kind.problem is None:
            try:
                kind.profile = kind.target.profile(registry.blobs)
            except ArtefactError as exc:
                kind.problem = str(exc)
        return kind


VERSIONS_KEPT = 64
"""Interface versions whose shared state each registry's runs keep (least recently used go)."""

_VERSIONS: weakref.WeakKeyDictionary[Registry, ReadCache[tuple[str, str], _Version]] = (
    weakref.WeakKeyDictionary()
)
_VERSIONS_LOCK = threading.Lock()


def _prepared(registry: Registry, interface: str, version: str) -> _Version:
    """The version's shared state, kept until the registry changes (its `read_cache`)."""
    with _VERSIONS_LOCK:
        versions = _VERSIONS.get(registry)
        if versions is None:
            versions = _VERSIONS[registry] = registry.read_cache(VERSIONS_KEPT)
    return versions.get((interface, version), lambda: _read_version(registry, interface, version))


def _read_version(registry: Registry, interface: str, version: str) -> _Version:
    refs = {r.iri: r for r in resolve_message_types(registry.store, interface, version)}
    version_iri = next(iter(refs.values())).version_iri
    return _Version(version_iri, refs, version_checksums(registry.store, version_iri))


def run_suite(
    registry: Registry,
    suite: Suite,
    *,
    agency: str,
    evidence: Evidence | None = None,
    endpoint: Endpoint | None = None,
    actor: str,
    purpose: Purpose,
    progress: Callable[[CaseResult], None] | None = None,
    validator: Validator | None = None,
) -> Run:
    """Run `suite` for `agency` on evidence files or against an endpoint (exactly one);
    messages are validated here, or by `validator`."""
    if (evidence is None) == (endpoint is None):
        raise UsageError("a run needs either evidence or an endpoint, not both or neither")
    try:
        version = _prepared(registry, suite.interface, suite.version)
    except NotFoundError:
        agency_iri(registry.store, agency)  # an unknown agency is named first
        raise
    version.agency(registry, agency)
    types: dict[str, _Type] = {}
    for case in suite.cases:
        for iri in case.message_types:
            if iri not in version.refs:
                known = ", ".join(r.message_type for r in version.refs.values())
                raise NotFoundError(
                    f"case {case.identifier} of the suite names message type <{iri}>, which "
                    f"{suite.interface}@{suite.version} does not have (message types: {known})"
                )
            types.setdefault(iri, version.type(iri, registry, local=validator is None))
    items = evidence.match(suite) if evidence is not None else {}
    started = utc_now()
    judge = _Judge(types, registry.settings, validator)
    results: dict[str, CaseResult] = {}
    order = suite.cases
    if endpoint is not None:  # produce cases are judged on the answers consume cases got
        order = tuple(sorted(suite.cases, key=lambda c: c.kind is CaseKind.PRODUCE))
    for case in order:
        judge.started = time.perf_counter()
        if endpoint is not None:
            result = _on_endpoint(judge, suite, case, endpoint)
        else:
            result = _on_evidence(judge, case, items.get(case.identifier))
        results[case.identifier] = result
        if progress is not None:
            progress(result)
    return Run(
        id=run_id(started),
        agency=agency,
        interface=suite.interface,
        version=suite.version,
        mode=Mode.EVIDENCE if evidence is not None else Mode.ENDPOINT,
        purpose=purpose,
        actor=actor,
        started=started,
        ended=utc_now(),
        suite_iri=suite.iri,
        suite_sha256=suite.sha256,
        tool_version=nif.__version__,
        artefacts=version.artefacts,
        results=tuple(results[c.identifier] for c in suite.cases),
        evidence=evidence.sha256s() if evidence is not None else (),
        endpoint=endpoint.shown if endpoint is not None else None,
    )


def _on_evidence(judge: _Judge, case: TestCase, item: Item | None) -> CaseResult:
    if item is None:
        return judge.result(case, CaseOutcome.CANT_TELL, "no evidence for this case")
    found: dict[str, object] = {
        "evidence": item.path,
        "evidence_sha256": item.sha256,
        "status": item.status,
    }
    if case.kind is CaseKind.REJECT:
        return _refusal(judge, case, item.status, item.content, item.path or "", found)
    what = "message" if case.kind is CaseKind.PRODUCE else "answer"
    if item.status is not None and not 200 <= item.status < 300:
        summary = f"the {what} came with HTTP status {item.status}, not a success (2xx)"
        return judge.result(case, CaseOutcome.FAILED, summary, **found)
    if item.content is None or item.path is None:
        return judge.result(case, CaseOutcome.CANT_TELL, f"no {what} file for this case", **found)
    assert case.expected_type is not None
    return _judged(judge, case, what, item.content, item.path, found)


def _on_endpoint(judge: _Judge, suite: Suite, case: TestCase, endpoint: Endpoint) -> CaseResult:
    if case.kind is CaseKind.PRODUCE:
        assert case.expected_type is not None
        answer = judge.answers.get(case.expected_type)
        if answer is None:
            summary = (
                f"no consume case got an answer of type {judge.name(case.expected_type)} to judge"
            )
            return judge.result(case, CaseOutcome.CANT_TELL, summary)
        source, content, answered = answer
        return _judged(judge, case, source, content, source, {}, answered)
    assert case.sent_type is not None
    media = MEDIA_TYPES.get(judge.types[case.sent_type].ref.media or "", "application/xml")
    exchange = endpoint.send(suite.message(case), media)
    found: dict[str, object] = {"status": exchange.status}
    source = f"answer to {case.identifier}"
    if exchange.status is None:
        return judge.result(case, CaseOutcome.FAILED, f"no answer: {exchange.error}", **found)
    if exchange.error is not None:
        summary = f"the answer (HTTP {exchange.status}) cannot be judged: {exchange.error}"
        return judge.result(case, CaseOutcome.FAILED, summary, **found)
    if case.kind is CaseKind.REJECT:
        return _refusal(judge, case, exchange.status, exchange.content or None, source, found)
    if not 200 <= exchange.status < 300:
        summary = f"the endpoint answered HTTP {exchange.status}, not a success (2xx)"
        return judge.result(case, CaseOutcome.FAILED, summary, **found, details=_body(exchange))
    assert case.expected_type is not None
    report = judge.validate(case.expected_type, exchange.content, source)
    if isinstance(report, Report):
        judge.answers.setdefault(case.expected_type, (source, exchange.content, report))
    return _judged(judge, case, "answer", exchange.content, source, found, report)


def _judged(
    judge: _Judge,
    case: TestCase,
    what: str,
    content: bytes,
    source: str,
    found: dict[str, object],
    report: Report | str | None = None,
) -> CaseResult:
    """A produce or consume case: the message must be valid and meet the case's assertions."""
    assert case.expected_type is not None
    if report is None:
        report = judge.validate(case.expected_type, content, source)
    name = judge.name(case.expected_type)
    if isinstance(report, str):
        return judge.result(case, CaseOutcome.CANT_TELL, report, **found)
    reports = (report.to_dict(),)
    if report.verdict is Verdict.ERROR:
        problems = [s.error for s in report.steps if s.error]
        summary = f"the {what} could not be validated against {name}: {problems[0]}"
        return judge.result(case, CaseOutcome.CANT_TELL, summary, reports=reports, **found)
    if report.verdict is Verdict.INVALID:
        errors = [f for f in report.findings if f.severity >= Severity.ERROR]
        summary = f"the {what} is invalid against {name}: {_count(len(errors), 'error')}"
        details = _findings(errors)
        return judge.result(
            case, CaseOutcome.FAILED, summary, details=details, reports=reports, **found
        )
    failed = judge.check(case.assertions, content)
    if failed:
        summary = _assertion_summary(*failed[0])
        if len(failed) > 1:
            summary += f" (and {_count(len(failed) - 1, 'more assertion')})"
        details = tuple(_assertion_summary(a, why) for a, why in failed)
        return judge.result(
            case, CaseOutcome.FAILED, summary, details=details, reports=reports, **found
        )
    met = f" and meets its {_count(len(case.assertions), 'assertion')}" if case.assertions else ""
    summary = f"the {what} is valid against {name}{met}"
    return judge.result(case, CaseOutcome.PASSED, summary, reports=reports, **found)


def _refusal(
    judge: _Judge,
    case: TestCase,
    status: int | None,
    content: bytes | None,
    source: str,
    found: dict[str, object],
) -> CaseResult:
    """A reject case: refused with an expected status, or with an answer of a refusal type."""
    expected = " or ".join(str(s) for s in case.refusal_statuses)
    if status is not None and status in case.refusal_statuses:
        return judge.result(case, CaseOutcome.PASSED, f"refused with HTTP {status}", **found)
    reports: list[dict[str, object]] = []
    if content is not None:
        for iri in case.refusal_types:
            report = judge.validate(iri, content, source)
            if isinstance(report, Report):
                reports.append(report.to_dict())
                if report.verdict is not Verdict.VALID:
                    continue
                failed = judge.check(case.assertions, content)
                if failed:
                    summary = (
                        f"the answer of type {judge.name(iri)} is no refusal: "
                        + _assertion_summary(*failed[0])
                    )
                    details = tuple(_assertion_summary(a, why) for a, why in failed)
                    return judge.result(
                        case,
                        CaseOutcome.FAILED,
                        summary,
                        details=details,
                        reports=tuple(reports),
                        **found,
                    )
                summary = f"refused with an answer of type {judge.name(iri)}"
                return judge.result(
                    case, CaseOutcome.PASSED, summary, reports=(reports[-1],), **found
                )
    if status is None and content is None:
        return judge.result(case, CaseOutcome.CANT_TELL, "no recorded status or answer", **found)
    refusal_types = ", ".join(judge.name(t) for t in case.refusal_types)
    wanted = " or ".join(
        w
        for w in (
            f"HTTP {expected}" if expected else "",
            f"an answer of type {refusal_types}" if refusal_types else "",
        )
        if w
    )
    if status is not None and 200 <= status < 300:
        summary = f"accepted with HTTP {status} instead of refusing ({wanted})"
    elif status is not None:
        summary = f"answered HTTP {status}, not the refusal expected ({wanted})"
    else:
        summary = f"the answer is not the refusal expected ({wanted})"
    return judge.result(case, CaseOutcome.FAILED, summary, reports=tuple(reports), **found)


def _assertion_summary(assertion: Assertion, why: str) -> str:
    return f"assertion {(assertion.description or assertion.expression)!r} failed: {why}"


def _findings(findings: Sequence[Finding]) -> tuple[str, ...]:
    lines = []
    for finding in findings[:MAX_DETAILS]:
        line = finding.location.line
        where = f" (line {line})" if line else ""
        lines.append(f"{finding.severity}: {finding.message}{where}")
    if len(findings) > MAX_DETAILS:
        lines.append(f"… and {len(findings) - MAX_DETAILS} more in the report")
    return tuple(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _body(exchange: Exchange) -> tuple[str, ...]:
    text = exchange.content[:500].decode("utf-8", errors="replace").strip()
    return (f"the answer began: {text}",) if text else ()
