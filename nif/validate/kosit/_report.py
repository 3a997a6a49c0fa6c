"""The KoSIT report: the report input document nif builds, and the configuration's report XSLT.

The input follows KoSIT's `createreportinput` schema (engine, timestamp, document hash, the
scenario as written, the XSD errors, each Schematron step's SVRL). The report stylesheet gets
it as its source and the message as the `input-document` parameter, as the KoSIT validator
passes them. A report stylesheet often imports a default one (a customization layer): the
sandbox refuses xsl:import, so nif inlines imports and includes from the configuration first,
each imported declaration dropped where the importer overrides it (same named template,
function, global variable or parameter) and placed before the importer's, which therefore wins
any template-rule tie.
"""

from __future__ import annotations

import base64
import copy
import datetime
import hashlib
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin

from lxml import etree

from nif.errors import CompileError, ResolutionError
from nif.report import Finding, Severity
from nif.validate._artefacts import ArtefactSet
from nif.validate._xml import parse_artefact
from nif.validate.kosit._scenarios import SCENARIOS_NS, Resource, Scenario
from nif.validate.kosit._xpath import XSL
from nif.validate.schematron import SaxonStylesheet, check_stylesheet, saxon_processor

if TYPE_CHECKING:
    from saxonche import PyXdmNode

INPUT_NS = "http://www.xoev.de/de/validator/framework/1/createreportinput"
REPORT_NS = "http://www.xoev.de/de/validator/varl/1"
ENGINE = "nif"
_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_INHERITED = ("version", "exclude-result-prefixes", "xpath-default-namespace")


