"""The demo registry as files: records parse, bundles are complete, examples get their verdicts.

Checked with rdflib and the validator alone (no store, no detection code), so the demo stands on
its own: every example message must get the verdict its name promises when validated against its
message type's artefacts, and the root QName + discriminator declared for each message type must
pick that message type, and no other, for each of its examples.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
from lxml import etree
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH
from rdflib.term import Node

from nif.registry._namespaces import ADMS, NIF
from nif.report import Report, Verdict
from nif.validate import Profile, validate
from nif.validate._json_references import load_json_schema
from nif.validate._xsd import load_xsd

DCAT = Namespace("http://www.w3.org/ns/dcat#")
"""DCAT 3 (rdflib's closed DCAT namespace warns on dcat:version, dcat:hasVersion, ...)."""
REGISTRY = Path(__file__).resolve().parents[2] / "registry"
BASE = "https://registry.nif.example/"
JSON = URIRef("https://www.iana.org/assignments/media-types/application/json")
XSD_TECHNIQUE = URIRef("http://purl.org/adms/representationtechnique/XMLSchema")
SCHEMATRON_TECHNIQUE = URIRef("http://purl.org/adms/representationtechnique/Schematron")
JSON_SCHEMA_TECHNIQUE = URIRef("https://w3id.org/nif/concept/representation-technique/JSONSchema")
JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"
VC_MIN_VERSION = "{http://www.w3.org/2007/XMLSchema-versioning}minVersion"


@dataclasses.dataclass(frozen=True)
class Discriminator:
    path: str
    value: str
    namespaces: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class MessageType:
    interface: str
    version: str
    identifier: str
    media: str
    root: tuple[str, str] | None
    discriminator: Discriminator | None
    schema: Path
    rules: tuple[Path, ...]
    phase: str | None

    @property
    def name(self) -> str:
        return f"{self.interface}@{self.version}/{self.identifier}"

    @property
    def examples(self) -> Path:
        return (
            REGISTRY / "interfaces" / self.interface / "examples" / self.version / self.identifier
        )

    @property
    def specificity(self) -> int:
        return 1 if self.discriminator else 0


def _agency_files() -> list[Path]:
    return sorted((REGISTRY / "agencies").glob("*.ttl"))


def _interface_files() -> list[Path]:
    return sorted((REGISTRY / "interfaces").glob("*/interface.ttl"))


@cache
def _graph(path: Path) -> Graph:
    """The record, relative IRIs resolved against its file (so they name bundle files)."""
    return Graph().parse(path, format="turtle")


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node:
    values = list(graph.objects(subject, predicate))
    assert len(values) == 1, f"{subject} needs exactly one {predicate}, has {values}"
    return values[0]


def _file(graph: Graph, artefact: Node) -> Path:
    """The bundle file an artefact's relative dcat:downloadURL names."""
    parsed = urlparse(str(_one(graph, artefact, DCAT.downloadURL)))
    assert parsed.scheme == "file", f"{artefact} is not a file of the bundle"
    return Path(url2pathname(parsed.path))


def _discriminator(graph: Graph, mt: Node) -> Discriminator | None:
    node = graph.value(mt, NIF.discriminator)
    if node is None:
        return None
    namespaces = tuple(
        sorted(
            (str(graph.value(d, SH.prefix)), str(graph.value(d, SH.namespace)))
            for d in graph.objects(node, SH.declare)
        )
    )
    return Discriminator(
        str(_one(graph, node, NIF.path)), str(_one(graph, node, NIF.value)), namespaces
    )


@cache
def _message_types() -> tuple[MessageType, ...]:
    found = []
    for path in _interface_files():
        graph = _graph(path)
        interface = path.parent.name
        for version in graph.subjects(RDF.type, NIF.InterfaceVersion):
            semver = str(_one(graph, version, DCAT.version))
            for mt in graph.objects(version, NIF.messageType):
                namespace, name = graph.value(mt, NIF.rootNamespace), graph.value(mt, NIF.rootName)
                phase = graph.value(mt, NIF.schematronPhase)
                found.append(
                    MessageType(
                        interface=interface,
                        version=semver,
                        identifier=str(_one(graph, mt, DCTERMS.identifier)),
                        media="json" if _one(graph, mt, DCAT.mediaType) == JSON else "xml",
                        root=(str(namespace), str(name)) if name is not None else None,
                        discriminator=_discriminator(graph, mt),
                        schema=_file(graph, _one(graph, mt, NIF.schema)),
                        rules=tuple(sorted(_file(graph, r) for r in graph.objects(mt, NIF.rules))),
                        phase=str(phase) if phase is not None else None,
                    )
                )
    return tuple(sorted(found, key=lambda m: m.name))


def _examples() -> list[tuple[MessageType, Path]]:
    return [
        (mt, example)
        for mt in _message_types()
        for example in sorted(mt.examples.glob("*"))
        if example.is_file()
    ]


EXAMPLES = _examples()


def _profile(mt: MessageType) -> Profile:
    if mt.media == "json":
        return Profile.from_files(json_schema=mt.schema, name=mt.name)
    return Profile.from_files(
        xsd=mt.schema, schematron=[(rules, mt.phase) for rules in mt.rules], name=mt.name
    )


def _report(mt: MessageType, example: Path) -> Report:
    return validate(example.read_bytes(), _profile(mt), source=str(example))


def _is_xml(mt: MessageType) -> bool:
    return mt.media == "xml"


def _matches(mt: MessageType, content: bytes) -> bool:
    """Whether the registry's detection keys of `mt` fit this message."""
    if content.lstrip().startswith(b"<"):
        if not _is_xml(mt):
            return False
        root = etree.fromstring(content)
        if mt.root != (etree.QName(root).namespace or "", etree.QName(root).localname):
            return False
        if mt.discriminator is None:
            return True
        found = root.getroottree().xpath(
            f"string({mt.discriminator.path})", namespaces=dict(mt.discriminator.namespaces)
        )
        return found == mt.discriminator.value
    if _is_xml(mt) or mt.discriminator is None:
        return False
    node = json.loads(content)
    for token in mt.discriminator.path.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return node == mt.discriminator.value


def _ids(pairs: list[tuple[MessageType, Path]]) -> list[str]:
    return [f"{mt.name}/{example.name}" for mt, example in pairs]


# Records ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", _agency_files() + _interface_files(), ids=lambda p: p.parent.name + "/" + p.name
)
def test_every_record_parses(path: Path) -> None:
    assert len(_graph(path)) > 0


