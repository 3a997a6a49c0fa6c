"""`_authoring` and the `new-version` scaffold: records made without writing RDF, which the
shapes and pinning accept, and the same record whichever way it is made."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from nif.errors import InputError
from nif.registry import (
    ADMS,
    DCAT,
    DCTERMS,
    STATUS,
    Discriminator,
    Example,
    Metadata,
    NewInterface,
    NewMessageType,
    Registry,
    add_message_type,
    deprecate,
    edit_metadata,
    guess_format,
    new_interface,
    next_version,
    parse_records,
    scaffold_version,
    set_status,
    version_node,
)
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT

DEMO = ROOT / "registry"
BASE = "https://registry.nif.example/"
BUSREG = URIRef(BASE + "interface/busreg-company")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", actor="author")


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    with Registry(EmbeddedStore(settings.folder.store), settings) as reg:
        yield reg


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the demo registry folder."""
    shutil.copytree(
        DEMO / "interfaces" / "busreg-company", tmp_path / "r/interfaces/busreg-company"
    )
    shutil.copytree(DEMO / "agencies", tmp_path / "r/agencies")
    return tmp_path / "r"


def _parse(record: Path, settings: Settings) -> Graph:
    return parse_records(
        record.read_bytes(),
        source=str(record),
        fmt=guess_format(record.name, None),
        base_iri=record.resolve().as_uri(),
        settings=settings,
    )


def test_next_version_equals_the_scaffold_and_is_stored(
    folder: Path, settings: Settings, registry: Registry
) -> None:
    record = folder / "interfaces/busreg-company/interface.ttl"
    graph = _parse(record, settings)
    made = next_version(graph, BUSREG, "2.1.0", "2.2.0")
    assert made == URIRef(f"{BUSREG}/2.2.0")

    done = scaffold_version(folder, "busreg-company", "2.1.0", "2.2.0", settings)
    assert isomorphic(_parse(record, settings), graph)
    assert record.read_text("utf-8").startswith("@prefix nif:")  # appended, not rewritten
    assert "# 3.0.0-beta.1 ----" in record.read_text("utf-8")
    for kind in ("schemas", "examples"):
        assert (record.parent / kind / "2.2.0").is_dir()
    assert done.version == str(made)

    scaffolded = _parse(record, settings)
    assert scaffolded.value(made, ADMS.status) == STATUS.UnderDevelopment
    assert scaffolded.value(made, DCAT.previousVersion) == URIRef(f"{BUSREG}/2.1.0")
    assert scaffolded.value(BUSREG, DCAT.hasCurrentVersion) == URIRef(f"{BUSREG}/2.1.0")
    schema = URIRef(f"{made}/artefact/company.xsd")
    assert str(scaffolded.value(schema, DCAT.downloadURL)).endswith(
        "busreg-company/schemas/2.2.0/company.xsd"
    )

    registry.submit(folder / "agencies/busreg.ttl")
    stored = registry.submit(record.parent)
    assert stored.report.conforms
    pinned = registry.read("busreg-company").graph
    assert str(pinned.value(schema, DCAT.downloadURL)) == (
        BASE + "files/busreg-company/schemas/2.2.0/company.xsd"
    )


def test_next_version_refuses_clearly(folder: Path, settings: Settings) -> None:
    graph = _parse(folder / "interfaces/busreg-company/interface.ttl", settings)
    before = len(graph)
    with pytest.raises(InputError, match=r"no version '9\.0\.0' \(versions: 1\.0\.0, 2\.0\.0"):
        next_version(graph, BUSREG, "9.0.0", "9.1.0")
    with pytest.raises(InputError, match=r"already has a version 2\.0\.0"):
        next_version(graph, BUSREG, "1.0.0", "2.0.0")
    with pytest.raises(InputError, match="expected a semantic version"):
        next_version(graph, BUSREG, "2.1.0", "v2.2")
    assert len(graph) == before
    with pytest.raises(InputError, match=r"already has a version 2\.1\.0"):
        scaffold_version(folder, "busreg-company", "2.0.0", "2.1.0", settings)
    with pytest.raises(InputError, match=r"no interface\.ttl for interface 'nope'"):
        scaffold_version(folder, "nope", "1.0.0", "1.1.0", settings)


def _new_birth(settings: Settings) -> tuple[Graph, URIRef]:
    graph, version = new_interface(
        NewInterface(
            identifier="civreg-birth-notice",
            agency=BASE + "agency/civreg",
            titles={"en": "Birth notice", "de": "Geburtsanzeige", "fr": "Avis de naissance"},
            descriptions={"en": "Hospitals notify births."},
            endpoint="https://api.civreg.example.gov/birth-notice",
        ),
        settings,
    )
    add_message_type(
        graph,
        version,
        NewMessageType(
            identifier="BirthNotification",
            title="Birth notification",
            schema="schemas/1.0.0/birth.xsd",
            rules="schemas/1.0.0/birth.sch",
            root_namespace="urn:nif:demo:civreg:birth:1",
            root_name="BirthNotification",
            examples=(
                Example("examples/1.0.0/BirthNotification/valid-newborn.xml", "valid"),
                Example("examples/1.0.0/BirthNotification/invalid-unknown-sex-code.xml", "invalid"),
            ),
        ),
    )
    return graph, version


