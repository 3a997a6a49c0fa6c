"""The submission checks of one message type, as a worker process runs them.

A message type's profile is built from the submission's staging blobs (over the registry's), each
step compiled with the engine validation will use, then every example validated with that
profile and judged against its declared verdict and rule ids. Nothing here reads the store: the
worker gets a `Check` (the message type, its artefact pins, its examples) and answers
`CheckFailure`s. No lifecycle applies: an example is judged on its artefacts alone.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from nif.errors import ArtefactError, NifError
from nif.registry._blobs import Blobs, BlobStore, Overlay
from nif.registry._message_types import MessageTypeRef
from nif.registry._profiles import ArtefactRecord, profile_from
from nif.report import Report, Severity, Verdict
from nif.settings import Settings
from nif.state import open_blobs
from nif.validate import JSON_SCHEMA, Profile, StepSpec, compile_step, validate

_QUOTED = 3
"""How many of an example's findings a failure quotes."""
_LINE = re.compile(r"(?:(?P<file>[a-z][a-z0-9+.-]*://\S+?),\s+)?line (?P<line>\d+)")
"""Where an engine's compile message says the problem is: `[file, ]line N`."""


@dataclasses.dataclass(frozen=True)
class Example:
    """An example message as its record declares it, pinned (`sha256`) by the submission."""

    iri: str
    title: str
    url: str
    sha256: str | None
    expected: str | None
    rules: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Check:
    """What one message type must pass: its artefacts compile, its examples get their verdict."""

    ref: MessageTypeRef
    artefacts: tuple[ArtefactRecord, ...]
    examples: tuple[Example, ...]


@dataclasses.dataclass(frozen=True)
class CheckFailure:
    """One failed submission check: what (`kind` artefact, example or check), of which message
    type, the node and file it concerns, the line where known, and why."""

    kind: str
    message_type: str
    subject: str
    file: str | None
    line: int | None
    message: str
    expected: str | None = None
    got: str | None = None
    missing_rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["missing_rules"] = list(self.missing_rules)
        return {k: v for k, v in data.items() if v not in (None, [])}

    def text(self) -> str:
        where = self.file or self.subject
        said = self.message.removeprefix(where).lstrip(":, ")
        at = f", line {self.line}" if self.line and f"line {self.line}" not in said else ""
        return f"{self.message_type}: {self.kind} {where}{at}: {said}"


def check(item: Check, blobs: Blobs, settings: Settings) -> list[CheckFailure]:
    """Every failure of `item`; examples are not judged when an artefact does not compile."""
    ref = item.ref
    try:
        profile = profile_from(ref, item.artefacts, blobs)
    except ArtefactError as exc:
        return [CheckFailure("artefact", ref.name, ref.iri, None, None, str(exc))]
    failures = []
    for spec in profile.steps:
        try:
            compile_step(spec, settings)
        except Exception as exc:  # whatever an engine raises refuses the artefact (fail closed)
            failures.append(_compile_failure(item, spec, exc))
    if failures:
        return failures
    for example in item.examples:
        failures.extend(_judge(ref, profile, example, blobs, settings))
    return failures


def _compile_failure(item: Check, spec: StepSpec, exc: Exception) -> CheckFailure:
    main = spec.artefacts.main
    node = next((a.iri for a in item.artefacts if a.main is not None and a.main.uri == main), main)
    text = str(exc) if isinstance(exc, NifError) else f"{type(exc).__name__}: {exc}"
    # a JSON Schema's problem is at a JSON Pointer its message names, not at a line
    found = _LINE.search(text) if spec.kind != JSON_SCHEMA else None
    said = "not compile" in text or "not a valid" in text
    return CheckFailure(
        "artefact",
        item.ref.name,
        node,
        (found["file"] if found and found["file"] else main),
        int(found["line"]) if found else None,
        text if said else f"{spec.kind} does not compile: {text}",
    )


def _judge(
    ref: MessageTypeRef, profile: Profile, example: Example, blobs: Blobs, settings: Settings
) -> list[CheckFailure]:
    def failed(message: str, **more: Any) -> CheckFailure:
        return CheckFailure("example", ref.name, example.iri, example.url, None, message, **more)

    if example.sha256 is None:
        return [failed("the example is not pinned (no sha256 checksum), so it cannot be checked")]
    try:
        content = blobs.get(example.sha256)
    except NifError:
        return [failed(f"its pinned content (sha256 {example.sha256}) is missing")]
    report = validate(content, profile, source=example.title, settings=settings)
    got = str(report.verdict)
    failures = []
    if example.expected is not None and got != example.expected:
        failures.append(
            failed(
                f"declared {example.expected}, but validating it against {ref.name} gives "
                f"{got}{_why(report)}",
                expected=example.expected,
                got=got,
            )
        )
    raised = {f.rule_id for f in report.findings if f.rule_id}
    missing = tuple(r for r in example.rules if r not in raised)
    if missing:
        shown = ", ".join(sorted(raised)) or "none"
        failures.append(
            failed(
                f"expects rule(s) {', '.join(missing)}, which validation did not raise "
                f"(it raised: {shown})",
                missing_rules=missing,
            )
        )
    return failures


def _why(report: Report) -> str:
    """The errors that made the verdict (or the steps that could not run), briefly."""
    if report.verdict is Verdict.ERROR:
        broken = [f"{s.name}: {s.error}" for s in report.steps if s.error]
        return ": " + "; ".join(broken) if broken else ""
    if report.verdict is Verdict.VALID:
        return ""
    errors = [f for f in report.findings if f.severity >= Severity.ERROR]
    quoted = []
    for finding in errors[:_QUOTED]:
        at = f"line {finding.location.line}: " if finding.location.line else ""
        rule = f" [{finding.rule_id}]" if finding.rule_id else ""
        quoted.append(f"{at}{finding.message}{rule}")
    more = f" (and {len(errors) - _QUOTED} more)" if len(errors) > _QUOTED else ""
    return ": " + "; ".join(quoted) + more if quoted else ""


def check_in_worker(item: Check, staging: Path, settings: Settings) -> list[CheckFailure]:
    """What the kept worker runs: `check` over the staging blobs (a folder), then the
    registry's (the state's, opened here: `open_blobs`)."""
    return check(item, Overlay(BlobStore(staging), open_blobs(settings, "artefacts")), settings)
