"""What a certification run produces and what a certificate holds, independent of storage.

A `Run` is one execution of a suite against one agency's implementation of one interface
version: a `CaseResult` per test case, with its EARL outcome and the validation reports behind
it. A `Certificate` is what the competence centre issues from a certification run in which every
mandatory case passed; `CertificateState` is what it is worth today.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from nif.certify._badge import BadgeState
from nif.certify._signature import Verification
from nif.certify._suite import CaseKind

CertificateState = BadgeState
"""certified, expired, revoked, needs re-certification, signature invalid, or none (no
certificate)."""


class CaseOutcome(enum.StrEnum):
    """The EARL outcome of one case (`earl:passed` ...), named by its local name."""

    PASSED = "passed"
    FAILED = "failed"
    CANT_TELL = "cantTell"
    INAPPLICABLE = "inapplicable"


class Mode(enum.StrEnum):
    """Where the messages judged came from."""

    EVIDENCE = "evidence"
    """Files the agency's system produced (a folder or zip)."""
    ENDPOINT = "endpoint"
    """A live endpoint nif sent the suite's messages to."""


class Purpose(enum.StrEnum):
    SELF_TEST = "self-test"
    """A publisher testing its own implementation: never yields a certificate."""
    CERTIFICATION = "certification"
    """Started by a certifier or admin: a certificate may be issued from it."""


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One HTTP exchange of endpoint mode (or its recorded equivalent in evidence mode).

    `status` None: no answer (a connection error or time-out, said in `error`).
    """

    status: int | None
    media_type: str | None
    content: bytes
    error: str | None = None
    millis: float = 0.0


@dataclasses.dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case.

    `summary` is one sentence saying why (shown in EARL `dct:description` and on pages);
    `details` are further lines (failed assertions, refusal details); `reports` are the
    validation reports (`Report.to_dict()`) of the messages judged: the findings behind the
    outcome; `evidence` names the evidence file used (its path in the evidence set) and
    `evidence_sha256` its hash; `status` is the HTTP status of the answer in endpoint mode.
    """

    __pydantic_config__ = {"use_attribute_docstrings": True}  # the API's field descriptions

    case: str
    """The test case's identifier in the suite."""
    kind: CaseKind
    mandatory: bool
    outcome: CaseOutcome
    summary: str
    """One sentence saying why."""
    details: tuple[str, ...] = ()
    reports: tuple[dict[str, Any], ...] = ()
    """The validation reports of the messages judged (as `POST /api/validate`)."""
    evidence: str | None = None
    """The evidence file judged (evidence mode)."""
    evidence_sha256: str | None = None
    status: int | None = None
    """The HTTP status the endpoint answered with."""
    millis: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "kind": str(self.kind),
            "mandatory": self.mandatory,
            "outcome": str(self.outcome),
            "summary": self.summary,
            "details": list(self.details),
            "reports": list(self.reports),
            "evidence": self.evidence,
            "evidence_sha256": self.evidence_sha256,
            "status": self.status,
            "millis": round(self.millis, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseResult:
        return cls(
            case=data["case"],
            kind=CaseKind(data["kind"]),
            mandatory=bool(data["mandatory"]),
            outcome=CaseOutcome(data["outcome"]),
            summary=data["summary"],
            details=tuple(data.get("details", ())),
            reports=tuple(data.get("reports", ())),
            evidence=data.get("evidence"),
            evidence_sha256=data.get("evidence_sha256"),
            status=data.get("status"),
            millis=float(data.get("millis", 0.0)),
        )


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of a suite, with everything a certificate pins.

    `artefacts` are the sha256 of every schema and rules artefact (and part) of every message
    type of the version, sorted; `evidence` maps evidence file paths to their sha256 (empty in
    endpoint mode); `endpoint` is the URL without credentials; header values are never kept.
    Times are ISO 8601 UTC with seconds (`nif.registry._history.now()`).
    """

    __pydantic_config__ = {"use_attribute_docstrings": True}  # the API's field descriptions

    id: str
    agency: str
    """The agency's registry identifier."""
    interface: str
    version: str
    mode: Mode
    purpose: Purpose
    actor: str
    """Who started the run (a token's id and name)."""
    started: str
    ended: str
    suite_iri: str
    suite_sha256: str
    """The sha256 of the suite's manifest and files."""
    tool_version: str
    artefacts: tuple[str, ...]
    """sha256 of the version's schemas and rules."""
    results: tuple[CaseResult, ...]
    evidence: tuple[tuple[str, str], ...] = ()
    endpoint: str | None = None
    """The endpoint URL, without credentials."""

    @property
    def passed(self) -> bool:
        """Every mandatory case passed: a certificate may be issued."""
        return all(r.outcome is CaseOutcome.PASSED for r in self.results if r.mandatory)

    @property
    def failed_mandatory(self) -> tuple[str, ...]:
        return tuple(
            r.case for r in self.results if r.mandatory and r.outcome is not CaseOutcome.PASSED
        )

    def counts(self) -> dict[str, int]:
        counts = {str(o): 0 for o in CaseOutcome}
        for result in self.results:
            counts[str(result.outcome)] += 1
        return counts

    def result(self, case: str) -> CaseResult:
        for result in self.results:
            if result.case == case:
                return result
        raise KeyError(case)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "agency": self.agency,
            "interface": self.interface,
            "version": self.version,
            "mode": str(self.mode),
            "purpose": str(self.purpose),
            "actor": self.actor,
            "started": self.started,
            "ended": self.ended,
            "suite": {"iri": self.suite_iri, "sha256": self.suite_sha256},
            "tool_version": self.tool_version,
            "artefacts": list(self.artefacts),
            "evidence": [{"path": p, "sha256": s} for p, s in self.evidence],
            "endpoint": self.endpoint,
            "passed": self.passed,
            "failed_mandatory": list(self.failed_mandatory),
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Run:
        return cls(
            id=data["id"],
            agency=data["agency"],
            interface=data["interface"],
            version=data["version"],
            mode=Mode(data["mode"]),
            purpose=Purpose(data["purpose"]),
            actor=data["actor"],
            started=data["started"],
            ended=data["ended"],
            suite_iri=data["suite"]["iri"],
            suite_sha256=data["suite"]["sha256"],
            tool_version=data["tool_version"],
            artefacts=tuple(data["artefacts"]),
            results=tuple(CaseResult.from_dict(r) for r in data["results"]),
            evidence=tuple((e["path"], e["sha256"]) for e in data.get("evidence", ())),
            endpoint=data.get("endpoint"),
        )


@dataclasses.dataclass(frozen=True)
class Revocation:
    at: str
    actor: str
    reason: str


@dataclasses.dataclass(frozen=True)
class Certificate:
    """A certificate as stored: who holds it for what, until when, judged on which hashes.

    `signature` is the check of the graph it was read from with the registry's keys (or those
    given): when it fails, nothing else here is to be trusted. `revocation` is a revocation
    whose signature verifies; `ignored_revocation` says why a revocation graph found for it
    did not count (unsigned, forged, not about this certificate).
    """

    __pydantic_config__ = {"use_attribute_docstrings": True}  # the API's field descriptions

    id: str
    iri: str
    agency: str
    """The holder's registry identifier."""
    agency_iri: str
    interface: str
    version: str
    version_iri: str
    issuer: str
    issued_by: str
    issued: str
    valid_until: str
    run: str
    run_iri: str
    suite_iri: str
    suite_sha256: str
    artefacts: tuple[str, ...]
    """The artefact sha256s it was judged on."""
    key_id: str
    """The id of the key that signed it."""
    signature: Verification
    """Its signature checked with the service's key: unless `valid`, nothing it states counts
    and its state is `signature invalid`."""
    revocation: Revocation | None = None
    """Its revocation, when one signed with the service's key exists."""
    ignored_revocation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["artefacts"] = list(self.artefacts)
        data["signature"] = self.signature.to_dict()
        return data
