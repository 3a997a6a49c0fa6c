"""Interfaces of the demo registry: paging, filters, search, languages, details."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from nif import catalogue
from nif.errors import InputError, NotFoundError
from nif.registry import Registry, sparql_prefixes
from tests.catalogue.conftest import DEMO, INTERFACES, as_json

EXAMPLE_FILES = sorted(p for p in (DEMO / "interfaces").glob("*/examples/*/*/*") if p.is_file())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_interfaces_are_paged_in_identifier_order(demo: Registry) -> None:
    everything = catalogue.interfaces(demo.store, limit=200)
    assert [i.identifier for i in everything.items] == INTERFACES
    assert everything.total == len(INTERFACES) and everything.next_offset is None
    pages = [catalogue.interfaces(demo.store, offset=o, limit=3) for o in (0, 3, 6)]
    assert [p.total for p in pages] == [len(INTERFACES)] * 3
    assert [i.identifier for p in pages for i in p.items] == INTERFACES
    assert [p.next_offset for p in pages] == [3, 6, None]
    beyond = catalogue.interfaces(demo.store, offset=100)
    assert beyond.items == [] and beyond.total == len(INTERFACES)
    assert as_json(pages[0]) == {
        "items": [as_json(i) for i in pages[0].items],
        "total": len(INTERFACES),
        "offset": 0,
        "limit": 3,
    }


def test_an_interface_summary_describes_its_current_version(demo: Registry) -> None:
    [birth] = catalogue.interfaces(demo.store, text="civreg-birth").items
    assert birth.title == "Birth registration"
    assert birth.description is not None and birth.description.startswith("Hospitals notify")
    assert (birth.agency, birth.agency_name) == ("civreg", "Civil Registry Office")
    assert (birth.status, birth.status_label, birth.version) == ("Completed", "Completed", "2.0.0")


def test_interfaces_filter_by_agency_and_status(demo: Registry) -> None:
    civreg = catalogue.interfaces(demo.store, agency="civreg")
    assert [i.identifier for i in civreg.items] == ["civreg-address", "civreg-birth"]
    assert civreg.total == 2
    completed = catalogue.interfaces(demo.store, status="Completed")
    assert completed.total == len(completed.items) > 0
    assert {i.status for i in completed.items} == {"Completed"}
    others = sum(
        catalogue.interfaces(demo.store, status=s).total
        for s in catalogue.STATUSES
        if s != "Completed"
    )
    assert completed.total + others == len(INTERFACES)
    both = catalogue.interfaces(demo.store, agency="tax", status="Completed")
    assert {i.agency for i in both.items} == {"tax"}
    with pytest.raises(NotFoundError, match="no agency with identifier 'nope'"):
        catalogue.interfaces(demo.store, agency="nope")
    with pytest.raises(InputError, match="status must be one of Completed"):
        catalogue.interfaces(demo.store, status="Done")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BIRTH", ["civreg-birth"]),  # title, any case
        ("hospitals notify", ["civreg-birth"]),  # description
        ("vat-ret", ["tax-vat-return"]),  # identifier
        ("no such words anywhere", []),
        ('"} } DROP ALL #', []),  # a literal, never query text
        ("   ", INTERFACES),  # blank: no filter
    ],
)
def test_text_search_covers_title_description_and_identifier(
    demo: Registry, text: str, expected: list[str]
) -> None:
    page = catalogue.interfaces(demo.store, text=text, limit=200)
    assert [i.identifier for i in page.items] == expected
    assert page.total == len(expected)


@pytest.mark.parametrize(
    ("offset", "limit", "message"),
    [(-1, 10, "offset must be 0 or more"), (0, 0, "limit must be between 1 and 200")],
)
def test_bad_paging_is_refused(demo: Registry, offset: int, limit: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        catalogue.interfaces(demo.store, offset=offset, limit=limit)
    with pytest.raises(InputError):
        catalogue.interfaces(demo.store, limit=catalogue.MAX_LIMIT + 1)


def test_literals_follow_the_requested_language(demo: Registry) -> None:
    iri = "https://registry.nif.example/interface/civreg-birth"
    demo.store.update(
        sparql_prefixes()
        + f'INSERT DATA {{ GRAPH <{iri}> {{ <{iri}> dct:title "Geburtsanzeige"@de }} }}'
    )
    [german] = catalogue.interfaces(demo.store, text="civreg-birth", lang="de").items
    [english] = catalogue.interfaces(demo.store, text="civreg-birth", lang="en").items
    [french] = catalogue.interfaces(demo.store, text="civreg-birth", lang="fr").items
    [fallback] = catalogue.interfaces(demo.store, text="civreg-birth", lang="it").items
    assert (german.title, english.title, french.title, fallback.title) == (
        "Geburtsanzeige",  # of two German titles, the first by text
        "Birth registration",
        "Enregistrement des naissances",
        "Birth registration",
    )
    assert catalogue.interface(demo.store, "civreg-birth", lang="de-CH").title == "Geburtsanzeige"
    assert [i.identifier for i in catalogue.interfaces(demo.store, text="geburt").items] == [
        "civreg-birth"
    ]


def test_an_interface_has_versions_message_types_artefacts_and_examples(demo: Registry) -> None:
    birth = catalogue.interface(demo.store, "civreg-birth")
    assert (birth.agency, birth.agency_name, birth.transport) == (
        "civreg",
        "Civil Registry Office",
        "rest",
    )
    assert (birth.status, birth.current_version) == ("Completed", "2.0.0")
    assert [(v.version, v.current, v.status) for v in birth.versions] == [
        ("2.0.0", True, "Completed"),
        ("1.0.0", False, "Deprecated"),
    ]
    new = birth.versions[0]
    assert new.endpoint == "https://api.civreg.example.gov/birth/v2"
    assert new.notes is not None and "birth weight" in new.notes
    assert [m.identifier for m in new.message_types] == ["BirthNotification", "BirthRegistration"]
    notification = new.message_types[0]
    assert (notification.direction, notification.media_type, notification.root_name) == (
        "request",
        "application/xml",
        "BirthNotification",
    )
    bundle = DEMO / "interfaces" / "civreg-birth"
    assert [(a.role, a.technique, a.file_name) for a in notification.artefacts] == [
        ("rules", "Schematron", "birth.sch"),
        ("schema", "XMLSchema", "birth.xsd"),
    ]
    for artefact in notification.artefacts:
        assert artefact.sha256 == _sha256(bundle / "schemas" / "2.0.0" / artefact.file_name)
        assert artefact.url == (
            f"https://registry.nif.example/files/civreg-birth/schemas/2.0.0/{artefact.file_name}"
        )
    folder = bundle / "examples" / "2.0.0" / "BirthNotification"
    assert [(e.name, e.expected) for e in notification.examples] == [
        ("valid-newborn.xml", "valid"),
        ("valid-unusual-weight-warning.xml", "valid"),
        ("invalid-missing-mother-id.xml", "invalid"),
        ("invalid-mother-born-after-child.xml", "invalid"),
    ]
    for example in notification.examples:
        assert example.sha256 == _sha256(folder / example.name)
        assert example.media_type == "application/xml"
    assert as_json(birth)["versions"][0]["message_types"][0]["examples"][0]["expected"] == "valid"


def test_every_demo_example_is_in_the_registry_with_its_checksum(demo: Registry) -> None:
    found = {}
    for identifier in INTERFACES:
        for version in catalogue.interface(demo.store, identifier).versions:
            for mt in version.message_types:
                for example in mt.examples:
                    path = (
                        DEMO
                        / "interfaces"
                        / identifier
                        / "examples"
                        / version.version
                        / mt.identifier
                        / example.name
                    )
                    found[path] = example
    assert sorted(found) == EXAMPLE_FILES
    for path, example in found.items():
        assert example.sha256 == _sha256(path)
        assert demo.blobs.get(example.sha256) == path.read_bytes()
        assert example.expected == path.name.split("-", 1)[0]
        suffix = "json" if path.suffix == ".json" else "xml"
        assert example.media_type == f"application/{suffix}"


def test_unknown_interfaces_are_not_found(demo: Registry) -> None:
    with pytest.raises(NotFoundError, match="no interface with identifier 'nope'"):
        catalogue.interface(demo.store, "nope")
    with pytest.raises(NotFoundError):
        catalogue.interface(demo.store, "civreg")  # an agency


def _files(
    interface: catalogue.Interface,
) -> list[catalogue.Artefact | catalogue.Example | catalogue.Part]:
    """The pinned files an interface lists: artefacts, their parts and examples."""
    return [
        file
        for v in interface.versions
        for m in v.message_types
        for a in m.artefacts
        for file in [a, *a.parts]
    ] + [e for v in interface.versions for m in v.message_types for e in m.examples]


def test_pinned_files_link_to_where_they_are_served(demo: Registry) -> None:
    iri = "https://registry.nif.example/interface/civreg-birth"
    schema = iri.replace("/interface/", "/files/") + "/schemas/2.0.0/birth.xsd"
    artefact = next(
        a
        for a in _files(catalogue.interface(demo.store, "civreg-birth"))
        if isinstance(a, catalogue.Artefact) and a.url == schema
    )
    part = f"{iri}/part"
    demo.store.update(
        sparql_prefixes() + f"INSERT DATA {{ GRAPH <{iri}> {{ <{artefact.iri}> nif:part <{part}> ."
        f" <{part}> dcat:downloadURL <https://example.org/common.xsd> ;"
        f" spdx:checksum <{part}/sum> . <{part}/sum>"
        f' spdx:checksumValue "{"ab" * 32}"^^xsd:hexBinary }} }}'
    )
    plain = _files(catalogue.interface(demo.store, "civreg-birth"))
    linked = _files(catalogue.interface(demo.store, "civreg-birth", link=lambda s: f"/f/{s}"))
    assert any(isinstance(f, catalogue.Part) and f.sha256 == "ab" * 32 for f in linked)
    assert len(plain) == len(linked) > 3
    for before, after in zip(plain, linked, strict=True):
        assert before.download is None
        assert after.download == (f"/f/{after.sha256}" if after.sha256 else None)
        if not isinstance(after, catalogue.Artefact):
            assert dataclasses.replace(after, download=None) == before


def test_versions_are_newest_first_by_number_then_text(demo: Registry) -> None:
    """The registry's one version ordering: 1.10.0 after 1.9.0, other strings as text."""
    iri = "https://registry.nif.example/interface/civreg-birth"
    added = ["1.9.0", "1.10.0", "2.0.0-rc.1", "2.0.0+build.5", "10.0", "beta"]
    triples = " ".join(
        f'<{iri}> dcat:hasVersion <{iri}/x{n}> . <{iri}/x{n}> dcat:version "{v}" .'
        for n, v in enumerate(added)
    )
    demo.store.update(sparql_prefixes() + f"INSERT DATA {{ GRAPH <{iri}> {{ {triples} }} }}")
    versions = [v.version for v in catalogue.interface(demo.store, "civreg-birth").versions]
    assert versions == [
        "beta",
        "10.0",
        "2.0.0-rc.1",
        "2.0.0+build.5",
        "2.0.0",
        "1.10.0",
        "1.9.0",
        "1.0.0",
    ]
