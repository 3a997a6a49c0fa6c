"""Pinning a record's artefacts: bundle files and fetched documents, their closures, checksums."""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from nif.errors import ArtefactError, CompileError, FetchError, ResolutionError
from nif.registry import _namespaces as ns
from nif.registry._blobs import BlobStore
from nif.registry._pinning import PinnedArtefact, pin_record
from nif.settings import Settings
from nif.validate._artefacts import Artefact, ArtefactSet
from nif.validate._jsonschema import compile_json_schema
from nif.validate._step import Document
from nif.validate._xsd import compile_xsd
from nif.validate.schematron import compile_schematron
from tests.registry.test_fetch import reply, serve

DATA = Path(__file__).parent / "data" / "pinning" / "bundle"
ARTEFACT = "https://registry.nif.example/interface/test-pin/1.0.0/artefact/"
FILES = "https://registry.nif.example/files/test-pin/"
XSD_NODE, JSON_NODE, SCH_NODE = (
    URIRef(ARTEFACT + n) for n in ("person.xsd", "person.json", "person.sch")
)
LOOPBACK = {"fetch_allow_http": True, "fetch_allow_private": True}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A private copy of the test bundle, free to edit."""
    return Path(shutil.copytree(DATA, tmp_path / "bundle"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


@pytest.fixture
def blobs(settings: Settings) -> BlobStore:
    return BlobStore(settings.folder.blobs)


def record(bundle: Path, *replace: tuple[str, str]) -> Graph:
    """interface.ttl edited by `replace` pairs, parsed as submission parses it (base = its URI)."""
    path = bundle / "interface.ttl"
    text = path.read_text("utf-8")
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
    return Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), "utf-8")


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def checksum(graph: Graph, node: URIRef | BNode) -> str:
    """The one sha256 checksum of `node`, checked to have the shape the registry model says."""
    (holder,) = graph.objects(node, ns.SPDX.checksum)
    assert set(graph.predicate_objects(holder)) == {
        (ns.RDF.type, ns.SPDX.Checksum),
        (ns.SPDX.algorithm, ns.SHA256),
        (
            ns.SPDX.checksumValue,
            Literal(str(graph.value(holder, ns.SPDX.checksumValue)), datatype=ns.XSD.hexBinary),
        ),
    }
    return str(graph.value(holder, ns.SPDX.checksumValue))


def parts(graph: Graph, node: URIRef) -> dict[str, str]:
    found = {}
    for part in graph.objects(node, ns.NIF.part):
        assert (part, ns.RDF.type, ns.NIF.ArtefactPart) in graph
        found[str(graph.value(part, ns.DCAT.downloadURL))] = checksum(graph, part)
    return found


def pinned_set(graph: Graph, node: URIRef, blobs: BlobStore) -> ArtefactSet:
    """The artefact set validation builds from a pinned record: contents from blobs only."""
    main = str(graph.value(node, ns.DCAT.downloadURL))
    uris = {main: checksum(graph, node), **parts(graph, node)}
    return ArtefactSet(
        main, {uri: Artefact(uri, blobs.get(digest)) for uri, digest in uris.items()}
    )


def blob_files(blobs: BlobStore) -> list[Path]:
    return sorted(p for p in blobs.root.rglob("*") if p.is_file()) if blobs.root.exists() else []


# --- bundles -------------------------------------------------------------------------------------


def test_bundle_artefacts_and_everything_they_reference_are_pinned(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    graph = record(bundle)
    pinned = pin_record(graph, "test-pin", bundle, blobs, settings)

    expected = {
        XSD_NODE: ("schemas/person.xsd", ["schemas/common.xsd", "schemas/types/address.xsd"]),
        JSON_NODE: (
            "schemas/person.json",
            ["schemas/defs/address.json", "schemas/defs/codes.json"],
        ),
        SCH_NODE: ("rules/person.sch", ["rules/patterns/names.sch"]),
    }
    for node, (main, referenced) in expected.items():
        content = (bundle / main).read_bytes()
        assert graph.value(node, ns.DCAT.downloadURL) == URIRef(FILES + main)
        assert checksum(graph, node) == sha(content)
        assert parts(graph, node) == {FILES + p: sha((bundle / p).read_bytes()) for p in referenced}
        assert blobs.get(sha(content)) == content
        for p in referenced:
            assert blobs.get(sha((bundle / p).read_bytes())) == (bundle / p).read_bytes()
    assert sorted(pinned, key=lambda p: p.node) == [
        PinnedArtefact(str(node), FILES + main, sha((bundle / main).read_bytes()), len(referenced))
        for node, (main, referenced) in sorted(expected.items())
    ]
    assert graph.value(XSD_NODE, ns.DCAT.accessURL) == URIRef(FILES + "schemas/person.xsd")
    assert graph.value(SCH_NODE, ns.DCAT.accessURL) == URIRef(FILES + "rules/")
    assert graph.value(JSON_NODE, ns.DCAT.accessURL) == URIRef(
        "https://schemas.civreg.example.gov/person/"
    )
    assert not [t for triple in graph for t in triple if str(t).startswith("file:")]


def test_the_pinned_blobs_are_all_validation_needs(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    """Built from the record and the blobs alone, each artefact set compiles and validates."""
    graph = record(bundle)
    pin_record(graph, "test-pin", bundle, blobs, settings)
    shutil.rmtree(bundle)

    xml = b'<Person xmlns="urn:nif:test:person" xmlns:a="urn:nif:test:address"><Name> Ann</Name><a:Address>Main St</a:Address></Person>'
    tree = etree.ElementTree(etree.fromstring(xml))
    assert compile_xsd(pinned_set(graph, XSD_NODE, blobs)).check(Document(xml, tree)).findings == []
    rules = compile_schematron(pinned_set(graph, SCH_NODE, blobs)).check(Document(xml, tree))
    assert [f.rule_id for f in rules.findings] == ["name-trimmed"]
    step = compile_json_schema(pinned_set(graph, JSON_NODE, blobs), format_assertions=True)
    text = '{"name": "Ann", "address": {"country": "XX"}}'
    findings = step.check(Document(text.encode(), json=json.loads(text), json_text=text)).findings
    assert [f.location.pointer for f in findings] == ["/address/country"]


def test_pinning_twice_gives_the_same_graph(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    graph = record(bundle)
    first = pin_record(graph, "test-pin", bundle, blobs, settings)
    once = Graph()
    for triple in graph:
        once.add(triple)
    assert pin_record(graph, "test-pin", bundle, blobs, settings) == first
    assert isomorphic(graph, once)
    assert len(graph) == len(once)


def test_a_given_checksum_that_differs_is_refused_and_nothing_is_changed(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    wrong = "0" * 64
    graph = record(
        bundle,
        (
            "dcat:accessURL <schemas/person.xsd> ;",
            "dcat:accessURL <schemas/person.xsd> ; <http://spdx.org/rdf/terms#checksum> [ "
            "a <http://spdx.org/rdf/terms#Checksum> ; "
            "<http://spdx.org/rdf/terms#algorithm> <http://spdx.org/rdf/terms#checksumAlgorithm_sha256> ; "
            f'<http://spdx.org/rdf/terms#checksumValue> "{wrong}" ] ;',
        ),
    )
    before = set(graph)
    actual = sha((bundle / "schemas/person.xsd").read_bytes())
    with pytest.raises(
        ArtefactError,
        match=rf"<{XSD_NODE}>: the record gives sha256 checksum {wrong}, but .* has sha256 {actual}",
    ):
        pin_record(graph, "test-pin", bundle, blobs, settings)
    assert set(graph) == before
    assert blob_files(blobs) == []


def test_a_given_checksum_that_matches_is_kept_once(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    digest = sha((bundle / "schemas/person.xsd").read_bytes())
    graph = record(
        bundle,
        (
            "dcat:accessURL <schemas/person.xsd> ;",
            "dcat:accessURL <schemas/person.xsd> ; <http://spdx.org/rdf/terms#checksum> [ "
            "<http://spdx.org/rdf/terms#algorithm> <http://spdx.org/rdf/terms#checksumAlgorithm_sha256> ; "
            f'<http://spdx.org/rdf/terms#checksumValue> "{digest.upper()}" ] ;',
        ),
    )
    pin_record(graph, "test-pin", bundle, blobs, settings)
    assert checksum(graph, XSD_NODE) == digest


@pytest.mark.parametrize(
    "url", ["../../etc/passwd", "schemas/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "file:///etc/passwd"]
)
def test_files_outside_the_bundle_are_refused(
    bundle: Path, blobs: BlobStore, settings: Settings, url: str
) -> None:
    graph = record(bundle, ("dcat:downloadURL <schemas/person.xsd>", f"dcat:downloadURL <{url}>"))
    with pytest.raises(
        FetchError,
        match=rf"<{XSD_NODE}>: .* outside the bundle \(file:// URLs are refused; ship the file in the bundle\)",
    ):
        pin_record(graph, "test-pin", bundle, blobs, settings)


def test_file_urls_are_refused_without_a_bundle(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    graph = record(bundle)
    with pytest.raises(FetchError, match=r"no bundle was submitted \(file:// URLs are refused"):
        pin_record(graph, "test-pin", None, blobs, settings)


def test_pinned_urls_need_their_bundle(bundle: Path, blobs: BlobStore, settings: Settings) -> None:
    graph = record(bundle)
    pin_record(graph, "test-pin", bundle, blobs, settings)
    with pytest.raises(
        FetchError, match=r"a file of this record's bundle and no bundle was submitted"
    ):
        pin_record(graph, "test-pin", None, blobs, settings)


def test_a_link_leading_out_of_the_bundle_is_refused(
    bundle: Path, blobs: BlobStore, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.xsd"
    outside.write_bytes((bundle / "schemas/common.xsd").read_bytes())
    (bundle / "schemas/common.xsd").unlink()
    (bundle / "schemas/common.xsd").symlink_to(outside)
    with pytest.raises(
        ResolutionError, match=r"'schemas/common.xsd' is a link that leads outside the bundle"
    ):
        pin_record(record(bundle), "test-pin", bundle, blobs, settings)


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("../../../../secret.xsd", r"outside this record's files"),
        ("file:///etc/passwd", r"file:// URLs are refused"),
        ("missing.xsd", r"the bundle has no file 'schemas/missing.xsd'"),
        ("defs", r"'schemas/defs' in the bundle is not a file"),
        ("https://10.0.0.1/address.xsd", r"10.0.0.1 is a private address"),
    ],
)
def test_references_are_held_to_the_same_rules(
    bundle: Path, blobs: BlobStore, settings: Settings, location: str, reason: str
) -> None:
    edit(
        bundle / "schemas/person.xsd",
        'schemaLocation="types/address.xsd"',
        f'schemaLocation="{location}"',
    )
    with pytest.raises(
        ResolutionError, match=rf"<{XSD_NODE}>: .*person.xsd references '{location}': .*{reason}"
    ):
        pin_record(record(bundle), "test-pin", bundle, blobs, settings)


def test_bundle_files_need_a_record_identifier(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    with pytest.raises(ArtefactError, match=r"identifier None cannot name its bundle files"):
        pin_record(record(bundle), None, bundle, blobs, settings)


# --- parse checks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "content", "message"),
    [
        (
            "schemas/person.xsd",
            "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>\n  <xs:element name='a'>\n</xs:schema>",
            r"person.xsd, line 3, column \d+: not a usable XML Schema: not well-formed",
        ),
        (
            "schemas/common.xsd",
            '<?xml version="1.0"?>\n<!DOCTYPE x [\n<!ENTITY e SYSTEM "person.xsd">]>\n<x>&e;</x>',
            r"common.xsd, line 3: not a usable XML Schema: the DOCTYPE declares the external "
            r"entity 'e' \(.*person.xsd\)",
        ),
        (
            "schemas/defs/codes.json",
            '{\n  "enum": ["BE",\n}',
            r"codes.json, line 3, column 1: not a usable JSON Schema: not well-formed JSON",
        ),
        (
            "rules/patterns/names.sch",
            "<sch:pattern xmlns:sch='http://purl.oclc.org/dsdl/schematron'>",
            r"names.sch, line 1, column \d+: not a usable Schematron rule set",
        ),
    ],
)
def test_a_malformed_document_is_refused_saying_where(
    bundle: Path, blobs: BlobStore, settings: Settings, file: str, content: str, message: str
) -> None:
    (bundle / file).write_text(content, "utf-8")
    with pytest.raises(CompileError, match=message):
        pin_record(record(bundle), "test-pin", bundle, blobs, settings)
    assert blob_files(blobs) == []


def test_a_schema_artefact_must_say_what_it_is(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    graph = record(
        bundle,
        (
            "adms:representationTechnique <http://purl.org/adms/representationtechnique/XMLSchema> .",
            ".",
        ),
    )
    with pytest.raises(
        ArtefactError,
        match=rf"<{XSD_NODE}>: needs exactly one adms:representationTechnique .* \(got none\)",
    ):
        pin_record(graph, "test-pin", bundle, blobs, settings)


def test_a_standard_no_message_type_uses_is_pinned_as_it_is(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    (bundle / "spec.pdf").write_bytes(b"%PDF-1.7 not parsed")
    graph = record(bundle)
    spec = URIRef(ARTEFACT + "spec")
    graph.add((spec, ns.RDF.type, URIRef("http://purl.org/dc/terms/Standard")))
    graph.add((spec, ns.DCAT.downloadURL, URIRef((bundle / "spec.pdf").resolve().as_uri())))
    pinned = pin_record(graph, "test-pin", bundle, blobs, settings)
    assert PinnedArtefact(str(spec), FILES + "spec.pdf", sha(b"%PDF-1.7 not parsed"), 0) in pinned


# --- fetched artefacts ---------------------------------------------------------------------------


def files_server(files: dict[str, bytes]) -> Callable[[http.server.BaseHTTPRequestHandler], None]:
    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        if handler.path in files:
            reply(handler, body=files[handler.path], headers={"Content-Type": "application/xml"})
        else:
            reply(handler, 404)

    return respond


def test_a_schema_on_a_server_is_fetched_with_its_relative_imports(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    served = {
        "/xsd/person.xsd": (bundle / "schemas/person.xsd").read_bytes(),
        "/xsd/common.xsd": (bundle / "schemas/common.xsd").read_bytes(),
        "/xsd/types/address.xsd": (bundle / "schemas/types/address.xsd").read_bytes(),
    }
    with serve(files_server(served)) as server:
        url = server.url("/xsd/person.xsd")
        graph = record(
            bundle,
            (
                "dcat:downloadURL <schemas/person.xsd> ;\n  dcat:accessURL <schemas/person.xsd>",
                f"dcat:downloadURL <{url}> ;\n  dcat:accessURL <{url}>",
            ),
        )
        pin_record(graph, "test-pin", bundle, blobs, settings.replace(**LOOPBACK))
    assert sorted(server.paths) == sorted(served)
    assert graph.value(XSD_NODE, ns.DCAT.downloadURL) == URIRef(url)
    assert graph.value(XSD_NODE, ns.DCAT.accessURL) == URIRef(url)
    assert checksum(graph, XSD_NODE) == sha(served["/xsd/person.xsd"])
    assert parts(graph, XSD_NODE) == {
        server.url(p): sha(served[p]) for p in ("/xsd/common.xsd", "/xsd/types/address.xsd")
    }
    assert all(blobs.has(sha(content)) for content in served.values())


def test_a_schema_on_a_loopback_server_is_refused_by_default(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    with serve(files_server({})) as server:
        graph = record(
            bundle,
            (
                "dcat:downloadURL <schemas/person.xsd>",
                f"dcat:downloadURL <{server.url('/person.xsd')}>",
            ),
        )
        with pytest.raises(
            FetchError, match=rf"<{XSD_NODE}>: http://.*/person.xsd: refused: plain http"
        ):
            pin_record(graph, "test-pin", bundle, blobs, settings)
        with pytest.raises(FetchError, match=r"127.0.0.1 is a loopback address"):
            pin_record(graph, "test-pin", bundle, blobs, settings.replace(fetch_allow_http=True))
    assert server.seen == []


def test_a_bundle_schema_importing_a_served_schema(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    """An absolute import from a bundle file is fetched; the served file's relative one too."""
    served = {
        "/shared/address.xsd": b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:nif:test:address"><xs:include schemaLocation="street.xsd"/><xs:element name="Address" type="xs:string"/></xs:schema>',
        "/shared/street.xsd": b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:nif:test:address"/>',
    }
    with serve(files_server(served)) as server:
        edit(
            bundle / "schemas/person.xsd",
            'schemaLocation="types/address.xsd"',
            f'schemaLocation="{server.url("/shared/address.xsd")}"',
        )
        graph = record(bundle)
        pin_record(graph, "test-pin", bundle, blobs, settings.replace(**LOOPBACK))
    assert parts(graph, XSD_NODE) == {
        FILES + "schemas/common.xsd": sha((bundle / "schemas/common.xsd").read_bytes()),
        server.url("/shared/address.xsd"): sha(served["/shared/address.xsd"]),
        server.url("/shared/street.xsd"): sha(served["/shared/street.xsd"]),
    }
    assert sorted(server.paths) == sorted(served)


