"""Run a profile over one message: detect, parse safely, run each step, decide the verdict."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping

from lxml import etree

from nif.errors import ArtefactError, LimitError
from nif.report import Finding, Report, Severity, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.validate._artefacts import sha256
from nif.validate._cache import compiled
from nif.validate._json import ParsedJson, parse_json
from nif.validate._profile import JSON_SCHEMA, KOSIT, SCHEMATRON, XSD, Profile, StepSpec
from nif.validate._step import Document, Step, StepOutcome
from nif.validate._xml import ParsedXml, check_xml

MEDIA_TYPES = {"xml": "application/xml", "json": "application/json"}
_LXML = ("lxml", ".".join(map(str, etree.LXML_VERSION)))
_STDLIB_JSON = ("json", "stdlib")


def detect_media(content: bytes) -> str | None:
    """'xml' or 'json' from the first significant character; None when it is neither."""
    head = content[:4096]
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if head.startswith(bom):
            head = head.decode(encoding, "ignore").encode("utf-8")
            break
    stripped = head.lstrip()
    if stripped.startswith(b"<"):
        return "xml"
    if stripped[:1] in (b"{", b"["):
        return "json"
    return None


def _build(spec: StepSpec, settings: Settings) -> Step:
    if spec.kind == XSD:
        from nif.validate._xsd import compile_xsd

        return compile_xsd(spec.artefacts, spec.xsd_version)
    if spec.kind == SCHEMATRON:
        from nif.validate.schematron import compile_schematron

        return compile_schematron(spec.artefacts, spec.phase)
    if spec.kind == KOSIT:
        from nif.validate.kosit import compile_kosit

        return compile_kosit(spec.artefacts, spec.scenario)
    from nif.validate._jsonschema import compile_json_schema

    return compile_json_schema(
        spec.artefacts,
        format_assertions=settings.validation.json_format_assertions,
        draft=spec.json_draft,
    )


def compile_step(spec: StepSpec, settings: Settings) -> Step:
    """The compiled validator for `spec`, from the process-wide cache."""
    key = (
        spec.key
        if spec.kind != JSON_SCHEMA
        else f"{spec.key}|{settings.validation.json_format_assertions}"
    )
    return compiled.get(key, lambda: _build(spec, settings))


def _parse(
    content: bytes, media: str, settings: Settings, read: ParsedJson | ParsedXml | None
) -> tuple[Document | None, StepResult, list[Finding]]:
    started = time.perf_counter()
    if media == "xml":
        parsed = (
            read
            if isinstance(read, ParsedXml)
            else check_xml(
                content,
                max_bytes=settings.validation.max_message_bytes,
                max_depth=settings.validation.max_xml_depth,
            )
        )
        document = Document(content, tree=parsed.tree) if parsed.tree is not None else None
        if parsed.streamed:
            document = Document.streamed(content)
        engine = _LXML
        findings = parsed.findings
    else:
        parsed_json = (
            read
            if isinstance(read, ParsedJson)
            else parse_json(content, max_bytes=settings.validation.max_message_bytes)
        )
        document = parsed_json.document
        engine = _STDLIB_JSON
        findings = parsed_json.findings
    status = StepStatus.FAILED if document is None else StepStatus.PASSED
    result = StepResult("parse", "parse", *engine, status)
    result.millis = (time.perf_counter() - started) * 1000
    return document, result, findings


def _run_timed(step: Step, document: Document, timeout: float) -> StepOutcome:
    """Run a step and discard its result if it overran the time limit (fail closed).

    The engines (Saxon, libxml2) cannot be interrupted from inside a process and Saxon keeps the
    GIL while it works, so a watchdog thread could not stop it either: an overrunning step runs
    to its end and its verdict is `error`. Preempting it needs a worker process killed at the
    limit: the service's worker pool and the CLI's batch workers (`_batch`) do that.
    """
    started = time.perf_counter()
    outcome = step.check(document)
    elapsed = time.perf_counter() - started
    if elapsed > timeout:
        raise TimeoutError(
            f"step took {elapsed:.1f} s, over the time limit of {timeout:g} s; result discarded"
        )
    return outcome


def _keep(
    findings: list[Finding], result: StepResult, cap: int, omitted: dict[str, int]
) -> list[Finding]:
    """The step's first `cap` findings (all when `cap` is 0); the rest are only counted, on the
    step and by severity in `omitted`, so that one message cannot make a report of any size."""
    if not cap or len(findings) <= cap:
        return findings
    result.findings_omitted = len(findings) - cap
    for finding in findings[cap:]:
        name = str(finding.severity)
        omitted[name] = omitted.get(name, 0) + 1
    return findings[:cap]


def _apply_overrides(
    findings: list[Finding], overrides: Mapping[str, Severity | None]
) -> list[Finding]:
    if not overrides:
        return findings
    out = []
    for finding in findings:
        if finding.rule_id is not None and finding.rule_id in overrides:
            severity = overrides[finding.rule_id]
            if severity is None:
                continue
            finding = Finding(**{**finding.__dict__, "severity": severity})
        out.append(finding)
    return out


def validate(
    content: bytes,
    profile: Profile,
    *,
    source: str = "<message>",
    settings: Settings | None = None,
    context: Mapping[str, str] | None = None,
    watch: Callable[[str, str], None] | None = None,
    parsed: ParsedJson | ParsedXml | None = None,
) -> Report:
    """Validate one message. Never raises for a bad message or a bad artefact: see the verdict.

    `parsed`: the message as `parse_json` or `parse_xml` read it already (e.g. to detect its
    type), so it is not parsed again.

    `watch(stage, name)` is told when each step starts compiling, ("compile", kind), and
    checking, ("check", step name); a worker's parent uses it to kill a step that overruns its
    time limit and to say which one it was (before the first call, the message is being read
    and parsed).
    """
    settings = settings or Settings.defaults()
    watch = watch or _unwatched
    media = profile.media or detect_media(content)
    steps: list[StepResult] = []
    findings: list[Finding] = []
    omitted: dict[str, int] = {}
    cap = settings.validation.max_findings_per_step
    if media is None:
        findings.append(
            Finding(
                Severity.FATAL, "parse", "the message is neither XML nor JSON", "message.format"
            )
        )
        document = None
        steps.append(StepResult("parse", "parse", "nif", "", StepStatus.FAILED))
    else:
        document, parse_result, parse_findings = _parse(content, media, settings, parsed)
        if any(f.severity >= profile.fail_on for f in parse_findings):
            parse_result.status = StepStatus.FAILED
        steps.append(parse_result)
        findings.extend(_keep(parse_findings, parse_result, cap, omitted))
    for spec in profile.steps:
        steps.append(result := StepResult(spec.kind, spec.kind, "", "", phase=spec.phase))
        result.artefacts = spec.artefacts.refs()
        started = time.perf_counter()
        try:
            watch("compile", spec.kind)
            step = compile_step(spec, settings)
            result.name = step.name
            result.engine, result.engine_version = step.engine
            if document is None:
                result.status = StepStatus.SKIPPED
                result.error = "not run: the message could not be parsed"
                continue
            watch("check", step.name)
            outcome = _run_timed(step, document, settings.validation.step_timeout)
        except (ArtefactError, LimitError) as exc:
            result.status, result.error = StepStatus.ERROR, str(exc)
        except TimeoutError as exc:
            result.status, result.error = StepStatus.ERROR, str(exc)
        except Exception as exc:  # an engine failure fails closed
            result.status, result.error = StepStatus.ERROR, f"{type(exc).__name__}: {exc}"
        else:
            step_findings = _apply_overrides(outcome.findings, profile.severity_overrides)
            result.svrl = outcome.svrl
            result.scenario, result.kosit_report = outcome.scenario, outcome.kosit_report
            result.accepted = outcome.accepted
            if outcome.error is not None:
                result.status, result.error = StepStatus.ERROR, outcome.error
            elif outcome.accepted is not None:
                result.status = StepStatus.PASSED if outcome.accepted else StepStatus.FAILED
            else:
                failing = any(f.severity >= profile.fail_on for f in step_findings)
                result.status = StepStatus.FAILED if failing else StepStatus.PASSED
            findings.extend(_keep(step_findings, result, cap, omitted))
        finally:
            result.millis = (time.perf_counter() - started) * 1000
    return Report(
        source=source,
        sha256="",
        size=len(content),
        media_type=MEDIA_TYPES.get(media or "", "application/octet-stream"),
        verdict=_verdict(steps, findings, profile.fail_on),
        findings=findings,
        steps=steps,
        profile=profile.name,
        context=dict(context or {}),
        omitted=omitted,
    ).hash_on_read(functools.partial(sha256, content))


def _unwatched(stage: str, name: str) -> None:
    """No one is watching: the steps run in this process."""


def _verdict(steps: list[StepResult], findings: list[Finding], fail_on: Severity) -> Verdict:
    """From every finding, kept or not: a step fails on its whole list before it is cut.

    A step that decides acceptance (KoSIT) has already said so by its status: its findings do
    not make the message invalid on their own."""
    statuses = {s.status for s in steps}
    if StepStatus.ERROR in statuses:
        return Verdict.ERROR
    if StepStatus.FAILED in statuses:
        return Verdict.INVALID
    if not findings:
        return Verdict.VALID
    deciding = {s.name for s in steps if s.accepted is not None}
    if any(f.severity >= fail_on for f in findings if f.step not in deciding):
        return Verdict.INVALID
    return Verdict.VALID
