"""OASIS XML Catalogs: schemas, rule sets and JSON schemas that reference https:// URIs are
collected offline from local copies, and a catalog can never reach outside its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from nif.errors import CompileError, InputError, ResolutionError
from nif.validate import (
    Artefact,
    Catalog,
    Profile,
    collect,
    json_references,
    validate,
    xsd_references,
)

DATA = Path(__file__).parent / "data" / "catalog"
COMMON = "https://schemas.example.org/order/common/common.xsd"
TYPES = "https://schemas.example.org/order/common/types.xsd"
NS = 'xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"'


def write_catalog(folder: Path, body: str, name: str = "catalog.xml") -> Path:
    path = folder / name
    path.write_text(f'<?xml version="1.0"?>\n<catalog {NS}>\n{body}\n</catalog>\n')
    return path


def test_a_rewrite_prefix_maps_the_whole_published_tree() -> None:
    catalog = Catalog.load([DATA / "catalog.xml"])
    assert catalog.resolve(TYPES) == (DATA / "mirror/order/common/types.xsd").resolve().as_uri()
    artefacts = collect(Artefact.from_path(DATA / "order.xsd"), xsd_references, catalog.fetcher())
    assert set(artefacts.parts) == {artefacts.main, COMMON, TYPES}
    # the part keeps the URI as written; its bytes are the local copy's
    assert artefacts.parts[TYPES].content == (DATA / "mirror/order/common/types.xsd").read_bytes()


def test_an_unmapped_relative_reference_is_read_beside_the_local_copy() -> None:
    catalog = Catalog.load([DATA / "catalog-exact.xml"])
    assert catalog.resolve(TYPES) is None
    artefacts = collect(Artefact.from_path(DATA / "order.xsd"), xsd_references, catalog.fetcher())
    assert set(artefacts.parts) == {artefacts.main, COMMON, TYPES}
    assert artefacts.parts[TYPES].content == (DATA / "mirror/order/common/types.xsd").read_bytes()


@pytest.mark.parametrize("catalog", ["catalog.xml", "catalog-exact.xml"])
@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_both_xsd_engines_compile_from_the_collected_set(catalog: str, version: str) -> None:
    profile = Profile.from_files(
        xsd=DATA / "order.xsd", xsd_version=version, catalogs=[DATA / catalog]
    )
    good = validate((DATA / "order-valid.xml").read_bytes(), profile)
    bad = validate((DATA / "order-invalid.xml").read_bytes(), profile)
    assert good.verdict == "valid", good.findings
    assert bad.verdict == "invalid"
    assert len(bad.findings) == 2


def test_a_schematron_include_by_url_and_a_json_ref_collect_offline() -> None:
    profile = Profile.from_files(schematron=[DATA / "order.sch"], catalogs=[DATA / "catalog.xml"])
    assert "https://rules.example.org/common.sch" in profile.steps[0].artefacts.parts
    report = validate((DATA / "order-invalid.xml").read_bytes(), profile)
    assert [f.rule_id for f in report.findings] == ["ORD-1"]
    fetch = Catalog.load([DATA / "catalog.xml"]).fetcher()
    schema = Artefact.from_path(DATA / "address.schema.json")
    artefacts = collect(schema, json_references, fetch)
    assert "https://json.example.org/address.json" in artefacts.parts
    profile = Profile.from_files(
        json_schema=DATA / "address.schema.json", catalogs=[DATA / "catalog.xml"]
    )
    assert validate(b'{"address": {"city": "Gent"}}', profile).verdict == "valid"
    assert validate(b'{"address": {}}', profile).verdict == "invalid"


def test_without_a_catalog_the_error_names_the_reference_as_written() -> None:
    with pytest.raises(ResolutionError) as caught:
        Profile.from_files(xsd=DATA / "order.xsd")
    assert f"references {COMMON!r}" in str(caught.value)
    assert "no catalog entry maps it" in str(caught.value)


def test_a_reference_no_entry_maps_is_refused_naming_it(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path, '<uri name="https://other.example/x.xsd" uri="x.xsd"/>')
    (tmp_path / "x.xsd").write_text("<x/>")
    with pytest.raises(ResolutionError, match="no catalog entry maps it") as caught:
        Profile.from_files(schematron=[DATA / "order.sch"], catalogs=[catalog])
    assert "references 'https://rules.example.org/common.sch'" in str(caught.value)


@pytest.mark.parametrize(
    ("entry", "refused"),
    [
        ('<uri name="https://a.example/x" uri="/etc/passwd"/>', "outside the catalog's folder"),
        ('<system systemId="https://a.example/x" uri="../x.xsd"/>', "outside the catalog's folder"),
        ('<uri name="https://a.example/x" uri="https://b.example/x"/>', "not a local file"),
        ('<rewriteURI uriStartString="https://a/" rewritePrefix="file:///etc/"/>', "outside"),
        ('<nextCatalog catalog="/etc/xml/catalog"/>', "outside the catalog's folder"),
        ('<delegateURI uriStartString="https://a/" catalog="http://b/c.xml"/>', "not a local"),
    ],
)
def test_a_target_outside_the_catalogs_folder_is_refused_naming_the_entry(
    tmp_path: Path, entry: str, refused: str
) -> None:
    folder = tmp_path / "catalogs"
    folder.mkdir()
    catalog = write_catalog(folder, entry)
    with pytest.raises(CompileError, match=refused) as caught:
        Catalog.load([catalog])
    assert f"{catalog}, line 3: <" in str(caught.value)


def test_a_rewrite_cannot_climb_out_of_its_folder(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    catalog = Catalog.load(
        [
            write_catalog(
                tmp_path, '<rewriteURI uriStartString="https://a/" rewritePrefix="mirror/"/>'
            )
        ]
    )
    with pytest.raises(ResolutionError, match=r"line 3: <rewriteURI>.*outside"):
        catalog.resolve("https://a/%2e%2e/%2e%2e/etc/passwd")


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "passwd").symlink_to("/etc/passwd")
    catalog = Catalog.load(
        [
            write_catalog(
                tmp_path, '<rewriteURI uriStartString="https://a/" rewritePrefix="mirror/"/>'
            )
        ]
    )
    with pytest.raises(ResolutionError, match="outside"):
        catalog.resolve("https://a/passwd")
    (tmp_path / "away").symlink_to("/etc")
    with pytest.raises(CompileError, match="rewritePrefix='away/' refused: outside"):
        Catalog.load(
            [
                write_catalog(
                    tmp_path, '<rewriteURI uriStartString="https://a/" rewritePrefix="away/"/>'
                )
            ]
        )


def test_relative_reads_beside_a_copy_stay_in_the_folder(tmp_path: Path) -> None:
    (tmp_path / "s.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:include schemaLocation="../../../../../../etc/hostname"/></xs:schema>'
    )
    catalog = write_catalog(tmp_path, '<uri name="https://a.example/s/t/s.xsd" uri="s.xsd"/>')
    main = tmp_path / "main.xsd"
    main.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:include schemaLocation="https://a.example/s/t/s.xsd"/></xs:schema>'
    )
    with pytest.raises(ResolutionError, match="outside the catalog's folder"):
        Profile.from_files(xsd=main, catalogs=[catalog])


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("<uri uri='x.xsd'/>", "line 3: <uri>: the name attribute is missing"),
        ("<rewriteSystem systemIdStartString='https://a/'/>", "rewritePrefix attribute is missing"),
        ("<dtddecl publicId='x' uri='x.dtd'/>", "line 3: <dtddecl>: not an OASIS XML Catalog 1.1"),
        ("<group prefer='both'/>", "line 3: prefer must be 'public' or 'system'"),
        ("<uri name='a' uri='x'>", "line 4: not well-formed XML"),
    ],
)
def test_a_bad_catalog_names_the_file_and_line(tmp_path: Path, body: str, problem: str) -> None:
    catalog = write_catalog(tmp_path, body)
    with pytest.raises(CompileError, match=problem) as caught:
        Catalog.load([catalog])
    assert str(catalog) in str(caught.value)


def test_a_file_that_is_not_a_catalog_or_missing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CompileError, match="not an OASIS XML Catalog"):
        Catalog.load([DATA / "order.xsd"])
    with pytest.raises(InputError, match="no such catalog file"):
        Catalog.load([tmp_path / "missing.xml"])
    catalog = write_catalog(tmp_path, '<nextCatalog catalog="gone.xml"/>')
    with pytest.raises(InputError, match=r"line 3: <nextCatalog>: cannot read catalog"):
        Catalog.load([catalog])


def test_resolution_follows_the_spec_order(tmp_path: Path) -> None:
    for name in ("a.xsd", "b.xsd", "c.xsd", "d.xsd", "e.xsd", "sys.xsd"):
        (tmp_path / name).write_text("<x/>")
    catalog = Catalog.load(
        [
            write_catalog(
                tmp_path,
                """
                <rewriteURI uriStartString="https://x.example/" rewritePrefix="short/"/>
                <rewriteURI uriStartString="https://x.example/long/" rewritePrefix="./"/>
                <uri name="https://x.example/long/a.xsd" uri="b.xsd"/>
                <uriSuffix uriSuffix="/c.xsd" uri="c.xsd"/>
                <uriSuffix uriSuffix="/x/c.xsd" uri="d.xsd"/>
                <system systemId="https://s.example/only-system" uri="sys.xsd"/>
                <group xml:base="sub/"><uri name="urn:e" uri="../e.xsd"/></group>
                """,
            )
        ]
    )
    local = {name: (tmp_path / name).resolve().as_uri() for name in ("a.xsd", "b.xsd", "c.xsd")}
    assert catalog.resolve("https://x.example/long/a.xsd") == local["b.xsd"]  # exact first
    assert catalog.resolve("https://x.example/long/c.xsd") == local["c.xsd"]  # longest prefix
    assert catalog.resolve("https://y.example/x/c.xsd") == (tmp_path / "d.xsd").as_uri()
    assert catalog.resolve("https://s.example/only-system") == (tmp_path / "sys.xsd").as_uri()
    assert catalog.resolve("urn:e") == (tmp_path / "e.xsd").as_uri()  # xml:base of the group
    assert catalog.resolve("https://z.example/a.xsd") is None


def test_delegation_and_next_catalogs(tmp_path: Path) -> None:
    (tmp_path / "one.xsd").write_text("<x/>")
    (tmp_path / "two.xsd").write_text("<x/>")
    write_catalog(tmp_path, '<uri name="https://d.example/a/one.xsd" uri="one.xsd"/>', "d.xml")
    write_catalog(
        tmp_path,
        '<uri name="https://n.example/two.xsd" uri="two.xsd"/><nextCatalog catalog="main.xml"/>',
        "next.xml",
    )
    main = write_catalog(
        tmp_path,
        """
        <delegateURI uriStartString="https://d.example/" catalog="d.xml"/>
        <nextCatalog catalog="next.xml"/>
        <nextCatalog catalog="has-two.xml"/>
        """,
        "main.xml",
    )
    write_catalog(tmp_path, '<uri name="https://d.example/b.xsd" uri="two.xsd"/>', "has-two.xml")
    catalog = Catalog.load([main])
    assert catalog.resolve("https://d.example/a/one.xsd") == (tmp_path / "one.xsd").as_uri()
    # a delegation that fails stops there: the nextCatalogs are not consulted
    assert catalog.resolve("https://d.example/b.xsd") is None
    assert catalog.resolve("https://n.example/two.xsd") == (tmp_path / "two.xsd").as_uri()
    assert len(catalog.files) == 4  # the cycle main -> next -> main is read once


def test_several_catalogs_are_consulted_in_order(tmp_path: Path) -> None:
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.xsd").write_text("<x/>")
        write_catalog(tmp_path / folder, '<uri name="https://a.example/x.xsd" uri="x.xsd"/>')
    catalog = Catalog.load([tmp_path / "first/catalog.xml", tmp_path / "second/catalog.xml"])
    assert catalog.resolve("https://a.example/x.xsd") == (tmp_path / "first/x.xsd").as_uri()