def test_a_new_interface_passes_the_shapes_and_pins(
    tmp_path: Path, settings: Settings, registry: Registry
) -> None:
    graph, version = _new_birth(settings)
    bundle = tmp_path / "bundle"
    for kind in ("schemas", "examples"):
        shutil.copytree(DEMO / "interfaces/civreg-birth" / kind / "1.0.0", bundle / kind / "1.0.0")
    (bundle / "interface.ttl").write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
    registry.submit(DEMO / "agencies/civreg.ttl")
    result = registry.submit(bundle)
    assert result.report.conforms, result.report.text()
    stored = registry.read("civreg-birth-notice").graph
    assert stored.value(version, DCAT.version) == Literal("1.0.0")
    titles = {t.language: str(t) for t in stored.objects(version, DCTERMS.title)}
    assert titles == {
        "en": "Birth notice 1.0.0",
        "de": "Geburtsanzeige 1.0.0",
        "fr": "Avis de naissance 1.0.0",
    }
    assert result.artefacts == 4  # the schema, the rules and the two examples


def test_message_type_inputs_are_checked(settings: Settings) -> None:
    graph, version = _new_birth(settings)
    before = len(graph)
    cases = [
        (NewMessageType("Bad Name", "t", "s.xsd", root_name="R"), "message type 'Bad Name'"),
        (NewMessageType("R", "t", "s.xsd", direction="sideways", root_name="R"), "direction"),
        (NewMessageType("R", "t", "s.xsd"), "root element"),
        (NewMessageType("R", "t", "s.json", media_type="application/json"), "discriminator"),
        (NewMessageType("R", "t", "s.xsd", root_name="R", rules="x/.."), r"file name '\.\.'"),
        (
            NewMessageType("R", "t", "s.xsd", root_name="R", examples=(Example("e", "ok"),)),
            "verdict",
        ),
        (NewMessageType("R", "t", "a/..", root_name="R"), r"file name '\.\.'"),
        (NewMessageType("BirthNotification", "t", "s.xsd", root_name="R"), "already has"),
    ]
    for spec, message in cases:
        with pytest.raises(InputError, match=message):
            add_message_type(graph, version, spec)
    assert len(graph) == before
    json_type = NewMessageType(
        "Statement",
        "Statement",
        "schemas/1.0.0/statement.json",
        media_type="application/json",
        discriminator=Discriminator("/specification", "urn:x:1"),
    )
    node = add_message_type(graph, version, json_type)
    assert (node, DCAT.mediaType, None) in graph


def test_edit_metadata_and_deprecate(folder: Path, settings: Settings) -> None:
    graph = _parse(folder / "interfaces/busreg-company/interface.ttl", settings)
    before = {t.language: str(t) for t in graph.objects(BUSREG, DCTERMS.title)}
    edit_metadata(
        graph, BUSREG, Metadata(titles={"de": "Handelsregisterauszug"}, endpoint="https://x.ex/c")
    )
    titles = {t.language: str(t) for t in graph.objects(BUSREG, DCTERMS.title)}
    assert titles == {**before, "de": "Handelsregisterauszug"}  # the other languages stay
    assert titles["en"] == "Company extract"
    assert graph.value(BUSREG, DCAT.endpointURL) == URIRef("https://x.ex/c")
    with pytest.raises(InputError, match="https://"):
        edit_metadata(graph, BUSREG, Metadata(endpoint="http://x.ex/c"))
    with pytest.raises(InputError, match="notes belong to a version"):
        edit_metadata(graph, BUSREG, Metadata(notes={"en": "x"}))

    old = version_node(graph, BUSREG, "2.0.0")
    new = version_node(graph, BUSREG, "2.1.0")
    deprecate(graph, old, "2027-06-30", new)
    deprecate(graph, old, "2027-12-31", new)  # again: one period, the last date
    assert graph.value(old, ADMS.status) == STATUS.Deprecated
    assert graph.value(old, DCTERMS.isReplacedBy) == new
    periods = list(graph.objects(old, DCTERMS.temporal))
    assert len(periods) == 1
    assert str(graph.value(periods[0], DCAT.endDate)) == "2027-12-31"
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        deprecate(graph, old, "2027-02-30", None)
    with pytest.raises(InputError, match="its own successor"):
        deprecate(graph, old, None, old)
    with pytest.raises(InputError, match="not a version of this interface"):
        deprecate(graph, old, None, URIRef(BASE + "interface/civreg-birth/2.0.0"))


def test_set_status_and_the_current_version(folder: Path, settings: Settings) -> None:
    graph = _parse(folder / "interfaces/busreg-company/interface.ttl", settings)
    beta = version_node(graph, BUSREG, "3.0.0-beta.1")
    set_status(graph, beta, "Completed", current=True)
    assert graph.value(beta, ADMS.status) == STATUS.Completed
    assert graph.value(BUSREG, DCAT.hasCurrentVersion) == beta
    assert len(list(graph.objects(BUSREG, DCAT.hasCurrentVersion))) == 1
    with pytest.raises(InputError, match="status 'Done'"):
        set_status(graph, beta, "Done")
    with pytest.raises(InputError, match="not a version of the record"):
        set_status(graph, BUSREG, "Completed")


def test_a_version_copied_from_a_deprecated_one_is_not_deprecated(
    folder: Path, settings: Settings
) -> None:
    graph = _parse(folder / "interfaces/busreg-company/interface.ttl", settings)
    old = version_node(graph, BUSREG, "1.0.0")
    deprecate(graph, old, "2025-12-31", version_node(graph, BUSREG, "2.0.0"))
    new = next_version(graph, BUSREG, "1.0.0", "1.1.0", {"en": "A late fix."})
    assert graph.value(new, ADMS.status) == STATUS.UnderDevelopment
    assert (new, DCTERMS.temporal, None) not in graph
    assert (new, DCTERMS.isReplacedBy, None) not in graph
    assert [str(n) for n in graph.objects(new, ADMS.versionNotes)] == ["A late fix."]