def _in(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{INPUT_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def _resource(parent: etree._Element, resource: Resource) -> None:
    parent.append(copy.deepcopy(resource.element))


def report_input(
    content: bytes,
    scenario: Scenario | None,
    xsd: tuple[Resource, list[Finding]] | None,
    schematron: Iterable[tuple[Resource, str]],
    framework_version: str,
) -> str:
    """The `createReportInput` document for one message (no scenario: the fallback's input)."""
    nsmap = {"in": INPUT_NS, "s": SCENARIOS_NS}
    root = etree.Element(f"{{{INPUT_NS}}}createReportInput", nsmap=nsmap)
    root.set("frameworkVersion", framework_version or "1.0.0")
    _in(_in(root, "engine"), "name", ENGINE)
    _in(root, "timestamp", datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    identification = _in(root, "documentIdentification")
    digest = _in(identification, "documentHash")
    _in(digest, "hashAlgorithm", "SHA-256")
    _in(digest, "hashValue", base64.b64encode(hashlib.sha256(content).digest()).decode())
    _in(identification, "documentReference", "message")
    if scenario is not None:
        root.append(copy.deepcopy(scenario.element))
    _in(root, "validationResultsWellformedness")
    if xsd is not None:
        results = _in(root, "validationResultsXmlSchema")
        _resource(results, xsd[0])
        for finding in xsd[1]:
            error = _in(results, "xmlSyntaxError")
            _in(error, "message", finding.message)
            level = "SEVERITY_WARNING" if finding.severity < Severity.ERROR else "SEVERITY_ERROR"
            _in(error, "severityCode", level)
            if finding.location.line:
                _in(error, "rowNumber", str(finding.location.line))
            if finding.location.column:
                _in(error, "columnNumber", str(finding.location.column))
    for resource, svrl in schematron:
        results = _in(root, "validationResultsSchematron")
        _resource(results, resource)
        parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
        _in(results, "results").append(etree.fromstring(svrl.encode("utf-8"), parser))
    return str(etree.tostring(root, encoding="unicode"))


def _x(name: str) -> str:
    return f"{{{XSL}}}{name}"


def _key(element: etree._Element) -> tuple[str, str] | None:
    """What an importer's declaration overrides in an imported module (None: nothing)."""
    local = etree.QName(element).localname if isinstance(element.tag, str) else ""
    name = element.get("name")
    if local in ("template", "function", "variable", "param") and name:
        prefix, _, rest = name.rpartition(":")
        uri = element.nsmap.get(prefix) if prefix else ""
        clark = f"{{{uri}}}{rest}" if uri else rest
        kind = "template" if local == "template" else "function" if local == "function" else "var"
        if local == "function":
            clark += f"#{len(element.findall(_x('param')))}"
        return kind, clark
    if local == "output" and not name:
        return "output", ""
    return None


def _module(artefacts: ArtefactSet, base: str, href: str, seen: frozenset[str]) -> etree._Element:
    uri = urldefrag(urljoin(base, href)).url
    if uri in seen:
        raise CompileError(f"{base}: {href!r} imports or includes itself (cycle)")
    try:
        root = parse_artefact(artefacts.get(uri))
    except ResolutionError as exc:
        raise CompileError(f"{base}: cannot import {href!r}: {exc}") from None
    return _inline(root, artefacts, uri, seen | {uri})


def _inline(
    root: etree._Element, artefacts: ArtefactSet, uri: str, seen: frozenset[str]
) -> etree._Element:
    """The stylesheet with its xsl:import and xsl:include replaced by what they point to."""
    imported: list[etree._Element] = []
    for child in list(root):
        if child.tag not in (_x("import"), _x("include")):
            continue
        module = _module(artefacts, uri, child.get("href") or "", seen)
        declarations = [_moved(c, module) for c in module if isinstance(c.tag, str)]
        if child.tag == _x("include"):
            parent_index = root.index(child)
            root.remove(child)
            for offset, declaration in enumerate(declarations):
                root.insert(parent_index + offset, declaration)
        else:
            root.remove(child)
            imported.extend(declarations)
    own = {key for c in root if isinstance(c.tag, str) and (key := _key(c)) is not None}
    kept = [d for d in imported if _key(d) not in own]
    for offset, declaration in enumerate(kept):
        root.insert(offset, declaration)
    if root.get(_BASE) is None:
        root.set(_BASE, uri)
    return root


def _moved(declaration: etree._Element, module: etree._Element) -> etree._Element:
    """A top-level declaration of `module`, ready to live in another stylesheet: with every
    namespace in scope in its module (expressions use prefixes lxml cannot see), its base URI
    and the standard attributes its module's root gave it."""
    nsmap = {**module.nsmap, **declaration.nsmap}
    moved = etree.Element(declaration.tag, dict(declaration.attrib), nsmap=nsmap)
    moved.text = declaration.text
    moved.sourceline = declaration.sourceline
    moved.extend(list(declaration))
    moved.set(_BASE, module.get(_BASE) or module.base or "")
    for name in _INHERITED:
        if name == "version" and moved.tag == _x("output"):
            continue  # there it is the serialization's version
        if module.get(name) is not None and moved.get(name) is None:
            moved.set(name, module.get(name))
    return moved


class ReportStylesheet:
    """A configuration's report XSLT, checked by the sandbox and compiled with Saxon."""

    def __init__(self, artefacts: ArtefactSet, uri: str) -> None:
        self.uri = uri
        try:
            root = parse_artefact(artefacts.get(uri))
        except ResolutionError as exc:
            raise CompileError(f"{artefacts.main}: report stylesheet: {exc}") from None
        root = _inline(root, artefacts, uri, frozenset({uri}))
        check_stylesheet(root)
        try:
            self._stylesheet = SaxonStylesheet(root, uri)
        except CompileError as exc:
            raise CompileError(f"{uri}: the report stylesheet does not compile: {exc}") from None
        self._stylesheet.executable.set_save_xsl_message(True)
        self._lock = threading.Lock()

    def run(self, report_input_text: str, message: PyXdmNode) -> str:
        """The KoSIT report; raises when the stylesheet fails (KoSIT would fail open there)."""
        processor = saxon_processor()
        executable = self._stylesheet.executable
        try:
            source = processor.parse_xml(xml_text=report_input_text)
            with self._lock:
                executable.set_parameter("input-document", message)
                try:
                    result = self._stylesheet.transform(source)
                except RuntimeError as exc:
                    said = executable.get_xsl_messages()
                    words = " ".join(str(m) for m in said) if said else ""
                    said_text = f" (xsl:message: {words})" if words not in str(exc) else ""
                    raise RuntimeError(_m(exc) + said_text) from None
                finally:
                    executable.clear_parameters()
                    executable.clear_xsl_messages()
        except Exception as exc:
            raise RuntimeError(f"{self.uri}: the report stylesheet failed: {exc}") from None
        if not result:
            raise RuntimeError(f"{self.uri}: the report stylesheet produced no report")
        return str(result)


def _m(exc: Exception) -> str:
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())[:2000]
