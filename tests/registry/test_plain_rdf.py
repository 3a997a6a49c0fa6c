"""A record sent back as plain RDF (as `GET /api/records/{id}` gives it) keeps its pinned files.

Its files are named by their registry URLs and carry their checksums; pinning reads them from
the blob store because the stored version of the same record pins them, and refuses any other
file of the registry (see `tests/security/test_stored_files.py` for the hostile side).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from nif.errors import ArtefactError, FetchError
from nif.registry import PREFIXES, Registry
from tests.registry.conftest import DEMO

BIRTH = "civreg-birth"
FILES = "https://registry.nif.example/files/"
XSD = FILES + "civreg-birth/schemas/2.0.0/birth.xsd"


def turtle(registry: Registry, key: str, fmt: str = "turtle") -> str:
    """The stored record as Turtle (or `fmt`, an rdflib serializer), as the API serves it."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph += registry.read(key).graph
    return graph.serialize(format=fmt)


def resubmit(registry: Registry, text: str) -> None:
    registry.submit(text.encode(), name=f"{BIRTH}.ttl", identifier=BIRTH)


@pytest.fixture
def civreg(registry: Registry, bundle) -> Registry:
    """civreg and its birth interface, submitted with its bundle."""
    registry.submit(DEMO / "agencies" / "civreg.ttl")
    registry.submit(bundle(BIRTH))
    return registry


def test_plain_rdf_sent_back_unchanged_stores_the_same_record(civreg: Registry) -> None:
    before = civreg.read(BIRTH).ntriples()
    result = civreg.submit(turtle(civreg, BIRTH).encode(), name=f"{BIRTH}.ttl")
    assert result.replaced and result.artefacts >= 4
    assert civreg.read(BIRTH).ntriples() == before
    first, second = civreg.versions(BIRTH)
    assert first.sha256 == second.sha256


@pytest.mark.parametrize(
    ("serializer", "fmt"), [("json-ld", "json-ld"), ("xml", "rdf-xml"), ("nt", "ntriples")]
)
def test_every_record_format_comes_back_as_the_same_record(
    civreg: Registry, serializer: str, fmt: str
) -> None:
    before = civreg.read(BIRTH).ntriples()
    civreg.submit(turtle(civreg, BIRTH, serializer).encode(), name=BIRTH, fmt=fmt)
    assert civreg.read(BIRTH).ntriples() == before


def test_a_metadata_edit_needs_no_bundle(civreg: Registry) -> None:
    text = turtle(civreg, BIRTH)
    assert '"Birth registration"@en' in text
    resubmit(civreg, text.replace('"Birth registration"@en', '"Births"@en'))
    stored = civreg.read(BIRTH).ntriples()
    assert b'"Births"@en' in stored and XSD.encode() in stored


def test_a_file_the_stored_version_does_not_pin_is_refused(civreg: Registry) -> None:
    before = civreg.read(BIRTH).ntriples()
    text = turtle(civreg, BIRTH).replace(XSD, XSD.replace("birth.xsd", "births.xsd"))
    with pytest.raises(FetchError, match="no bundle was submitted, and the record's stored"):
        resubmit(civreg, text)
    assert civreg.read(BIRTH).ntriples() == before


def test_another_records_file_is_refused(civreg: Registry, bundle) -> None:
    civreg.submit(bundle("civreg-address"))
    stored = civreg.read("civreg-address").ntriples().decode()
    address = next(u for u in stored.split("<")[1:] if u.startswith(FILES + "civreg-address/"))
    text = turtle(civreg, BIRTH).replace(XSD, address.split(">")[0])
    with pytest.raises(FetchError, match="outside this record's files"):
        resubmit(civreg, text)


def test_a_checksum_that_is_not_the_stored_one_is_refused(civreg: Registry) -> None:
    text = turtle(civreg, BIRTH)
    digest = _pinned(civreg, XSD)
    assert text.count(digest) == 1
    with pytest.raises(ArtefactError, match="the record gives sha256 checksum"):
        resubmit(civreg, text.replace(digest, hashlib.sha256(b"other").hexdigest()))


def test_a_withdrawn_record_cannot_come_back_without_its_files(civreg: Registry) -> None:
    text = turtle(civreg, BIRTH)
    civreg.withdraw(BIRTH)
    with pytest.raises(FetchError, match="no bundle was submitted: submit the folder"):
        resubmit(civreg, text)


def test_a_bundle_that_lacks_a_stored_file_reads_it_as_stored(
    civreg: Registry, tmp_path: Path
) -> None:
    """A bundle that adds a file keeps the files the record already pins, unsent."""
    folder = tmp_path / BIRTH
    (folder / "schemas").mkdir(parents=True)
    shutil.copy(DEMO / "interfaces" / BIRTH / "schemas/2.0.0/birth.xsd", folder / "schemas/x.xsd")
    before = civreg.read(BIRTH).ntriples()
    (folder / "interface.ttl").write_text(turtle(civreg, BIRTH), "utf-8")
    civreg.submit(folder)
    assert civreg.read(BIRTH).ntriples() == before


def _pinned(registry: Registry, url: str) -> str:
    """The sha256 the stored record gives `url`."""
    rows = registry.store.select(
        "PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
        f"SELECT ?v WHERE {{ GRAPH ?g {{ ?a dcat:downloadURL <{url}> ; spdx:checksum ?c . "
        "?c spdx:checksumValue ?v } }"
    )
    return str(rows[0]["v"])
