"""The one validation report model and its renderers (json, text, junit, svrl).

Every validation, whether from the CLI, the service or a certification run, ends in a `Report`.
The JSON form is stable: see "Report format" in the README.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterable
from typing import Any

REPORT_FORMAT_VERSION = "1"


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that `max()` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3
    FATAL = 4

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Map Schematron flags/roles and user input ('warn', 'information', ...) to a severity."""
        key = text.strip().lower()
        aliases = {
            "fatal": cls.FATAL,
            "error": cls.ERROR,
            "err": cls.ERROR,
            "warning": cls.WARNING,
            "warn": cls.WARNING,
            "info": cls.INFO,
            "information": cls.INFO,
            "informational": cls.INFO,
            "note": cls.INFO,
        }
        if key not in aliases:
            raise ValueError(f"unknown severity {text!r} (use fatal, error, warning or info)")
        return aliases[key]


class Verdict(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    ERROR = "error"


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a finding points: line/column in the message, and an XPath or a JSON Pointer."""

    line: int | None = None
    column: int | None = None
    xpath: str | None = None
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem or remark about the message."""

    severity: Severity
    step: str
    message: str
    rule_id: str | None = None
    location: Location = Location()
    schema_location: str | None = None
    test: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": str(self.severity),
            "step": self.step,
            "rule_id": self.rule_id,
            "message": self.message,
            "location": self.location.to_dict(),
        }
        if self.schema_location is not None:
            out["schema_location"] = self.schema_location
        if self.test is not None:
            out["test"] = self.test
        return out


@dataclasses.dataclass(frozen=True)
class ArtefactRef:
    """An artefact a step used, identified by its content hash."""

    uri: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"uri": self.uri, "sha256": self.sha256}


class StepStatus(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclasses.dataclass
class StepResult:
    """What one step of a profile did: engine, artefacts, time, and why it could not run."""

    name: str
    kind: str
    engine: str
    engine_version: str
    status: StepStatus = StepStatus.PASSED
    artefacts: list[ArtefactRef] = dataclasses.field(default_factory=list)
    millis: float = 0.0
    error: str | None = None
    phase: str | None = None
    svrl: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "status": str(self.status),
            "artefacts": [a.to_dict() for a in self.artefacts],
            "millis": round(self.millis, 3),
        }
        if self.phase is not None:
            out["phase"] = self.phase
        if self.error is not None:
            out["error"] = self.error
        return out


@dataclasses.dataclass
class Report:
    """The outcome of validating one message against one profile."""

    source: str
    sha256: str
    size: int
    media_type: str
    verdict: Verdict
    findings: list[Finding]
    steps: list[StepResult]
    profile: str | None = None
    context: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        counts = {str(s): 0 for s in sorted(Severity, reverse=True)}
        for finding in self.findings:
            counts[str(finding.severity)] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_format": REPORT_FORMAT_VERSION,
            "source": self.source,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "profile": self.profile,
            "context": dict(self.context),
            "verdict": str(self.verdict),
            "counts": self.counts,
            "steps": [s.to_dict() for s in self.steps],
            "findings": [f.to_dict() for f in self.findings],
        }


def render_json(reports: Report | Iterable[Report], indent: int | None = 2) -> str:
    """One report as an object, several as an array in the order given."""
    if isinstance(reports, Report):
        return json.dumps(reports.to_dict(), indent=indent, ensure_ascii=False)
    return json.dumps([r.to_dict() for r in reports], indent=indent, ensure_ascii=False)
