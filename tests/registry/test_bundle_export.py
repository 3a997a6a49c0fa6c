"""`Registry.bundle`: a stored record and its files as the zip it was submitted as.

Each demo interface, loaded from `registry/`, comes back as its folder: the same files with the
same bytes, the record naming them by relative URLs, without what pinning added. The zip alone
(no stored version to fall back on) registers the same record in a fresh registry.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from nif.errors import NotFoundError, RegistryError
from nif.registry import NIF, SPDX, Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.registry.conftest import DEMO

pytestmark = pytest.mark.slow  # the demo registry, loaded and checked
INTERFACES = sorted(p.name for p in (DEMO / "interfaces").iterdir() if p.is_dir())
AGENCIES = sorted((DEMO / "agencies").glob("*.ttl"))
SCHEMA = "schemas/1.0.0/inspection-result.schema.json"


def open_registry(home: Path) -> Registry:
    return Registry(EmbeddedStore(home / "store"), Settings(home=home, actor="tester"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    registry = open_registry(tmp_path_factory.mktemp("demo"))
    loaded = registry.load_folder(DEMO, workers=1)
    assert loaded.rejected == [], loaded.report.text()
    yield registry
    registry.close()


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry holding the demo agencies only."""
    registry = open_registry(tmp_path_factory.mktemp("fresh"))
    for path in AGENCIES:
        registry.submit(path)
    yield registry
    registry.close()


def entries(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


@pytest.mark.parametrize("interface", INTERFACES)
def test_a_bundle_is_the_folder_it_was_submitted_as(demo: Registry, interface: str) -> None:
    content = demo.bundle(interface)
    assert content == demo.bundle(interface), "the same record gives the same bytes"
    files = entries(content)
    folder = DEMO / "interfaces" / interface
    expected = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert set(files) == expected
    for name, data in files.items():
        if name != "interface.ttl":
            assert data == (folder / name).read_bytes(), name
    record = files["interface.ttl"].decode()
    assert "registry.nif.example/files/" not in record
    graph = Graph().parse(
        data=record, format="turtle", publicID=(folder / "interface.ttl").as_uri()
    )
    assert not list(graph.triples((None, SPDX.checksum, None)))
    assert not list(graph.triples((None, NIF.part, None)))
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("interface", INTERFACES)
def test_the_bundle_alone_registers_the_same_record(
    demo: Registry, fresh: Registry, interface: str
) -> None:
    result = fresh.submit(demo.bundle(interface), name=f"{interface}.zip")
    assert not result.replaced, "a record new to this registry: nothing stored to fall back on"
    assert fresh.read(interface).ntriples() == demo.read(interface).ntriples()


def test_an_agency_bundle_is_its_record_alone(demo: Registry) -> None:
    files = entries(demo.bundle("civreg"))
    assert list(files) == ["agency.ttl"]
    assert b"<https://registry.nif.example/agency/civreg>" in files["agency.ttl"]


def test_an_unknown_record_has_no_bundle(demo: Registry) -> None:
    with pytest.raises(NotFoundError, match="no record with identifier or IRI 'nope'"):
        demo.bundle("nope")


def test_a_missing_blob_is_named(demo: Registry, tmp_path: Path) -> None:
    registry = open_registry(tmp_path / "home")
    try:
        registry.submit(DEMO / "agencies" / "vehreg.ttl")
        registry.submit(demo.bundle("vehreg-inspection"), name="vehreg-inspection.zip")
        schema = DEMO / "interfaces" / "vehreg-inspection" / SCHEMA
        registry.blobs.path(hashlib.sha256(schema.read_bytes()).hexdigest()).unlink()
        with pytest.raises(RegistryError, match=rf"files/vehreg-inspection/{SCHEMA} .* missing"):
            registry.bundle("vehreg-inspection")
    finally:
        registry.close()