def _concepts(predicate: URIRef) -> set[str]:
    """The local names of the concepts the interface records use with `predicate`."""
    return {
        str(concept).rsplit("/", 1)[-1]
        for path in _interface_files()
        for concept in _graph(path).objects(None, predicate)
    }


def test_the_demo_has_enough_of_everything() -> None:
    versions = [
        list(_graph(p).subjects(RDF.type, NIF.InterfaceVersion)) for p in _interface_files()
    ]
    assert len(_agency_files()) >= 5
    assert len(_interface_files()) >= 8
    assert sum(len(v) > 1 for v in versions) >= 2
    assert {"UnderDevelopment", "Completed", "Deprecated"} <= _concepts(ADMS.status)
    assert _concepts(NIF.direction) == {"request", "response", "notification"}
    assert _concepts(NIF.transport) == {"rest", "soap", "as4", "sftp", "mq"}


@pytest.mark.parametrize("path", _agency_files(), ids=lambda p: p.stem)
def test_agency_follows_the_iri_convention(path: Path) -> None:
    graph = _graph(path)
    agency = URIRef(f"{BASE}agency/{path.stem}")
    assert (agency, DCTERMS.identifier, Literal(path.stem)) in graph
    assert set(graph.subjects(DCTERMS.identifier, None)) == {agency}


