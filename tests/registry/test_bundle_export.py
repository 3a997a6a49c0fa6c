"""`Registry.bundle`: a stored record and its files as the zip it was submitted as.

Each demo interface, loaded from `registry/`, comes back as its folder: the same files with the
same bytes, the record naming them by relative URLs, without what pinning added. The zip alone
(no stored version to fall back on) registers the same record in a fresh registry.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from nif.errors import NotFoundError, RegistryError
from nif.outbound import OutboundPolicy
from nif.registry import NIF, SPDX, BlobStore, Record, RecordKind, Registry
from nif.registry._bundle_export import export_bundle
from nif.registry._pinning import pin_record
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.registry.conftest import DEMO

pytestmark = pytest.mark.slow  # the demo registry, loaded and checked
INTERFACES = sorted(p.name for p in (DEMO / "interfaces").iterdir() if p.is_dir())
AGENCIES = sorted((DEMO / "agencies").glob("*.ttl"))
SCHEMA = "schemas/1.0.0/inspection-result.schema.json"
BASE = "https://registry.nif.example/"
CATALOG_DATA = Path(__file__).parents[1] / "validate" / "data" / "catalog"


def catalog_record(bundle: Path) -> Graph:
    """An interface's artefacts whose imports and includes name https URLs, which the bundle's
    catalog maps to its `mirror/` folder."""
    lines = [
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "@prefix adms: <http://www.w3.org/ns/adms#> .",
    ]
    for name, technique in (("order.xsd", "XMLSchema"), ("order.sch", "Schematron")):
        lines.append(
            f"<{BASE}interface/test-cat/1.0.0/artefact/{name}> a dct:Standard ;"
            f" dcat:downloadURL <{name}> ; adms:representationTechnique"
            f" <http://purl.org/adms/representationtechnique/{technique}> ."
        )
    path = bundle / "interface.ttl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


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


def test_documents_pinned_from_elsewhere_come_with_a_catalog(tmp_path: Path) -> None:
    """A schema and a rule set that import by https URL (pinned through the submitted bundle's
    catalog): the bundle carries the copies that were pinned and a catalog naming them, so it
    pins again offline to the same record."""
    settings = Settings(home=tmp_path / "home")
    blobs = BlobStore(settings.folder.blobs)
    submitted = Path(shutil.copytree(CATALOG_DATA, tmp_path / "submitted"))
    graph = catalog_record(submitted)
    pin_record(graph, "test-cat", submitted, blobs, settings)
    record = Record(f"{BASE}interface/test-cat", RecordKind.INTERFACE, "test-cat", graph)
    files = entries(export_bundle(record, blobs, settings))
    assert {"order.xsd", "order.sch", "catalog.xml"} <= set(files)
    copies = {
        "external/schemas.example.org/order/common/common.xsd": "mirror/order/common/common.xsd",
        "external/schemas.example.org/order/common/types.xsd": "mirror/order/common/types.xsd",
        "external/rules.example.org/common.sch": "mirror/rules/common.sch",
    }
    for path, source in copies.items():
        assert files[path] == (CATALOG_DATA / source).read_bytes(), path
    folder = tmp_path / "pulled"
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    again = Graph().parse(
        folder / "interface.ttl", format="turtle", publicID=(folder / "interface.ttl").as_uri()
    )
    offline = OutboundPolicy(timeout=0.001)  # no fetch could finish
    pin_record(again, "test-cat", folder, BlobStore(tmp_path / "blobs"), settings, offline)
    assert isomorphic(again, graph)
