"""Verification of XSD counterexamples by nif's real validator, and the direction's answer.

A difference becomes `incompatible` only once a document is valid under OLD and invalid under
NEW by the same engine nif uses; this module holds that engine cache and the result types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nif.compat._xsd_changes import XsdChange
from nif.report import Verdict as ReportVerdict
from nif.validate import (
    XSD,
    Artefact,
    ArtefactSet,
    Profile,
    StepSpec,
    collect,
    load_xmlschema,
    local_fetcher,
    validate,
    xsd_references,
)

__all__ = ["DirectionResult", "Found", "Validator", "Verdict", "artefacts_of", "load"]

Verdict = Literal["compatible", "incompatible", "unknown"]


@dataclass
class DirectionResult:
    """One direction's answer; `counterexample` is set only for a verified `incompatible`.

    `changes` lists the differences the walk met before it ended (a verified counterexample
    ends it at once), whatever the verdict."""

    verdict: Verdict
    counterexample: bytes | None = None
    reason: str | None = None
    path: list[str] = field(default_factory=list)
    changes: list[XsdChange] = field(default_factory=list)
    open_content: bool = False
    """The verdict turns only on content a lax/skip wildcard lets through."""


class Found(Exception):
    """A verified counterexample: ends the walk at once."""

    def __init__(self, result: DirectionResult) -> None:
        super().__init__(result.reason)
        self.result = result


def artefacts_of(schema: str | Path | ArtefactSet) -> ArtefactSet:
    """The schema set: as given, or a local XSD file with every file it imports or includes."""
    if isinstance(schema, ArtefactSet):
        return schema
    return collect(Artefact.from_path(schema), xsd_references, local_fetcher)


def load(artefacts: ArtefactSet) -> Any:
    """The XSD 1.0 component model of a set (xmlschema, read from the set's parts only)."""
    schema = load_xmlschema(artefacts, "1.0")
    schema.nif_artefacts = artefacts  # what the validator checks a counterexample against
    return schema


class Validator:
    """nif's real validator with one profile per schema set (building it compiles the XSD)."""

    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}

    def valid(self, content: bytes, schema: Any) -> bool:
        artefacts: ArtefactSet = schema.nif_artefacts
        if artefacts.key not in self.profiles:
            spec = StepSpec(XSD, artefacts, xsd_version="1.0")
            self.profiles[artefacts.key] = Profile((spec,))
        return validate(content, self.profiles[artefacts.key]).verdict is ReportVerdict.VALID
