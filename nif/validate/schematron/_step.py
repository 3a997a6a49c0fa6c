"""The Schematron step: compile once (cached by the hash of the rule set and its includes), run
on Saxon for XSLT 2/3 bindings or libxslt for XSLT 1.0, and map SVRL to findings."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from lxml import etree

from nif.errors import CompileError
from nif.validate._artefacts import ArtefactSet
from nif.validate._step import Document, Step, StepOutcome
from nif.validate._xml import parse_artefact
from nif.validate.schematron import _documents
from nif.validate.schematron._compile import Compiled, generate
from nif.validate.schematron._expand import expand_abstract_patterns, expand_abstract_rules
from nif.validate.schematron._names import XSL, sch
from nif.validate.schematron._origins import Origins, describe
from nif.validate.schematron._sandbox import check_stylesheet
from nif.validate.schematron._saxon import SaxonStylesheet, saxon_processor
from nif.validate.schematron._source import resolve_includes
from nif.validate.schematron._svrl import findings_from_svrl

_Runner = Callable[[Document], str]
"""Runs the compiled rules on a message and gives the SVRL text."""


def _expanded(artefacts: ArtefactSet) -> etree._Element:
    """The schema with includes, abstract patterns and abstract rules expanded."""
    schema = resolve_includes(artefacts)
    expand_abstract_patterns(schema)
    expand_abstract_rules(schema)
    return schema


def generate_xslt(artefacts: ArtefactSet, phase: str | None = None) -> Compiled:
    """Expand includes, abstract patterns and abstract rules, then write the XSLT (checked by
    the sandbox)."""
    return generate(_expanded(artefacts), phase)


def _is_stylesheet(root: etree._Element) -> bool:
    return root.tag in (f"{{{XSL}}}stylesheet", f"{{{XSL}}}transform")


def check_rule_set(artefacts: ArtefactSet) -> None:
    """Raise `CompileError` for a rule set that cannot be compiled or does more than check (the
    sandbox), in every phase: the check the registry makes at submission and the CLI before it
    validates, so a bad rule set is refused up front rather than reported on each message."""
    root = parse_artefact(artefacts.root)
    if _is_stylesheet(root):
        check_stylesheet(root)
        return
    schema = _expanded(artefacts)
    phases = [p.get("id") for p in schema.iter(sch("phase")) if p.get("id")]
    for phase in ["#ALL", *phases]:
        generate(schema, phase)


def compile_to_xslt(artefacts: ArtefactSet, phase: str | None = None) -> str:
    """The generated stylesheet as text, for `nif schematron compile`."""
    return generate_xslt(artefacts, phase).text


class SchematronStep(Step):
    kind = "schematron"
    media = "xml"

    def __init__(self, artefacts: ArtefactSet, phase: str | None = None) -> None:
        super().__init__(artefacts)
        root = parse_artefact(artefacts.root)
        origins: Origins | None = None
        documents = False
        if _is_stylesheet(root):
            check_stylesheet(root)
            self.phase = phase
            version = root.get("version", "1.0")
            stylesheet = root
        else:
            compiled = generate_xslt(artefacts, phase)
            self.phase = compiled.phase
            version = compiled.xslt_version
            stylesheet = compiled.xslt
            origins = compiled.origins
            documents = compiled.documents
        self.version = version
        if version.startswith("1"):
            self._run = self._lxml_runner(stylesheet, origins)
        else:
            self._run = self._saxon_runner(stylesheet, origins, documents)

    @property
    def engine(self) -> tuple[str, str]:
        if self.version.startswith("1"):
            return "libxslt via lxml", ".".join(map(str, etree.LIBXSLT_VERSION))
        version: str = saxon_processor().version
        return "Saxon-HE via saxonche", version.replace("SaxonC-HE ", "").split()[0]

    def _saxon_runner(
        self, stylesheet: etree._Element, origins: Origins | None, documents: bool
    ) -> _Runner:
        try:
            compiled = SaxonStylesheet(stylesheet, self.artefacts.root.uri, origins)
        except CompileError as exc:
            raise CompileError(f"the rules do not compile: {exc}") from None
        if documents:
            self._documents = _documents.Documents(saxon_processor(), self.artefacts)
            compiled.executable.set_parameter(_documents.PARAMETER, self._documents.value)

        def run(document: Document) -> str:
            return compiled.transform(document.saxon_node(release_tree=True))

        return run

    def _lxml_runner(self, stylesheet: etree._Element, origins: Origins | None) -> _Runner:
        try:
            transform = etree.XSLT(stylesheet, access_control=etree.XSLTAccessControl.DENY_ALL)
        except etree.XSLTParseError as exc:
            raise CompileError(
                "the rules do not compile: "
                + _libxslt_errors(exc.error_log, stylesheet, origins, str(exc))
            ) from None
        lock = threading.Lock()

        def run(document: Document) -> str:
            with lock:
                try:
                    result = transform(document.xml_tree())
                except etree.XSLTApplyError as exc:
                    log = transform.error_log
                    raise RuntimeError(
                        _libxslt_errors(log, stylesheet, origins, str(exc))
                    ) from None
            return str(result)

        return run

    def check(self, document: Document) -> StepOutcome:
        try:
            svrl_text = self._run(document)
        except Exception as exc:
            raise RuntimeError(f"the rules failed on this message: {exc}") from None
        svrl_root = etree.fromstring(svrl_text.encode("utf-8"), etree.XMLParser(huge_tree=True))
        if document.tree_released:
            findings = findings_from_svrl(svrl_root, None, self.name, document.content)
        else:
            findings = findings_from_svrl(svrl_root, document.xml_tree(), self.name)
        return StepOutcome(findings, svrl=svrl_text)


def _libxslt_errors(
    log: etree._ListErrorLog,
    stylesheet: etree._Element,
    origins: Origins | None,
    fallback: str,
) -> str:
    """libxslt's errors, each named by the rule set element at its line: of the elements
    there, the one a run-time error names (`runtime error, element 'if'`)."""
    at_line: dict[int, list[tuple[str, etree._Element]]] = {}
    for element in stylesheet.iter():
        if isinstance(element.tag, str) and element.sourceline is not None:
            source = origins.source(element) if origins is not None else element
            if source is not None:
                kind = etree.QName(element).localname
                at_line.setdefault(element.sourceline, []).append((kind, source))
    found = []
    for entry in log:
        named = re.search(r"element '([^']+)'", entry.message)
        candidates = at_line.get(entry.line, [])
        chosen = [s for kind, s in candidates if named and kind == named.group(1)] or [
            s for _, s in candidates
        ]
        message = entry.message.strip()
        found.append(f"{describe(chosen[0])}: {message}" if chosen else message)
    return "; ".join(dict.fromkeys(found)) or fallback


def compile_schematron(artefacts: ArtefactSet, phase: str | None = None) -> SchematronStep:
    return SchematronStep(artefacts, phase)
