"""A bundle's catalog (`catalog.xml` at its top): schemas that import by URL pin offline, as
the local copies keyed by the URL, and validate later from the blobs alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph, URIRef

from nif.errors import CompileError, InputError, ResolutionError
from nif.registry._blobs import BlobStore
from nif.registry._pinning import pin_record
from nif.settings import Settings
from nif.validate._step import Document
from nif.validate._xsd import compile_xsd
from nif.validate.schematron import compile_schematron
from tests.conftest import EN16931, UBL_XSD
from tests.registry.test_pinning import checksum, parts, pinned_set, sha

CATALOG_DATA = Path(__file__).parents[1] / "validate" / "data" / "catalog"
ARTEFACT = "https://registry.nif.example/interface/test-cat/1.0.0/artefact/"
FILES = "https://registry.nif.example/files/test-cat/"
COMMON = "https://schemas.example.org/order/common/"
UBL = "http://docs.oasis-open.org/ubl/os-UBL-2.1/xsd/"
RECORD = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .
"""


def artefact(name: str, url: str, technique: str) -> str:
    return (
        f"<{ARTEFACT}{name}> a dct:Standard ; dcat:downloadURL <{url}> ;\n"
        f"  adms:representationTechnique <http://purl.org/adms/representationtechnique/{technique}> .\n"
    )


def document(path: Path) -> Document:
    content = path.read_bytes()
    return Document(content, etree.ElementTree(etree.fromstring(content)))


def record(bundle: Path, *artefacts: str) -> Graph:
    path = bundle / "record.ttl"
    path.write_text(RECORD + "".join(artefacts), "utf-8")
    return Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())


@pytest.fixture
def blobs(settings: Settings) -> BlobStore:
    return BlobStore(settings.folder.blobs)


@pytest.fixture
def order_bundle(tmp_path: Path) -> Path:
    """The catalog test data as a bundle: order.xsd and order.sch import and include by URL."""
    root = tmp_path / "bundle"
    shutil.copytree(CATALOG_DATA, root)
    return root


