"""Validation profiles: an ordered list of steps, severity overrides and an acceptance rule."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from nif.errors import UsageError
from nif.report import Severity
from nif.validate._artefacts import Artefact, ArtefactSet, collect, local_fetcher
from nif.validate._json_drafts import DRAFT_NAMES, draft_named

XSD = "xsd"
SCHEMATRON = "schematron"
JSON_SCHEMA = "json-schema"
KOSIT = "kosit"
KINDS = {XSD: "xml", SCHEMATRON: "xml", JSON_SCHEMA: "json", KOSIT: "xml"}


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """One step of a profile, before compilation.

    `phase` selects a Schematron phase; `xsd_version` forces "1.0" or "1.1" (default: the
    schema's `vc:minVersion`); `scenario` names the KoSIT scenario to run (default: the one
    whose `match` holds); `json_draft` is the draft of a JSON Schema without `$schema` ("4",
    "6", "7", "2019-09", "2020-12"; default 2020-12).
    """

    kind: str
    artefacts: ArtefactSet
    phase: str | None = None
    xsd_version: str | None = None
    scenario: str | None = None
    json_draft: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"unknown step kind {self.kind!r} (use {', '.join(KINDS)})")
        if self.xsd_version not in (None, "1.0", "1.1"):
            raise UsageError(f"XSD version must be 1.0 or 1.1, not {self.xsd_version!r}")
        if self.json_draft is not None and self.json_draft not in DRAFT_NAMES:
            raise UsageError(
                f"JSON Schema draft must be one of {', '.join(DRAFT_NAMES)}, "
                f"not {self.json_draft!r}"
            )

    @property
    def media(self) -> str:
        return KINDS[self.kind]

    @property
    def key(self) -> str:
        scenario = f"|{self.scenario}" if self.scenario is not None else ""
        scenario += f"|draft {self.json_draft}" if self.json_draft is not None else ""
        return (
            f"{self.kind}|{self.phase or ''}|{self.xsd_version or ''}{scenario}"
            f"|{self.artefacts.key}"
        )


@dataclasses.dataclass(frozen=True)
class Profile:
    """What a message must pass. A finding at or above `fail_on` makes the message invalid.

    `severity_overrides` maps rule ids to a new severity, or to None to switch the rule off.
    """

    steps: tuple[StepSpec, ...]
    name: str | None = None
    severity_overrides: Mapping[str, Severity | None] = dataclasses.field(default_factory=dict)
    fail_on: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        media = {s.media for s in self.steps}
        if len(media) > 1:
            raise UsageError("a profile checks either XML or JSON, not both")

    @property
    def media(self) -> str | None:
        return self.steps[0].media if self.steps else None

    @classmethod
    def from_files(
        cls,
        *,
        xsd: str | Path | None = None,
        schematron: Iterable[str | Path | tuple[str | Path, str | None]] = (),
        json_schema: str | Path | None = None,
        xsd_version: str | None = None,
        json_draft: str | None = None,
        name: str | None = None,
        severity_overrides: Mapping[str, Severity | None] | None = None,
        fail_on: Severity = Severity.ERROR,
        catalogs: Iterable[str | Path] = (),
    ) -> Profile:
        """Build a profile from local files; Schematron entries are paths or (path, phase).

        `catalogs` (OASIS XML Catalog files) map the URIs the artefacts reference to local
        copies, so artefacts that import or include by URL are collected offline.
        `json_draft`: the draft of a JSON Schema without `$schema` (`7`, `draft-07`, its URI).
        """
        from nif.validate._catalog import Catalog

        catalogs = list(catalogs)
        catalog = Catalog.load(catalogs) if catalogs else None
        fetch = catalog.fetcher() if catalog is not None else local_fetcher
        steps: list[StepSpec] = []
        if xsd is not None:
            from nif.validate._xsd import xsd_references

            artefacts = collect(Artefact.from_path(xsd), xsd_references, fetch)
            steps.append(StepSpec(XSD, artefacts, xsd_version=xsd_version))
        for entry in schematron:
            from nif.validate.schematron import load_schematron

            path, phase = entry if isinstance(entry, tuple) else (entry, None)
            steps.append(StepSpec(SCHEMATRON, load_schematron(path, fetch), phase=phase))
        if json_schema is not None:
            from nif.validate._json_references import load_json_schema

            draft = draft_named(json_draft) if json_draft is not None else None
            loaded = load_json_schema(json_schema, draft=draft, catalog=catalog)
            steps.append(StepSpec(JSON_SCHEMA, loaded, json_draft=draft))
        elif json_draft is not None:
            raise UsageError("a JSON Schema draft needs a JSON Schema")
        return cls(
            tuple(steps),
            name=name,
            severity_overrides=dict(severity_overrides or {}),
            fail_on=fail_on,
        )


def parse_overrides(pairs: Sequence[str]) -> dict[str, Severity | None]:
    """`RULE=severity` or `RULE=off` from the command line or a config file."""
    overrides: dict[str, Severity | None] = {}
    for pair in pairs:
        rule, sep, value = pair.partition("=")
        if not sep or not rule:
            raise UsageError(f"severity override {pair!r} must look like RULE=warning or RULE=off")
        try:
            overrides[rule] = None if value.lower() == "off" else Severity.parse(value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return overrides
