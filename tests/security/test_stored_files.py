"""A record sent back as plain RDF reads its files from the blob store, which also holds private
certification evidence: only files the stored version of *that* record pinned, at *that* URL,
are ever read (`nif.registry._sources.StoredFiles`).

The attacker can submit records and knows (or guesses) the sha256 of a private blob, and names
it: as the checksum of a made-up file of its own record, as the checksum of a file its record
does pin, through a checksum planted in its stored record outside what pinning wrote, or
through a URL that climbs into another record's files. Each is refused, nothing is stored, and
no refusal shows the blob.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef

from nif.errors import ArtefactError, FetchError, NifError
from nif.registry import DCAT, NIF, PREFIXES, SPDX, BlobStore, Registry, sorted_ntriples
from tests.registry.conftest import (  # noqa: F401
    DEMO,
    bundle,
    make_registry,
    pytest_generate_tests,
    registry,
    settings,
    store_kind,
)
from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401
from tests.web.test_records_api import BIRTH, put

FILES = "https://registry.nif.example/files/"
XSD = FILES + "civreg-birth/schemas/2.0.0/birth.xsd"
PLANTED = FILES + "civreg-birth/evidence.xml"
EXAMPLE = FILES + "civreg-birth/examples/2.0.0/BirthNotification/valid-newborn.xml"
EVIDENCE = b"<evidence>the agency's private answer, with a personal identifier</evidence>"
SECRET = hashlib.sha256(EVIDENCE).hexdigest()
SHA256 = URIRef("http://spdx.org/rdf/terms#checksumAlgorithm_sha256")
MakeServer = Callable[..., LiveServer]


def turtle(graph: Graph) -> str:
    out = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    out += graph
    return out.serialize(format="turtle")


def pinned_digest(graph: Graph, url: str) -> str:
    """The sha256 a pinned record gives the file at `url`."""
    (node,) = graph.subjects(DCAT.downloadURL, URIRef(url))
    (checksum,) = graph.objects(node, SPDX.checksum)
    return str(graph.value(checksum, SPDX.checksumValue))


def moved(graph: Graph, old: str, new: str, digest: str | None = None) -> str:
    """`graph` as Turtle with the file at `old` named `new` (its checksum `digest`)."""
    text = turtle(graph)
    if digest is not None:
        text = text.replace(pinned_digest(graph, old), digest)
    return text.replace(f"<{old}>", f"<{new}>")


@pytest.fixture
def civreg(registry: Registry, bundle) -> Registry:  # noqa: F811 (fixtures)
    """civreg-birth stored with its bundle, and a private blob beside its files."""
    registry.submit(DEMO / "agencies" / "civreg.ttl")
    registry.submit(bundle(BIRTH))
    assert registry.blobs.put(EVIDENCE) == SECRET
    return registry


def refused(civreg: Registry, text: str, error: type[NifError], says: str) -> None:
    before = civreg.read(BIRTH).ntriples()
    with pytest.raises(error, match=says) as caught:
        civreg.submit(text.encode(), name=f"{BIRTH}.ttl", identifier=BIRTH)
    assert EVIDENCE.decode() not in str(caught.value)
    assert civreg.read(BIRTH).ntriples() == before


def test_a_made_up_file_with_a_private_checksum_is_refused(civreg: Registry) -> None:
    text = moved(civreg.read(BIRTH).graph, XSD, PLANTED, SECRET)
    refused(civreg, text, FetchError, "the record's stored version does not pin it")


def test_a_pinned_file_with_a_private_checksum_is_refused(civreg: Registry) -> None:
    text = moved(civreg.read(BIRTH).graph, XSD, XSD, SECRET)
    refused(civreg, text, ArtefactError, f"the record gives sha256 checksum {SECRET}")


def test_a_checksum_planted_beside_what_pinning_wrote_unlocks_nothing(civreg: Registry) -> None:
    """Written around the gate into the stored record: a document node that is no artefact,
    and a part hung on an example (examples have none), both naming the private blob."""
    record = civreg.read(BIRTH)
    sent = {old: moved(record.graph, old, PLANTED) for old in (XSD, EXAMPLE)}
    graph = record.graph
    document = URIRef(record.iri + "/2.0.0/guide")
    example = next(graph.subjects(DCAT.downloadURL, URIRef(EXAMPLE)))
    part = BNode()
    for node in (document, part):
        checksum = BNode()
        graph.add((node, DCAT.downloadURL, URIRef(PLANTED)))
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SHA256))
        graph.add((checksum, SPDX.checksumValue, Literal(SECRET)))
    graph.add((example, NIF.part, part))
    civreg.store.replace_graphs({record.iri: sorted_ntriples(graph)})
    for text in sent.values():
        refused(civreg, text, FetchError, "the record's stored version does not pin it")


def test_a_graph_that_is_no_record_pins_nothing(civreg: Registry) -> None:
    """A graph nif wrote that is no record (a run's, say) at the IRI a new record takes, with
    an artefact-like node naming the private blob: the new record is refused, unread."""
    iri = URIRef("https://registry.nif.example/interface/civreg-notes")
    artefact, checksum = URIRef(f"{iri}/1.0.0/artefact/notes.xsd"), BNode()
    planted = Graph()
    planted.add((URIRef(f"{iri}/1.0.0/Notes"), NIF.schema, artefact))
    planted.add((artefact, DCAT.downloadURL, URIRef(FILES + "civreg-notes/notes.xsd")))
    planted.add((artefact, SPDX.checksum, checksum))
    planted.add((checksum, SPDX.algorithm, SHA256))
    planted.add((checksum, SPDX.checksumValue, Literal(SECRET)))
    civreg.store.replace_graphs({str(iri): sorted_ntriples(planted)})
    text = (
        "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n"
        f'<{iri}> a dcat:DataService ; dct:identifier "civreg-notes" ;\n'
        f"  <{NIF.messageType}> <{iri}/1.0.0/Notes> .\n"
        f"<{iri}/1.0.0/Notes> <{NIF.schema}> <{artefact}> .\n"
        f"<{artefact}> dcat:downloadURL <{FILES}civreg-notes/notes.xsd> ;\n"
        "  <http://www.w3.org/ns/adms#representationTechnique>"
        " <http://purl.org/adms/representationtechnique/XMLSchema> .\n"
    )
    with pytest.raises(FetchError, match="no bundle was submitted: submit") as caught:
        civreg.submit(text.encode(), name="civreg-notes.ttl")
    assert EVIDENCE.decode() not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        FILES + "civreg-birth/../civreg-address/schemas/1.0.0/address.xsd",
        FILES + "civreg-birth/%2e%2e/civreg-address/schemas/1.0.0/address.xsd",
        FILES + "civreg-address/schemas/1.0.0/address.xsd",
        FILES + "civreg-birthday/schemas/2.0.0/birth.xsd",
    ],
    ids=["dot-dot", "encoded-dot-dot", "other-record", "prefix-of-another"],
)
def test_a_url_into_another_records_files_is_refused(civreg: Registry, url: str) -> None:
    text = moved(civreg.read(BIRTH).graph, XSD, url)
    refused(civreg, text, FetchError, "refused|does not pin it")


def test_the_api_refuses_a_private_checksum_with_a_json_error(
    make_server: MakeServer,  # noqa: F811 (the fixture)
) -> None:
    live = make_server(validation_workers=1)
    BlobStore(live.settings.folder.blobs).put(EVIDENCE)
    with live.client() as reader, live.client(live.token("publisher", "civreg")) as civreg:
        record = reader.get(f"/api/records/{BIRTH}", params={"format": "ntriples"})
        graph = Graph().parse(data=record.text, format="nt")
        answer = put(civreg, BIRTH, moved(graph, XSD, PLANTED, SECRET).encode(), "text/turtle")
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"] == "artefact"
        assert "does not pin it" in answer.json()["message"]
        assert "private answer" not in answer.text
        again = reader.get(f"/api/records/{BIRTH}", params={"format": "ntriples"})
        assert again.text == record.text
