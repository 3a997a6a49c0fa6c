"""Where JSON Schema references are looked for: `$id`-relative, catalogs, errors as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nif.errors import ResolutionError
from nif.report import Verdict
from nif.validate import Artefact, ArtefactSet, Catalog, Profile, validate
from nif.validate._json import parse_json
from nif.validate._json_references import load_json_schema
from nif.validate._jsonschema import compile_json_schema
from nif.validate._step import Document

PERSON = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/schemas/person.json",
    "type": "object",
    "properties": {"address": {"$ref": "defs/address.json"}},
}
ADDRESS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.org/schemas/defs/address.json",
    "type": "object",
    "required": ["city"],
}


def write(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))
    return path


def catalog(folder: Path, *entries: str) -> Catalog:
    path = folder / "catalog.xml"
    path.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        + "".join(entries)
        + "</catalog>"
    )
    return Catalog.load([path])


# -- $id-relative references --------------------------------------------------------------------


def test_id_relative_reference_is_read_beside_the_schema_file(tmp_path):
    person = write(tmp_path / "person.json", PERSON)
    address = write(tmp_path / "defs" / "address.json", ADDRESS)
    artefacts = load_json_schema(person)
    assert sorted(artefacts.parts) == [address.as_uri(), person.as_uri()]
    step = compile_json_schema(artefacts)
    profile = Profile.from_files(json_schema=person)
    assert validate(b'{"address": {}}', profile).verdict is Verdict.INVALID
    assert validate(b'{"address": {"city": "Gent"}}', profile).verdict is Verdict.VALID
    assert step.draft == "2020-12"


def test_missing_id_relative_reference_is_named_as_written(tmp_path):
    person = write(tmp_path / "person.json", PERSON)
    with pytest.raises(ResolutionError) as info:
        load_json_schema(person)
    assert str(info.value) == (
        f"{person}: $ref 'defs/address.json' (resolved against $id "
        "https://example.org/schemas/person.json to "
        "https://example.org/schemas/defs/address.json) is not available; nif looked for it "
        f"beside the schema, at {tmp_path / 'defs' / 'address.json'}: give that file, or map "
        "https://example.org/schemas/defs/address.json to a local copy with a catalog"
    )


def test_reference_missing_from_a_pinned_set_is_named_as_written():
    """A set built elsewhere (the registry's pins) that lacks the document: the compile error
    names the $ref as written and its $id, not only the URI the engine asked for."""
    main = "https://registry.example/files/r1/person.json"
    artefacts = ArtefactSet.single(Artefact(main, json.dumps(PERSON).encode()))
    with pytest.raises(ResolutionError) as info:
        compile_json_schema(artefacts)
    assert str(info.value) == (
        f"{main}: $ref 'defs/address.json' (resolved against $id "
        "https://example.org/schemas/person.json to "
        "https://example.org/schemas/defs/address.json) is not available; nif never reads the "
        "network: map it to a local copy with a catalog"
    )


def test_nested_id_is_the_base_of_the_references_below_it(tmp_path):
    schema = {
        "$id": "https://example.org/schemas/order.json",
        "properties": {
            "buyer": {
                "$id": "parties/buyer.json",
                "properties": {"address": {"$ref": "address.json"}},
            }
        },
    }
    path = write(tmp_path / "order.json", schema)
    with pytest.raises(ResolutionError) as info:
        load_json_schema(path)
    assert (
        "$ref 'address.json' (resolved against $id https://example.org/schemas/parties/buyer.json "
        "to https://example.org/schemas/parties/address.json)" in str(info.value)
    )
    write(tmp_path / "parties" / "address.json", {"required": ["city"]})
    profile = Profile.from_files(json_schema=path)
    assert validate(b'{"buyer": {"address": {}}}', profile).verdict is Verdict.INVALID


def test_plain_missing_file_says_no_such_file(tmp_path):
    path = write(tmp_path / "main.json", {"$ref": "common/none.json"})
    with pytest.raises(ResolutionError) as info:
        load_json_schema(path)
    assert str(info.value) == (
        f"{path}: $ref 'common/none.json' (resolved to {tmp_path / 'common' / 'none.json'}) "
        "is not available; no such file"
    )


# -- catalogs: remote $refs mapped to local copies ----------------------------------------------


def test_remote_ref_validates_offline_with_a_catalog(tmp_path):
    mirror = tmp_path / "mirror" / "common"
    write(
        mirror / "address.json",
        {
            "$id": "https://example.org/common/address.json",
            "type": "object",
            "required": ["city"],
            "properties": {"postcode": {"$ref": "postcode.json"}},
        },
    )
    write(
        mirror / "postcode.json",
        {"$id": "https://example.org/common/postcode.json", "pattern": "^[0-9]{4}$"},
    )
    schema = write(
        tmp_path / "order.json",
        {"properties": {"address": {"$ref": "https://example.org/common/address.json"}}},
    )
    (tmp_path / "catalog.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        '<rewriteURI uriStartString="https://example.org/common/" '
        'rewritePrefix="mirror/common/"/></catalog>'
    )
    with pytest.raises(ResolutionError, match=r"https://example.org/common/address.json"):
        Profile.from_files(json_schema=schema)
    profile = Profile.from_files(json_schema=schema, catalogs=[tmp_path / "catalog.xml"])
    artefacts = profile.steps[0].artefacts
    assert [ref.uri for ref in artefacts.refs()] == [
        schema.as_uri(),
        "https://example.org/common/address.json",
        "https://example.org/common/postcode.json",
    ]
    for uri, part in artefacts.parts.items():
        assert json.loads(part.content).get("$id", uri) == uri  # the copies' $ids agree
    good = b'{"address": {"city": "Gent", "postcode": "9000"}}'
    bad = b'{"address": {"postcode": "90000"}}'
    assert validate(good, profile).verdict is Verdict.VALID
    report = validate(bad, profile)
    assert report.verdict is Verdict.INVALID
    assert {(f.rule_id, f.location.pointer) for f in report.findings} == {
        ("required", "/address"),
        ("pattern", "/address/postcode"),
    }
    assert report.steps[1].artefacts[1].uri == "https://example.org/common/address.json"


def test_catalog_maps_an_id_relative_reference(tmp_path):
    person = write(tmp_path / "person.json", PERSON)
    write(tmp_path / "copies" / "address.json", ADDRESS)
    mapping = catalog(
        tmp_path,
        '<uri name="https://example.org/schemas/defs/address.json" uri="copies/address.json"/>',
    )
    artefacts = load_json_schema(person, catalog=mapping)
    assert sorted(artefacts.parts) == [
        person.as_uri(),
        "https://example.org/schemas/defs/address.json",
    ]
    assert not (tmp_path / "defs").exists()
    profile = Profile.from_files(json_schema=person, catalogs=[tmp_path / "catalog.xml"])
    assert validate(b'{"address": {}}', profile).verdict is Verdict.INVALID


def test_catalog_wins_over_the_file_beside_the_schema(tmp_path):
    person = write(tmp_path / "person.json", PERSON)
    write(tmp_path / "defs" / "address.json", {"required": ["street"]})
    write(tmp_path / "copies" / "address.json", ADDRESS)
    mapping = catalog(
        tmp_path,
        '<rewriteURI uriStartString="https://example.org/schemas/defs/" rewritePrefix="copies/"/>',
    )
    artefacts = load_json_schema(person, catalog=mapping)
    part = artefacts.parts["https://example.org/schemas/defs/address.json"]
    assert json.loads(part.content) == ADDRESS


def test_unmapped_remote_ref_is_named_as_written(tmp_path):
    schema = write(tmp_path / "s.json", {"$ref": "https://example.org/elsewhere.json"})
    mapping = catalog(tmp_path, '<uri name="https://example.org/x.json" uri="x.json"/>')
    with pytest.raises(ResolutionError) as info:
        load_json_schema(schema, catalog=mapping)
    assert str(info.value) == (
        f"{schema}: $ref 'https://example.org/elsewhere.json' is not available; nif never "
        "reads the network: map it to a local copy with a catalog"
    )


def test_relative_ref_of_a_catalog_copy_is_read_beside_the_copy(tmp_path):
    """Only address.json is mapped; the postcode.json it refers to sits beside its copy."""
    write(
        tmp_path / "copies" / "address.json",
        {"$id": "https://example.org/common/address.json", "$ref": "postcode.json"},
    )
    write(tmp_path / "copies" / "postcode.json", {"required": ["postcode"]})
    schema = write(tmp_path / "s.json", {"$ref": "https://example.org/common/address.json"})
    mapping = catalog(
        tmp_path,
        '<uri name="https://example.org/common/address.json" uri="copies/address.json"/>',
    )
    artefacts = load_json_schema(schema, catalog=mapping)
    assert "https://example.org/common/postcode.json" in artefacts.parts
    findings = compile_json_schema(artefacts).check(parsed(b"{}")).findings
    assert [(f.rule_id, f.schema_location) for f in findings] == [
        ("required", "/$ref/$ref/required")
    ]


def parsed(content: bytes) -> Document:
    document = parse_json(content, max_bytes=1 << 20).document
    assert document is not None
    return document