@pytest.mark.parametrize("path", _interface_files(), ids=lambda p: p.parent.name)
def test_interface_follows_the_iri_convention(path: Path) -> None:
    graph = _graph(path)
    ident = path.parent.name
    interface = URIRef(f"{BASE}interface/{ident}")
    assert (interface, DCTERMS.identifier, Literal(ident)) in graph
    publisher = _one(graph, interface, DCTERMS.publisher)
    assert (REGISTRY / "agencies" / f"{str(publisher).rsplit('/', 1)[1]}.ttl").is_file()
    versions = set(graph.objects(interface, DCAT.hasVersion))
    assert versions == set(graph.subjects(RDF.type, NIF.InterfaceVersion))
    assert _one(graph, interface, DCAT.hasCurrentVersion) in versions
    for version in versions:
        assert version == URIRef(f"{interface}/{_one(graph, version, DCAT.version)}")
        assert _one(graph, version, DCTERMS.publisher) == publisher
        for mt in graph.objects(version, NIF.messageType):
            assert mt == URIRef(f"{version}/{_one(graph, mt, DCTERMS.identifier)}")
            for artefact in (*graph.objects(mt, NIF.schema), *graph.objects(mt, NIF.rules)):
                assert str(artefact).startswith(f"{version}/artefact/")
    for service in graph.subjects(RDF.type, DCAT.DataService):
        assert str(_one(graph, service, DCAT.endpointURL)).startswith("https://")


@pytest.mark.parametrize("path", _interface_files(), ids=lambda p: p.parent.name)
def test_every_artefact_is_a_file_of_the_bundle(path: Path) -> None:
    graph = _graph(path)
    artefacts = set(graph.objects(None, NIF.schema)) | set(graph.objects(None, NIF.rules))
    examples = set(graph.objects(None, NIF.example))
    assert artefacts | examples == set(graph.subjects(RDF.type, DCAT.Distribution))
    for artefact in artefacts:
        assert _one(graph, artefact, DCAT.accessURL) == _one(graph, artefact, DCAT.downloadURL)
        file = _file(graph, artefact)
        assert file.is_file(), f"{artefact}: {file} is missing"
        assert file.is_relative_to(path.parent / "schemas")


@pytest.mark.parametrize("path", _interface_files(), ids=lambda p: p.parent.name)
def test_every_example_file_is_registered_and_every_registered_example_exists(
    path: Path,
) -> None:
    """An example is `nif:example` of the message type whose examples folder holds it, titled
    with its file name, expecting the verdict its name starts with, in its message type's
    media type."""
    graph = _graph(path)
    registered = set()
    for mt in graph.subjects(RDF.type, NIF.MessageType):
        [listed] = graph.subjects(NIF.messageType, mt)
        version = _one(graph, listed, DCAT.version)
        folder = path.parent / "examples" / str(version) / str(_one(graph, mt, DCTERMS.identifier))
        for example in graph.objects(mt, NIF.example):
            file = _file(graph, example)
            assert file.is_file(), f"{example}: {file} is missing"
            assert file.parent == folder, f"{example}: {file} is not in {folder}"
            assert example == URIRef(f"{mt}/example/{file.name}")
            assert _one(graph, example, DCTERMS.title) == Literal(file.name)
            assert _one(graph, example, DCAT.accessURL) == _one(graph, example, DCAT.downloadURL)
            verdict = str(_one(graph, example, NIF.expectedVerdict))
            assert verdict in ("valid", "invalid") and file.name.startswith(f"{verdict}-")
            assert _one(graph, example, DCAT.mediaType) == _one(graph, mt, DCAT.mediaType)
            registered.add(file)
    on_disk = {f for f in (path.parent / "examples").rglob("*") if f.is_file()}
    assert on_disk == registered, f"not registered: {sorted(on_disk - registered)}"


def test_all_demo_examples_are_registered() -> None:
    registered = [e for p in _interface_files() for e in _graph(p).objects(None, NIF.example)]
    assert len(registered) == len(EXAMPLES) == 89


def test_techniques_match_the_artefacts() -> None:
    for path in _interface_files():
        graph = _graph(path)
        for mt in graph.subjects(RDF.type, NIF.MessageType):
            media = _one(graph, mt, DCAT.mediaType)
            schema = _one(graph, mt, NIF.schema)
            technique = _one(graph, schema, ADMS.representationTechnique)
            assert technique == (JSON_SCHEMA_TECHNIQUE if media == JSON else XSD_TECHNIQUE)
            for rules in graph.objects(mt, NIF.rules):
                assert _one(graph, rules, ADMS.representationTechnique) == SCHEMATRON_TECHNIQUE


# Artefacts --------------------------------------------------------------------------------------