def test_a_schema_that_imports_by_url_pins_as_the_local_copies(
    order_bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    graph = record(
        order_bundle,
        artefact("order.xsd", "order.xsd", "XMLSchema"),
        artefact("order.sch", "order.sch", "Schematron"),
    )
    pinned = pin_record(graph, "test-cat", order_bundle, blobs, settings)
    assert sorted(p.parts for p in pinned) == [1, 2]
    xsd, sch = URIRef(ARTEFACT + "order.xsd"), URIRef(ARTEFACT + "order.sch")
    local = order_bundle / "mirror/order/common"
    assert parts(graph, xsd) == {
        COMMON + "common.xsd": sha((local / "common.xsd").read_bytes()),
        COMMON + "types.xsd": sha((local / "types.xsd").read_bytes()),
    }
    rules = (order_bundle / "mirror/rules/common.sch").read_bytes()
    assert parts(graph, sch) == {"https://rules.example.org/common.sch": sha(rules)}
    assert checksum(graph, xsd) == sha((order_bundle / "order.xsd").read_bytes())
    # validation later reads the blobs only: no catalog, no bundle, no network
    shutil.rmtree(order_bundle)
    valid = document(CATALOG_DATA / "order-valid.xml")
    invalid = document(CATALOG_DATA / "order-invalid.xml")
    for version in ("1.0", "1.1"):
        step = compile_xsd(pinned_set(graph, xsd, blobs), version)
        assert step.check(valid).findings == []
        assert len(step.check(invalid).findings) == 2
    outcome = compile_schematron(pinned_set(graph, sch, blobs)).check(invalid)
    assert [f.rule_id for f in outcome.findings] == ["ORD-1"]


def test_a_bundle_without_a_catalog_refuses_the_url_as_before(
    order_bundle: Path, blobs: BlobStore, settings: Settings
) -> None:
    (order_bundle / "catalog.xml").unlink()
    graph = record(order_bundle, artefact("order.xsd", "order.xsd", "XMLSchema"))
    (order_bundle / "order.xsd").write_text(
        (order_bundle / "order.xsd").read_text().replace("https://schemas", "http://schemas")
    )
    with pytest.raises(ResolutionError, match=r"references 'http://schemas.example.org/order/"):
        pin_record(graph, "test-cat", order_bundle, blobs, settings)
    assert not blobs.root.exists() or not any(blobs.root.rglob("*.*"))


def test_a_catalog_target_outside_the_bundle_is_refused(
    order_bundle: Path, blobs: BlobStore, settings: Settings, tmp_path: Path
) -> None:
    (order_bundle / "catalog.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        f'  <rewriteURI uriStartString="{COMMON}" rewritePrefix="../outside/"/>\n'
        "</catalog>\n"
    )
    graph = record(order_bundle, artefact("order.xsd", "order.xsd", "XMLSchema"))
    with pytest.raises(CompileError, match=r"catalog.xml, line 2: <rewriteURI>.*outside"):
        pin_record(graph, "test-cat", order_bundle, blobs, settings)
    (order_bundle / "catalog.xml").unlink()
    (tmp_path / "evil.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"/>'
    )
    (order_bundle / "catalog.xml").symlink_to(tmp_path / "evil.xml")
    with pytest.raises(InputError, match="must be a file, not a link"):
        pin_record(graph, "test-cat", order_bundle, blobs, settings)


def test_a_mapped_copy_over_the_size_limit_is_refused(
    order_bundle: Path, blobs: BlobStore, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "home", fetch_max_bytes=3000)
    types = order_bundle / "mirror/order/common/types.xsd"
    types.write_text(types.read_text() + "<!--" + "x" * 3000 + "-->")
    graph = record(order_bundle, artefact("order.xsd", "order.xsd", "XMLSchema"))
    with pytest.raises(
        ResolutionError, match=r"'mirror/order/common/types.xsd' is \d+ bytes, over"
    ):
        pin_record(graph, "test-cat", order_bundle, blobs, settings)


@pytest.mark.slow
def test_ubl_importing_its_common_schemas_by_url_registers_offline(
    tmp_path: Path, blobs: BlobStore, settings: Settings
) -> None:
    """UBL 2.1 as published, with the Invoice schema rewritten to import `common/` by its
    OASIS URL and a catalog mapping that prefix to the published files."""
    bundle = tmp_path / "bundle"
    shutil.copytree(UBL_XSD, bundle / "ubl")
    main = (UBL_XSD / "maindoc/UBL-Invoice-2.1.xsd").read_text("utf-8")
    by_url, count = re.subn(r'schemaLocation="\.\./common/', f'schemaLocation="{UBL}common/', main)
    assert count == 3
    (bundle / "invoice.xsd").write_text(by_url, "utf-8")
    (bundle / "catalog.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        f'  <rewriteURI uriStartString="{UBL}" rewritePrefix="ubl/"/>\n'
        "</catalog>\n"
    )
    graph = record(bundle, artefact("invoice.xsd", "invoice.xsd", "XMLSchema"))
    (pinned,) = pin_record(graph, "test-cat", bundle, blobs, settings)
    found = parts(graph, URIRef(ARTEFACT + "invoice.xsd"))
    assert pinned.parts == len(found) >= 10
    assert all(uri.startswith(UBL + "common/") for uri in found)
    signature = UBL + "common/UBL-xmldsig-core-schema-2.1.xsd"
    assert found[signature] == sha(
        (UBL_XSD / "common/UBL-xmldsig-core-schema-2.1.xsd").read_bytes()
    )
    shutil.rmtree(bundle)
    step = compile_xsd(pinned_set(graph, URIRef(ARTEFACT + "invoice.xsd"), blobs))
    invoice = document(EN16931 / "ubl/examples/ubl-tc434-example1.xml")
    assert step.check(invoice).findings == []
