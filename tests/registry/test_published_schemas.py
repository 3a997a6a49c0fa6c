"""Published schema sets register unchanged and validate through the registry.

UBL 2.1 (whose xmldsig module declares entities in an internal DTD subset) and UN/CEFACT CII
D16B (under the folder name it was published with, spaces and parentheses included) are copied
byte for byte from ../shared/external into a bundle, submitted, pinned part by part, and the
EN 16931 example invoices are then validated against what the registry stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from rdflib import Graph, URIRef

from nif.registry import Registry
from nif.registry import _namespaces as ns
from nif.registry._validation import validate_registered
from nif.report import Severity, Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import EN16931, UBL_XSD
from tests.registry.conftest import DEMO

UBL = UBL_XSD
CII = EN16931 / "cii" / "schema" / "d16b-uncoupled"
CII_FOLDER = "D16B SCRDM (Subset)/uncoupled clm"
"""The folder name CII D16B was published under (../shared/external renamed it)."""
CII_MAIN = "CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
IFACE = "https://registry.nif.example/interface/einvoice"
FILES = "https://registry.nif.example/files/einvoice/"
XML = "https://www.iana.org/assignments/media-types/application/xml"
XSD = "http://purl.org/adms/representationtechnique/XMLSchema"


def _message_type(name: str, namespace: str, schema: str) -> str:
    return f"""
<{IFACE}/1.0.0/{name}> a nif:MessageType ;
  dct:identifier "{name}" ; dct:title "{name}"@en ;
  nif:direction <https://w3id.org/nif/concept/direction/request> ;
  dcat:mediaType <{XML}> ;
  nif:rootNamespace "{namespace}" ; nif:rootName "{name}" ;
  nif:schema <{IFACE}/1.0.0/artefact/{name}> .
<{IFACE}/1.0.0/artefact/{name}> a dct:Standard, dcat:Distribution ;
  dct:title "{name} schema"@en ;
  dcat:downloadURL <{schema}> ; dcat:accessURL <{schema}> ;
  dcat:mediaType <{XML}> ;
  adms:representationTechnique <{XSD}> .
"""


TYPES = {
    "Invoice": (
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        "ubl/maindoc/UBL-Invoice-2.1.xsd",
    ),
    "CreditNote": (
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        "ubl/maindoc/UBL-CreditNote-2.1.xsd",
    ),
    "CrossIndustryInvoice": (
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "cii/D16B%20SCRDM%20(Subset)/uncoupled%20clm/" + CII_MAIN,
    ),
}
RECORD = f"""\
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .

<{IFACE}> a dcat:DataService ;
  dct:identifier "einvoice" ; dct:title "Electronic invoices"@en ;
  dct:description "Suppliers send EN 16931 invoices in UBL 2.1 or CII D16B."@en ;
  nif:transport <https://w3id.org/nif/concept/transport/as4> ;
  dct:publisher <https://registry.nif.example/agency/tax> ;
  dcat:endpointURL <https://api.tax.example.gov/einvoice> ;
  dcat:hasVersion <{IFACE}/1.0.0> ; dcat:hasCurrentVersion <{IFACE}/1.0.0> .
<{IFACE}/1.0.0> a dcat:DataService, nif:InterfaceVersion ;
  dct:title "Electronic invoices 1.0.0"@en ;
  dct:publisher <https://registry.nif.example/agency/tax> ;
  dcat:endpointURL <https://api.tax.example.gov/einvoice/v1> ;
  dcat:version "1.0.0" ; adms:versionNotes "First version."@en ;
  adms:status <http://purl.org/adms/status/Completed> ;
  nif:messageType {", ".join(f"<{IFACE}/1.0.0/{name}>" for name in TYPES)} .
""" + "".join(_message_type(name, *given) for name, given in TYPES.items())


UNIMPORTED = "common/UBL-CoreComponentParameters-2.1.xsd"


def published_main(name: str) -> str:
    return TYPES[name][1].removeprefix("ubl/")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.xsd")}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema sets exactly as published, beside the record that names them."""
    root = tmp_path_factory.mktemp("published") / "einvoice"
    shutil.copytree(UBL, root / "ubl")
    shutil.copytree(CII, root / "cii" / CII_FOLDER)
    (root / "interface.ttl").write_text(RECORD, "utf-8")
    return root


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, bundle: Path) -> Iterator[Registry]:
    home = tmp_path_factory.mktemp("home")
    registry = Registry(EmbeddedStore(home / "store"), Settings(home=home, actor="tester"))
    registry.submit(DEMO / "agencies" / "tax.ttl")
    registry.submit(bundle)
    yield registry
    registry.close()


def _stored(registry: Registry) -> Graph:
    return Graph().parse(data=registry.read("einvoice").ntriples(), format="nt")


@pytest.mark.parametrize(
    ("name", "folder", "prefix"),
    [
        ("Invoice", UBL, "ubl/"),
        ("CreditNote", UBL, "ubl/"),
        ("CrossIndustryInvoice", CII, "cii/D16B%20SCRDM%20(Subset)/uncoupled%20clm/"),
    ],
)
def test_every_part_is_pinned_byte_for_byte(
    registry: Registry, name: str, folder: Path, prefix: str
) -> None:
    graph = _stored(registry)
    node = URIRef(f"{IFACE}/1.0.0/artefact/{name}")
    pinned = {str(graph.value(node, ns.DCAT.downloadURL)): node}
    pinned |= {
        str(graph.value(p, ns.DCAT.downloadURL)): p for p in graph.objects(node, ns.NIF.part)
    }
    published = _files(folder)
    used = {}
    for url, holder in pinned.items():
        assert unquote(url).startswith(FILES + unquote(prefix)) and " " not in url, url
        relative = unquote(url).removeprefix(FILES + unquote(prefix))
        checksum = graph.value(graph.value(holder, ns.SPDX.checksum), ns.SPDX.checksumValue)
        used[relative] = str(checksum)
        assert registry.blobs.get(str(checksum)) == published[relative]
    assert used == {r: hashlib.sha256(published[r]).hexdigest() for r in used}
    if name != "CrossIndustryInvoice":
        # the main document and every module of common/ (xmldsig with its DOCTYPE too) but
        # the one no schema imports
        common = {p for p in published if p.startswith("common/")}
        assert "common/UBL-xmldsig-core-schema-2.1.xsd" in used
        assert set(used) == {published_main(name), *common} - {UNIMPORTED}


INVOICES = sorted(
    path
    for folder in ("ubl/examples", "cii/examples")
    for path in (EN16931 / folder).glob("*")
    if path.suffix.lower() == ".xml"
)


@pytest.mark.slow
def test_the_en16931_examples_validate_against_the_registered_schemas(
    registry: Registry,
) -> None:
    reports = validate_registered(
        INVOICES,
        lambda: contextlib.nullcontext(registry.store),
        registry.settings,
        interface="einvoice",
        message_type=None,
        severity_overrides={},
        fail_on=Severity.ERROR,
        jobs=1,
        keep_svrl=False,
    )
    assert len(reports) == len(INVOICES) >= 20
    for path, report in zip(INVOICES, reports, strict=True):
        assert report.verdict == Verdict.VALID, (path.name, [f.message for f in report.findings])
        assert report.context["interface"] == "einvoice"
    types = {report.context["message_type"] for report in reports}
    assert types == set(TYPES)
