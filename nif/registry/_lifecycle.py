"""The lifecycle of an interface version in every verdict of a registered validation.

A report names the version's status (and its end of life and successor where known). A message
to a Deprecated version gets a warning (`NIF-DEPRECATED`) naming its successor and end date;
one to a retired version (past its end date, or Withdrawn) gets verdict `error` with a fatal
`NIF-RETIRED` finding saying why, or only a warning when the setting
`validation_retired_version` is `warning`.

The day is a parameter, taken when the message is checked (never kept in a compiled profile),
so a version retires at midnight UTC after its end date without any cache being dropped. The
CLI (`validate_registered`), the service's workers and certification runs apply it; the
submission checks of examples do not (an example is judged on its artefacts alone).
"""

from __future__ import annotations

import datetime

from nif.registry._message_types import WITHDRAWN, MessageTypeRef
from nif.report import Finding, Report, Severity, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.version import __version__

STEP = "lifecycle"
"""The step lifecycle findings name."""
DEPRECATED = "NIF-DEPRECATED"
RETIRED = "NIF-RETIRED"
_DEPRECATED_STATUS = "Deprecated"


def utc_today() -> datetime.date:
    """Today in UTC: the day a version's lifecycle is judged on, unless one is given."""
    return datetime.datetime.now(datetime.UTC).date()


def retired_because(ref: MessageTypeRef, today: datetime.date) -> str | None:
    """Why `ref`'s version no longer accepts messages on `today`, or None while it does."""
    name = f"{ref.interface} {ref.version}"
    if ref.status == WITHDRAWN:
        return f"{name} is withdrawn: it no longer accepts messages{_move_to(ref)}"
    end = _end_date(ref)
    if end is not None and today > end:
        return (
            f"{name} reached its end of life on {end.isoformat()}: it no longer accepts "
            f"messages{_move_to(ref)}"
        )
    return None


def judge_lifecycle(
    report: Report,
    ref: MessageTypeRef,
    settings: Settings,
    today: datetime.date | None = None,
) -> Report:
    """`report` (changed in place) with the version's lifecycle: its context names the status,
    end date and successor; a Deprecated version adds a warning; a retired one makes the
    verdict `error` with a fatal finding (a warning with `validation_retired_version =
    "warning"`). `today`: the day to judge on, else today in UTC. Applying it twice changes
    nothing more."""
    report.context = {**report.context, **ref.context}
    if any(step.kind == STEP for step in report.steps):
        return report
    today = today or utc_today()
    retired = retired_because(ref, today)
    if retired is not None:
        if settings.validation.retired_version == "warning":
            _add(report, Finding(Severity.WARNING, STEP, retired, RETIRED), StepStatus.PASSED)
        else:
            step = _add(report, Finding(Severity.FATAL, STEP, retired, RETIRED), StepStatus.ERROR)
            step.error = f"not accepted: {retired}"
            report.verdict = Verdict.ERROR
    elif ref.status_name == _DEPRECATED_STATUS:
        message = f"{ref.interface} {ref.version} is deprecated"
        end = _end_date(ref)
        if end is not None:
            message += f": it accepts messages until {end.isoformat()}"
        _add(report, Finding(Severity.WARNING, STEP, message + _move_to(ref), DEPRECATED))
    return report


def _add(report: Report, finding: Finding, status: StepStatus = StepStatus.PASSED) -> StepResult:
    """The lifecycle step with its one finding, appended to the report."""
    step = StepResult(STEP, STEP, "nif", __version__, status)
    report.steps.append(step)
    report.findings.append(finding)
    return step


def _move_to(ref: MessageTypeRef) -> str:
    return f"; move to {ref.interface} {ref.successor}" if ref.successor else ""


def _end_date(ref: MessageTypeRef) -> datetime.date | None:
    """The end date as a date; None when there is none or it is not a date (the shapes
    refuse that at submission)."""
    if ref.end_date is None:
        return None
    try:
        return datetime.date.fromisoformat(ref.end_date)
    except ValueError:
        return None
