"""What the client's calls return: small typed views of the service's JSON, each keeping the
JSON it was read from (`data`) so a caller can print exactly what the service said."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nif.errors import ServiceError


def _get(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise ServiceError(f"the server's answer has no valid {name!r}")
    return value


@dataclasses.dataclass(frozen=True)
class RecordSummary:
    """A current record as listed: its IRI, kind (agency, interface) and identifier."""

    iri: str
    kind: str
    identifier: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordSummary:
        return cls(_get(data, "iri", str), _get(data, "kind", str), _get(data, "identifier", str))


@dataclasses.dataclass(frozen=True)
class RecordDocument:
    """A current record as RDF, with the ETag to send back as If-Match on a write."""

    identifier: str
    content: bytes
    media_type: str
    etag: str | None


@dataclasses.dataclass(frozen=True)
class Pulled:
    """A record written as a bundle folder: where, its kind and how many files."""

    target: Path
    kind: str
    files: int


@dataclasses.dataclass(frozen=True)
class Version:
    """One entry of a record's history; `sha256` is None for a withdrawal."""

    record: str
    identifier: str
    kind: str
    action: str
    actor: str
    at: str
    sha256: str | None
    triples: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Version:
        digest = data.get("sha256")
        return cls(
            record=_get(data, "record", str),
            identifier=_get(data, "identifier", str),
            kind=_get(data, "kind", str),
            action=_get(data, "action", str),
            actor=_get(data, "actor", str),
            at=_get(data, "at", str),
            sha256=digest if isinstance(digest, str) else None,
            triples=_get(data, "triples", int),
        )

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Submitted:
    """What a submission did: `status` stored or proposed, the versions stored, the SHACL
    results (warnings; a refusal raises `RejectedError`), and the proposal if kept for review."""

    status: str
    records: tuple[Version, ...]
    replaced: tuple[str, ...]
    results: tuple[dict[str, str], ...]
    proposal: dict[str, Any] | None
    data: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Submitted:
        return cls(
            status=_get(data, "status", str),
            records=tuple(Version.from_dict(v) for v in _get(data, "records", list)),
            replaced=tuple(data.get("replaced") or ()),
            results=tuple(data.get("results") or ()),
            proposal=data.get("proposal"),
            data=data,
        )


@dataclasses.dataclass(frozen=True)
class RunOutcome:
    """A conformance run as the service kept it (`data` is its JSON, `Run.to_dict`)."""

    id: str
    passed: bool
    data: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunOutcome:
        return cls(_get(data, "id", str), _get(data, "passed", bool), data)


@dataclasses.dataclass(frozen=True)
class CertificateVerdict:
    """A certificate check (`data` is its JSON, `CertificateCheck.to_dict`); `ok` when it holds."""

    certificate: str
    ok: bool
    data: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CertificateVerdict:
        return cls(_get(data, "certificate", str), _get(data, "ok", bool), data)


@dataclasses.dataclass(frozen=True)
class CertificateSummary:
    """A certificate as listed, with its state today (`data` is its JSON)."""

    id: str
    agency: str
    interface: str
    version: str
    state: str
    data: dict[str, Any]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CertificateSummary:
        return cls(
            id=_get(data, "id", str),
            agency=_get(data, "agency", str),
            interface=_get(data, "interface", str),
            version=_get(data, "version", str),
            state=_get(data, "state", str),
            data=data,
        )
