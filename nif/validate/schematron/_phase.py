"""Choosing a phase of a rule set: `rules.sch#phase` on the command line, checked against the
phases the rule set defines before any message is validated."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from nif.errors import UsageError
from nif.validate._artefacts import ArtefactSet
from nif.validate._xml import safe_parser
from nif.validate.schematron._names import sch
from nif.validate.schematron._origins import shown

BUILT_IN_PHASES = ("#ALL", "#DEFAULT")
"""The phases every rule set has: all patterns, and its `defaultPhase` (else all)."""


def split_phase(argument: str) -> tuple[str, str | None]:
    """`rules.sch#phase` -> (path, phase), and `rules.sch##ALL` for a built-in phase; a path
    that exists as written keeps its '#'."""
    if "#" not in argument or Path(argument).exists():
        return argument, None
    folder, slash, name = argument.rpartition("/")
    if "#" not in name:
        return argument, None
    file, _, phase = name.partition("#")
    return f"{folder}{slash}{file}", phase or None


def check_phase(artefacts: ArtefactSet, phase: str) -> None:
    """Refuse a phase the rule set does not define: a `UsageError`, not a verdict on messages.

    Rule sets that do not parse are left to the step, which reports them; a precompiled
    stylesheet had its phase chosen when it was compiled.
    """
    if phase in BUILT_IN_PHASES:
        return
    phases: set[str] = set()
    schema_line = None
    for uri, part in artefacts.parts.items():
        try:
            root = etree.fromstring(part.content, safe_parser())
        except etree.XMLSyntaxError:
            return
        if uri == artefacts.main:
            if root.tag != sch("schema"):
                return
            schema_line = root.sourceline
        phases.update(p.get("id", "") for p in root.iter(sch("phase")))
    if phase not in phases:
        known = ", ".join([*sorted(filter(None, phases)), *BUILT_IN_PHASES])
        raise UsageError(
            f"{shown(artefacts.main)}, line {schema_line}, <sch:schema>: no phase {phase!r} "
            f"(phases: {known})"
        )
