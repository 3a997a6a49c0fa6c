"""ISO Schematron: nif's own compiler to XSLT, run with Saxon (XSLT 2/3) or libxslt (XSLT 1.0).

Supports sch:include and sch:extends, abstract patterns and rules, lets at every level (scoped
as ISO Schematron says), phases, diagnostics, properties, `documents` (within the artefact set),
rules on any node kind, flag/role severities, value-of/name in messages, and foreign XSLT
elements (xsl:function, xsl:key, ...), with the prefixes SchXslt and the ISO skeleton declare
implicitly in scope (docs/agency-developer/schematron.md). Precompiled XSLT that writes SVRL is
accepted too. Every stylesheet is checked before it is compiled: a rule set may only compute
(`_sandbox`). Errors, at compile time and at run time, name the rule file, line and element
(`_origins`, `_saxon`).
"""

from __future__ import annotations

from pathlib import Path

from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect, local_fetcher
from nif.validate.schematron._memory import release_freed_memory
from nif.validate.schematron._phase import check_phase, split_phase
from nif.validate.schematron._sandbox import check_stylesheet
from nif.validate.schematron._saxon import SaxonStylesheet, saxon_processor
from nif.validate.schematron._source import schematron_references
from nif.validate.schematron._step import (
    SchematronStep,
    check_rule_set,
    compile_schematron,
    compile_to_xslt,
    generate_xslt,
)
from nif.validate.schematron._svrl import findings_from_svrl, severity_of


def load_schematron(path: str | Path, fetch: Fetcher = local_fetcher) -> ArtefactSet:
    """A rule set and every file it includes, read once."""
    return collect(Artefact.from_path(path), schematron_references, fetch)


__all__ = [
    "SaxonStylesheet",
    "SchematronStep",
    "check_phase",
    "check_rule_set",
    "check_stylesheet",
    "compile_schematron",
    "compile_to_xslt",
    "findings_from_svrl",
    "generate_xslt",
    "load_schematron",
    "release_freed_memory",
    "saxon_processor",
    "schematron_references",
    "severity_of",
    "split_phase",
]