def test_the_demo_exercises_every_kind_of_artefact() -> None:
    xml = [mt for mt in _message_types() if _is_xml(mt)]
    json_types = [mt for mt in _message_types() if not _is_xml(mt)]
    xsd_versions = {mt.schema: etree.parse(mt.schema).getroot().get(VC_MIN_VERSION) for mt in xml}
    assert "1.1" in xsd_versions.values()
    assert None in xsd_versions.values()
    assert any(len(load_xsd(schema).parts) > 1 for schema in xsd_versions)
    assert all(mt.rules for mt in xml if xsd_versions[mt.schema] is None)
    bindings = {etree.parse(r).getroot().get("queryBinding") for mt in xml for r in mt.rules}
    assert {"xslt", "xslt2"} <= bindings
    for mt in json_types:
        assert json.loads(mt.schema.read_bytes())["$schema"] == JSON_SCHEMA_2020_12
    assert any(len(load_json_schema(mt.schema).parts) > 1 for mt in json_types)
    kinds = {"xml-path": False, "json-pointer": False}
    for mt in _message_types():
        if mt.discriminator:
            kinds["xml-path" if _is_xml(mt) else "json-pointer"] = True
    assert all(kinds.values())


# Examples ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mt", _message_types(), ids=lambda m: m.name)
def test_every_message_type_has_valid_and_invalid_examples(mt: MessageType) -> None:
    suffix = ".xml" if _is_xml(mt) else ".json"
    names = [p.name for p in mt.examples.glob("*")]
    assert any(n.startswith("valid-") for n in names), f"{mt.name}: no valid example"
    assert any(n.startswith("invalid-") for n in names), f"{mt.name}: no invalid example"
    assert all(n.startswith(("valid-", "invalid-")) and n.endswith(suffix) for n in names), names


def test_every_example_folder_belongs_to_a_message_type() -> None:
    folders = {p.parent for p in (REGISTRY / "interfaces").glob("*/examples/*/*/*")}
    assert folders == {mt.examples for mt in _message_types()}


@pytest.mark.parametrize(("mt", "example"), EXAMPLES, ids=_ids(EXAMPLES))
def test_every_example_gets_the_verdict_its_name_promises(mt: MessageType, example: Path) -> None:
    report = _report(mt, example)
    expected = Verdict.VALID if example.name.startswith("valid-") else Verdict.INVALID
    assert report.verdict is expected, [(f.rule_id, f.message) for f in report.findings]
    assert all(f.rule_id for f in report.findings)


def test_the_xsd_11_examples_fail_by_their_assertions() -> None:
    xsd11 = [
        mt
        for mt in _message_types()
        if _is_xml(mt) and etree.parse(mt.schema).getroot().get(VC_MIN_VERSION) == "1.1"
    ]
    assert xsd11
    for mt in xsd11:
        invalid = sorted(mt.examples.glob("invalid-*"))
        rule_ids = [{f.rule_id for f in _report(mt, example).findings} for example in invalid]
        assert {"xsd11:assert"} in rule_ids, (
            f"{mt.name}: no invalid example fails by an assertion alone"
        )


@pytest.mark.parametrize(("mt", "example"), EXAMPLES, ids=_ids(EXAMPLES))
def test_detection_picks_the_message_type_of_every_example(mt: MessageType, example: Path) -> None:
    content = example.read_bytes()
    candidates = [other for other in _message_types() if _matches(other, content)]
    assert mt in candidates, f"{example}: root or discriminator of {mt.name} do not match"
    rivals = [o for o in candidates if o != mt and o.specificity >= mt.specificity]
    assert not rivals, f"{example}: as specific a match as {mt.name}: {[o.name for o in rivals]}"


def test_message_types_sharing_a_root_have_discriminators() -> None:
    by_root: dict[tuple[str, str], list[MessageType]] = {}
    for mt in _message_types():
        if mt.root:
            by_root.setdefault(mt.root, []).append(mt)
    for group in by_root.values():
        if len(group) > 1:
            keys = [(m.discriminator.path, m.discriminator.value) for m in group if m.discriminator]
            assert len(keys) == len(set(keys)) == len(group), [m.name for m in group]
    json_keys = [
        (mt.discriminator.path, mt.discriminator.value)
        for mt in _message_types()
        if not _is_xml(mt) and mt.discriminator
    ]
    assert len(json_keys) == len(set(json_keys)) == sum(not _is_xml(m) for m in _message_types())
