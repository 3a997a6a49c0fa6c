"""The report of a message no registered profile could check: verdict error, never valid."""

from __future__ import annotations

from nif.registry._message_types import MessageTypeRef
from nif.report import Report, Severity, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.validate import ParsedJson, ParsedXml, Profile, validate


def error_report(
    content: bytes,
    *,
    source: str,
    stage: str,
    error: str,
    settings: Settings,
    ref: MessageTypeRef | None = None,
    fail_on: Severity = Severity.ERROR,
    parsed: ParsedJson | ParsedXml | None = None,
) -> Report:
    """The report of a message no registered profile could check (`stage` "detect" or "profile").

    The message is still parsed: one that is not well-formed is invalid whatever its type;
    otherwise the verdict is `error`, never `valid`. `parsed`: the message as detection or
    validation parsed it already, so it is not parsed again.
    """
    name = ref.name if ref is not None else None
    report = validate(
        content,
        Profile((), name=name, fail_on=fail_on),
        source=source,
        settings=settings,
        context=ref.context if ref is not None else None,
        parsed=parsed,
    )
    if report.verdict is Verdict.INVALID and ref is None:
        note = "not run: the message could not be parsed, so its type is unknown"
        report.steps.append(StepResult(stage, stage, "nif", "", StepStatus.SKIPPED, error=note))
        return report
    report.steps.append(StepResult(stage, stage, "nif", "", StepStatus.ERROR, error=error))
    report.verdict = Verdict.ERROR
    return report