def test_a_document_referenced_twice_is_fetched_once(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    served = {"/codes.json": (bundle / "schemas/defs/codes.json").read_bytes()}
    with serve(files_server(served)) as server:
        edit(
            bundle / "schemas/defs/address.json",
            '"codes.json"',
            json.dumps(server.url("/codes.json")),
        )
        edit(
            bundle / "schemas/person.json",
            '"type": "string", "minLength": 1',
            f'"$ref": {json.dumps(server.url("/codes.json"))}',
        )
        pin_record(record(bundle), "test-pin", bundle, blobs, settings.replace(**LOOPBACK))
    assert server.paths == ["/codes.json"]


# --- schemas as published ------------------------------------------------------------------------

PERSON = b'<Person xmlns="urn:nif:test:person" xmlns:a="urn:nif:test:address"><Name>Ann</Name><a:Address>Main St</a:Address></Person>'


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_schema_with_an_internal_subset_pins_unchanged_and_compiles(
    bundle: Path, blobs: BlobStore, settings: Settings, version: str
) -> None:
    """Like UBL's xmldsig module: the DOCTYPE declares entities, the schema uses one."""
    address = bundle / "schemas" / "types" / "address.xsd"
    text = address.read_text("utf-8")
    assert 'targetNamespace="urn:nif:test:address"' in text
    text = text.replace('targetNamespace="urn:nif:test:address"', 'targetNamespace="&ns;"')
    head, _, body = text.partition("?>")
    text = f'{head}?>\n<!DOCTYPE xs:schema [\n  <!ENTITY ns "urn:nif:test:address">\n]>{body}'
    address.write_text(text, "utf-8")
    graph = record(bundle)
    pin_record(graph, "test-pin", bundle, blobs, settings)
    uri = FILES + "schemas/types/address.xsd"
    assert parts(graph, XSD_NODE)[uri] == sha(text.encode())
    assert blobs.get(sha(text.encode())) == text.encode()
    tree = etree.ElementTree(etree.fromstring(PERSON))
    step = compile_xsd(pinned_set(graph, XSD_NODE, blobs), version)
    assert step.check(Document(PERSON, tree)).findings == []


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize("location", ["my types/the address.xsd", "my%20types/the%20address.xsd"])
def test_a_schema_location_with_spaces_pins_as_a_uri_and_compiles(
    bundle: Path, blobs: BlobStore, settings: Settings, location: str, version: str
) -> None:
    (bundle / "schemas" / "types").rename(bundle / "schemas" / "my types")
    (bundle / "schemas" / "my types" / "address.xsd").rename(
        bundle / "schemas" / "my types" / "the address.xsd"
    )
    edit(bundle / "schemas" / "person.xsd", "types/address.xsd", location)
    graph = record(bundle)
    pin_record(graph, "test-pin", bundle, blobs, settings)
    content = (bundle / "schemas" / "my types" / "the address.xsd").read_bytes()
    assert parts(graph, XSD_NODE) == {
        FILES + "schemas/common.xsd": sha((bundle / "schemas" / "common.xsd").read_bytes()),
        FILES + "schemas/my%20types/the%20address.xsd": sha(content),
    }
    tree = etree.ElementTree(etree.fromstring(PERSON))
    step = compile_xsd(pinned_set(graph, XSD_NODE, blobs), version)
    assert step.check(Document(PERSON, tree)).findings == []


def test_a_draft_4_schema_is_closed_over_its_references_as_draft_4_resolves_them(
    bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    """No `$schema`, the record says draft 4: its `id` moves the base of its `$ref`s, so the
    referenced file is found (and pinned) where validation will look for it."""
    (bundle / "schemas/person.json").write_text(
        json.dumps(
            {
                "id": "defs/",
                "type": "object",
                "properties": {"address": {"$ref": "address.json#/$defs/Address"}},
            }
        )
    )
    graph = record(
        bundle,
        (
            "dcat:accessURL <https://schemas.civreg.example.gov/person/> ;",
            "dcat:accessURL <https://schemas.civreg.example.gov/person/> ;\n"
            "  dct:conformsTo <http://json-schema.org/draft-04/schema#> ;",
        ),
    )
    pin_record(graph, "test-pin", bundle, blobs, settings)
    assert set(parts(graph, JSON_NODE)) == {
        FILES + "schemas/defs/address.json",
        FILES + "schemas/defs/codes.json",
    }
    step = compile_json_schema(
        pinned_set(graph, JSON_NODE, blobs), format_assertions=True, draft="4"
    )
    text = '{"address": {"country": "XX"}}'
    findings = step.check(Document(text.encode(), json=json.loads(text), json_text=text)).findings
    assert [f.location.pointer for f in findings] == ["/address/country"]
