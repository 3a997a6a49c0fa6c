"""Verification of XSD counterexamples by nif's real validator, and the direction's answer.

A difference becomes `incompatible` only once a document is valid under OLD and invalid under
NEW by the same engine nif uses; this module holds that engine cache, the result types, and
`Outcomes`, what every part of the walk reports through: changes, doubts and witnesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from nif.compat._deadline import check as check_deadline
from nif.compat._instances import GenerationError, instance_with, minimal_instance
from nif.compat._xsd_changes import XsdChange, location
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

__all__ = [
    "DirectionResult",
    "Outcomes",
    "Validator",
    "Verdict",
    "artefacts_of",
    "load",
    "xsd_version",
]

Verdict = Literal["compatible", "incompatible", "unknown"]
_VC = "http://www.w3.org/2007/XMLSchema-versioning"
MAX_OPEN_GUESSES = 32


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


class Outcomes:
    """One direction's findings (verified counterexamples and doubts, each open or not), the
    changes met, and the witnesses built from OLD and judged by the engines. The walk and
    its attribute and wildcard halves all report here."""

    def __init__(self, old: Any, new: Any, root: str) -> None:
        self.old, self.new, self.root = old, new, root
        self.findings: list[DirectionResult] = []
        self.changes: list[XsdChange] = []
        self.validator = Validator()
        self.announced: dict[tuple[str, ...], str] = {}
        """xsi:type announcements every witness carries (path below the root -> type)."""
        self.guesses = 0

    def result(self) -> DirectionResult:
        """The first verified counterexample (a closed-content one if there is one), else the
        first doubt, else compatible; open only when every finding is."""
        found = [f for f in self.findings if f.verdict == "incompatible"]
        doubts = [f for f in self.findings if f.verdict == "unknown"]
        if found:
            # Plainest first: closed content, then no xsi:type (found in walk order otherwise).
            chosen = min(found, key=lambda f: (f.open_content, b"xsi:type=" in _text(f)))
        elif doubts:
            chosen = doubts[0]
        else:
            chosen = DirectionResult("compatible")
        chosen.open_content = bool(self.findings) and all(f.open_content for f in self.findings)
        if chosen.verdict == "compatible":  # then no change breaks this direction
            self.changes = [replace(c, safe=True) for c in self.changes]
        chosen.changes = list(self.changes)
        return chosen

    def record(
        self, path: list[str], kind: str, detail: str, old: Any, new: Any, safe: bool | None = None
    ) -> int:
        """Note a difference between the OLD and NEW components (either may be None); its
        index, for `candidate` to mark it breaking once a witness is confirmed."""
        self.changes.append(
            XsdChange(list(path), kind, detail, location(old, path), location(new, path), safe)
        )
        return len(self.changes) - 1

    def unknown(self, path: list[str], reason: str, *, open_content: bool = False) -> None:
        """Keep the doubt, and go on looking for a verifiable counterexample."""
        self.findings.append(
            DirectionResult("unknown", reason=reason, path=list(path), open_content=open_content)
        )

    def candidate(
        self,
        path: list[str],
        reason: str,
        *,
        children: list[str] | None = None,
        value: str | None = None,
        attribute: str | None = None,
        minimal: bool = False,
        nil: bool = False,
        types: dict[tuple[str, ...], str] | None = None,
        open_content: bool = False,
        change: int | None = None,
    ) -> None:
        """Build the witness document from OLD; `incompatible` only if the engines agree
        (then the recorded `change` is marked breaking), else the difference stays a doubt."""
        why = self.attempt(
            path, reason, children, value, attribute, minimal, nil, types, open_content
        )
        if why is not None:
            self.unknown(path, f"{reason}; {why}", open_content=open_content)
        elif change is not None:
            self.changes[change] = replace(self.changes[change], safe=False)

    def attempt(
        self,
        path: list[str],
        reason: str,
        children: list[str] | None = None,
        value: str | None = None,
        attribute: str | None = None,
        minimal: bool = False,
        nil: bool = False,
        types: dict[tuple[str, ...], str] | None = None,
        open_content: bool = False,
    ) -> str | None:
        """Try one witness; None when the engines confirmed it, else why not. Open-content
        guesses (names a wildcard admits) are capped per walk: a schema with thousands of
        globals must not cost thousands of validations."""
        check_deadline()
        if open_content:
            if self.guesses >= MAX_OPEN_GUESSES:
                return f"more than {MAX_OPEN_GUESSES} open-content witnesses tried"
            self.guesses += 1
        announced = {**self.announced, **(types or {})}
        try:
            if minimal:
                instance = minimal_instance(self.old, self.root)
            else:
                instance = instance_with(
                    self.old,
                    self.root,
                    path,
                    children,
                    value,
                    attribute=attribute,
                    nil=nil,
                    types=announced,
                )
            content = etree.tostring(instance, xml_declaration=True, encoding="UTF-8")
            old_ok = self.validator.valid(content, self.old)
            new_ok = old_ok and self.validator.valid(content, self.new)
        except GenerationError as exc:
            return f"no counterexample could be built: {exc}"
        if old_ok and not new_ok:
            self.findings.append(
                DirectionResult("incompatible", content, reason, list(path), [], open_content)
            )
            return None
        if not old_ok and getattr(self.old, "nif_xsd_version", "1.0") == "1.1":
            return "OLD refuses the generated witness (XSD 1.1: generation ignores assertions)"
        return "the generated witness was not confirmed by the engines"


def _text(result: DirectionResult) -> bytes:
    return result.counterexample or b""
