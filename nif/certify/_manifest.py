"""Finding nif's conformance suites and reading one from its manifest.

A suite is a folder `conformance/<interface>/<version>/` holding `manifest.ttl`, an `mf:Manifest`
(the W3C test manifest vocabulary) whose `mf:entries` list `earl:TestCase`s, and the message files
its cases send. Each case is a `nif:ProduceTest`, a `nif:ConsumeTest` or a `nif:RejectTest`
(`CaseKind`). Every error names the manifest and the node.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from nif.certify._namespaces import MF
from nif.certify._suite import MANIFEST, Assertion, CaseKind, Suite, SuiteFile, TestCase
from nif.errors import InputError, NifError, NotFoundError
from nif.registry import DCTERMS, EARL, NIF, parse_records, suite_base
from nif.resources import data_folder
from nif.settings import Settings

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
"""What an interface, version and case identifier may be: never a path."""
_POINTER = re.compile(r"(/([^~/]|~[01])*)*")

_KINDS = {
    NIF.ProduceTest: CaseKind.PRODUCE,
    NIF.ConsumeTest: CaseKind.CONSUME,
    NIF.RejectTest: CaseKind.REJECT,
}


def suites_folder() -> Path:
    """The `conformance/` folder shipped with nif."""
    folder = data_folder("conformance")
    if not isinstance(folder, Path):
        raise NifError(f"nif's conformance suites are not on the file system ({folder})")
    return folder


def available(root: Path | None = None) -> list[tuple[str, str]]:
    """(interface, version) of every suite under `root` (default: nif's), sorted."""
    root = root or suites_folder()
    return sorted(
        (m.parent.parent.name, m.parent.name) for m in root.glob(f"*/*/{MANIFEST}") if m.is_file()
    )


def find_suite(
    interface: str, version: str, root: Path | None = None, settings: Settings | None = None
) -> Suite:
    """The suite of `interface`@`version` under `root` (default: nif's); `NotFoundError`."""
    for name in (interface, version):
        if not NAME.fullmatch(name) or ".." in name:
            raise NotFoundError(
                f"no conformance suite for {interface}@{version}: bad name {name!r}"
            )
    root = root or suites_folder()
    folder = root / interface / version
    if not (folder / MANIFEST).is_file():
        versions = sorted(v for i, v in available(root) if i == interface)
        have = f" (suites: {', '.join(versions)})" if versions else ""
        raise NotFoundError(f"no conformance suite for {interface}@{version}{have}")
    return load_suite(folder, settings)


def load_suite(folder: Path, settings: Settings | None = None) -> Suite:
    """Parse `folder/manifest.ttl` and read its files; `InputError` saying what is wrong."""
    settings = settings or Settings.defaults()
    folder = folder.resolve()
    interface, version = folder.parent.name, folder.name
    manifest = folder / MANIFEST
    source = str(manifest)
    try:
        content = manifest.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read the manifest: {exc.strerror or exc}") from None
    base = suite_base(settings, interface, version)
    graph = parse_records(
        content, source=source, fmt=ox.RdfFormat.TURTLE, base_iri=base + MANIFEST, settings=settings
    )
    reader = _Reader(graph, source, folder, base, settings)
    node = reader.manifest()
    cases = tuple(reader.case(entry) for entry in reader.entries(node))
    seen: set[str] = set()
    for case in cases:
        if case.identifier in seen:
            raise InputError(f"{source}: two cases have the identifier {case.identifier!r}")
        seen.add(case.identifier)
    return Suite(
        interface=interface,
        version=version,
        iri=str(node),
        title=reader.text(node, RDFS.label, required=False),
        description=reader.text(node, RDFS.comment, required=False),
        cases=cases,
        files=(SuiteFile(MANIFEST, content), *reader.files.values()),
    )


class _Reader:
    """Reads one parsed manifest; every error names the file and the node."""

    def __init__(
        self, graph: Graph, source: str, folder: Path, base: str, settings: Settings
    ) -> None:
        self.graph = graph
        self.source = source
        self.folder = folder
        self.base = base
        self.settings = settings
        self.files: dict[str, SuiteFile] = {}

    def fail(self, node: Node | None, message: str) -> InputError:
        where = f" {_show(node)}" if node is not None else ""
        return InputError(f"{self.source}:{where} {message}")

    def manifest(self) -> Node:
        nodes = sorted(self.graph.subjects(RDF.type, MF.Manifest), key=str)
        if len(nodes) != 1:
            raise self.fail(None, f"expected one mf:Manifest, found {len(nodes)}")
        return nodes[0]

    def entries(self, manifest: Node) -> list[Node]:
        heads = list(self.graph.objects(manifest, MF.entries))
        if len(heads) != 1:
            raise self.fail(manifest, "needs one mf:entries list of test cases")
        cells: list[Node] = []
        entries: list[Node] = []
        node = heads[0]
        while node != RDF.nil:
            first = list(self.graph.objects(node, RDF.first))
            rest = list(self.graph.objects(node, RDF.rest))
            if len(first) != 1 or len(rest) != 1 or node in cells:
                raise self.fail(manifest, "mf:entries is not a well-formed RDF list ( ... )")
            cells.append(node)
            entries.append(first[0])
            node = rest[0]
        if not entries:
            raise self.fail(manifest, "mf:entries lists no test case")
        return entries

    def case(self, node: Node) -> TestCase:
        types = set(self.graph.objects(node, RDF.type))
        if EARL.TestCase not in types:
            raise self.fail(node, "is listed in mf:entries but is not an earl:TestCase")
        kinds = [kind for cls, kind in _KINDS.items() if cls in types]
        if len(kinds) != 1:
            raise self.fail(
                node, "needs exactly one kind: nif:ProduceTest, nif:ConsumeTest or nif:RejectTest"
            )
        kind = kinds[0]
        identifier = self.text(node, DCTERMS.identifier)
        if not NAME.fullmatch(identifier):
            raise self.fail(node, f"identifier {identifier!r} must match {NAME.pattern}")
        expected = self.iri(node, NIF.expectedType, required=kind is not CaseKind.REJECT)
        sent = self.iri(node, NIF.sentType, required=kind is not CaseKind.PRODUCE)
        message = self.file(node, kind)
        assertions = tuple(
            sorted(
                (self.assertion(a) for a in self.graph.objects(node, NIF.assertion)),
                key=lambda a: (a.language, a.expression, a.expected or ""),
            )
        )
        statuses = tuple(
            sorted(self.status(s) for s in self.graph.objects(node, NIF.refusalStatus))
        )
        refusal_types = tuple(
            sorted(str(self.node_iri(node, t)) for t in self.graph.objects(node, NIF.refusalType))
        )
        if kind is CaseKind.PRODUCE and sent is not None:
            raise self.fail(node, "a produce case sends nothing: remove nif:sentType")
        if kind is CaseKind.REJECT:
            if expected is not None:
                raise self.fail(
                    node,
                    "a reject case expects a refusal: use nif:refusalStatus or "
                    "nif:refusalType, not nif:expectedType",
                )
            if assertions and not refusal_types:
                raise self.fail(
                    node,
                    "a reject case's nif:assertion checks an answer of a refusal type: "
                    "add nif:refusalType, or remove the assertion",
                )
            if not statuses and not refusal_types:
                raise self.fail(
                    node,
                    "a reject case needs what counts as a refusal: nif:refusalStatus "
                    "(an HTTP status) and/or nif:refusalType (an error message type)",
                )
        elif statuses or refusal_types:
            raise self.fail(node, f"only reject cases have refusals, not a {kind} case")
        return TestCase(
            iri=str(node),
            identifier=identifier,
            title=self.text(node, DCTERMS.title),
            description=self.text(node, DCTERMS.description),
            kind=kind,
            mandatory=self.mandatory(node),
            expected_type=expected,
            sent_type=sent,
            message=message,
            assertions=assertions,
            refusal_statuses=statuses,
            refusal_types=refusal_types,
        )

    def text(self, node: Node, prop: URIRef, required: bool = True) -> str:
        """The value in English or without a language (else any), as a string."""
        values = [v for v in self.graph.objects(node, prop) if isinstance(v, Literal)]
        if not values:
            if required:
                raise self.fail(node, f"needs a {_qname(prop)}")
            return ""
        values.sort(key=lambda v: (v.language not in (None, "en"), v.language or "", str(v)))
        return str(values[0])

    def iri(self, node: Node, prop: URIRef, required: bool) -> str | None:
        values = list(self.graph.objects(node, prop))
        if not values:
            if required:
                raise self.fail(node, f"needs a {_qname(prop)} (a message type IRI)")
            return None
        if len(values) > 1:
            raise self.fail(node, f"has {len(values)} values of {_qname(prop)}; give one")
        return str(self.node_iri(node, values[0]))

    def node_iri(self, node: Node, value: Node) -> URIRef:
        if not isinstance(value, URIRef):
            raise self.fail(node, f"{value!r} must be the IRI of a registry message type")
        return value

    def mandatory(self, node: Node) -> bool:
        values = list(self.graph.objects(node, NIF.mandatory))
        if len(values) != 1 or not (
            isinstance(values[0], Literal) and values[0].datatype == XSD.boolean
        ):
            raise self.fail(node, "needs one nif:mandatory true or false")
        return bool(values[0].toPython())

    def status(self, value: Node) -> int:
        number = value.toPython() if isinstance(value, Literal) else None
        if not isinstance(number, int) or isinstance(number, bool) or not 400 <= number <= 599:
            raise self.fail(
                None, f"nif:refusalStatus {value} is not an HTTP error status (4xx/5xx)"
            )
        return number

    def file(self, node: Node, kind: CaseKind) -> str | None:
        """The suite-relative path of the case's `mf:action`, read into `self.files`."""
        values = list(self.graph.objects(node, MF.action))
        if kind is CaseKind.PRODUCE:
            if values:
                raise self.fail(node, "a produce case sends nothing: remove mf:action")
            return None
        if len(values) != 1 or not isinstance(values[0], URIRef):
            raise self.fail(node, "needs one mf:action: the file of the message nif sends")
        iri = str(values[0])
        if not iri.startswith(self.base) or "?" in iri or "#" in iri:
            raise self.fail(node, f"mf:action <{iri}> is not a file of the suite folder")
        relative = urllib.parse.unquote(iri[len(self.base) :])
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder) or path == self.folder:
            raise self.fail(node, f"mf:action {relative!r} is outside the suite folder")
        relative = path.relative_to(self.folder).as_posix()
        if relative == MANIFEST:
            raise self.fail(node, "mf:action cannot be the manifest itself")
        if relative not in self.files:
            try:
                size = path.stat().st_size
                if size > self.settings.validation.max_message_bytes:
                    raise self.fail(node, f"{relative} is larger than max_message_bytes")
                self.files[relative] = SuiteFile(relative, path.read_bytes())
            except OSError as exc:
                raise self.fail(node, f"cannot read {relative}: {exc.strerror or exc}") from None
        return relative

    def assertion(self, node: Node) -> Assertion:
        xpath = [str(v) for v in self.graph.objects(node, NIF.xpath)]
        pointer = [str(v) for v in self.graph.objects(node, NIF.jsonPointer)]
        expected = [str(v) for v in self.graph.objects(node, NIF.expectedValue)]
        if len(xpath) + len(pointer) != 1:
            raise self.fail(node, "an assertion needs one nif:xpath or one nif:jsonPointer")
        if len(expected) > 1:
            raise self.fail(node, "an assertion has at most one nif:expectedValue")
        namespaces = self.declared(node)
        if xpath:
            language, expression = "xpath", xpath[0]
            try:
                etree.XPath(expression, namespaces=dict(namespaces))
            except etree.XPathSyntaxError as exc:
                raise self.fail(node, f"nif:xpath {expression!r} is not XPath 1.0: {exc}") from None
            used = set(re.findall(r"([A-Za-z_][\w.-]*):(?![:/])", expression))
            missing = sorted(used - {p for p, _ in namespaces})
            if missing:
                raise self.fail(
                    node,
                    f"nif:xpath {expression!r} uses prefix(es) {', '.join(missing)} "
                    "that no sh:declare declares",
                )
        else:
            language, expression = "json-pointer", pointer[0]
            if namespaces:
                raise self.fail(node, "a nif:jsonPointer assertion declares no prefixes")
            if not _POINTER.fullmatch(expression):
                raise self.fail(node, f"nif:jsonPointer {expression!r} is not a JSON Pointer")
        return Assertion(
            language=language,
            expression=expression,
            expected=expected[0] if expected else None,
            namespaces=namespaces,
            description=self.text(node, DCTERMS.description, required=False),
        )

    def declared(self, node: Node) -> tuple[tuple[str, str], ...]:
        pairs = set()
        for declare in self.graph.objects(node, SH.declare):
            prefix = self.graph.value(declare, SH.prefix)
            namespace = self.graph.value(declare, SH.namespace)
            if prefix is None or namespace is None:
                raise self.fail(node, "each sh:declare needs an sh:prefix and an sh:namespace")
            pairs.add((str(prefix), str(namespace)))
        return tuple(sorted(pairs))


def _show(node: Node) -> str:
    if isinstance(node, URIRef):
        fragment = str(node).rpartition("#")[2]
        return f"case <#{fragment}>" if "#" in str(node) else f"<{node}>"
    if isinstance(node, BNode):
        return "a blank node"
    return str(node)


def _qname(prop: URIRef) -> str:
    for prefix, ns in (("nif:", NIF), ("dct:", DCTERMS), ("rdfs:", RDFS), ("mf:", MF)):
        if str(prop).startswith(str(ns)):
            return prefix + str(prop)[len(str(ns)) :]
    return f"<{prop}>"
