"""Verification of XSD counterexamples by nif's real validator, and the direction's answer.

A difference becomes `incompatible` only once a document is valid under OLD and invalid under
NEW by the same engine nif uses; this module holds that engine cache and the result types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from lxml import etree

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

__all__ = ["DirectionResult", "Validator", "Verdict", "artefacts_of", "load", "xsd_version"]

Verdict = Literal["compatible", "incompatible", "unknown"]
_VC = "http://www.w3.org/2007/XMLSchema-versioning"


@dataclass
class DirectionResult:
    """One direction's answer; `counterexample` is set only for a verified `incompatible`.

    `changes` lists every difference the walk met, whatever the verdict."""

    verdict: Verdict
    counterexample: bytes | None = None
    reason: str | None = None
    path: list[str] = field(default_factory=list)
    changes: list[XsdChange] = field(default_factory=list)
    open_content: bool = False
    """The verdict turns only on content a lax/skip wildcard lets through."""


def artefacts_of(schema: str | Path | ArtefactSet) -> ArtefactSet:
    """The schema set: as given, or a local XSD file with every file it imports or includes."""
    if isinstance(schema, ArtefactSet):
        return schema
    return collect(Artefact.from_path(schema), xsd_references, local_fetcher)


def load(artefacts: ArtefactSet) -> Any:
    """The component model of a set (xmlschema, read from the set's parts only), in the XSD
    version nif validates it by: 1.1 when the schema says `vc:minVersion` 1.1, else 1.0."""
    version = xsd_version(artefacts)
    schema = load_xmlschema(artefacts, version)
    schema.nif_artefacts = artefacts  # what the validator checks a counterexample against
    schema.nif_xsd_version = version
    return schema


def xsd_version(artefacts: ArtefactSet) -> str:
    """The version the schema declares on its root (`vc:minVersion`), as nif's XSD step reads
    it; only the root start tag is read (no DTD, no network)."""
    events = etree.iterparse(
        BytesIO(artefacts.root.content),
        events=("start",),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
    )
    try:
        _, root = next(events)
    except (StopIteration, etree.XMLSyntaxError):
        return "1.0"  # the loader reports what is wrong with the document
    declared = str(root.get(f"{{{_VC}}}minVersion") or "1.0").strip()
    try:
        return "1.1" if Decimal(declared) >= Decimal("1.1") else "1.0"
    except InvalidOperation:
        return "1.0"


class Validator:
    """nif's real validator with one profile per schema set (building it compiles the XSD)."""

    def __init__(self) -> None:
        self.profiles: dict[str, Profile] = {}

    def valid(self, content: bytes, schema: Any) -> bool:
        artefacts: ArtefactSet = schema.nif_artefacts
        if artefacts.key not in self.profiles:
            spec = StepSpec(XSD, artefacts, xsd_version=schema.nif_xsd_version)
            self.profiles[artefacts.key] = Profile((spec,))
        return validate(content, self.profiles[artefacts.key]).verdict is ReportVerdict.VALID
