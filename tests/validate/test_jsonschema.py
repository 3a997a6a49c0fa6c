"""JSON Schema steps: drafts by $schema, offline $ref, format assertions, findings that point."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from nif.errors import CompileError, ResolutionError
from nif.report import Severity, StepStatus, Verdict
from nif.settings import Settings
from nif.validate import Artefact, ArtefactSet, Profile, StepSpec, validate
from nif.validate._json import parse_json
from nif.validate._json_references import json_references, load_json_schema
from nif.validate._jsonschema import compile_json_schema
from tests.conftest import recording_server

DATA = Path(__file__).parent / "data" / "json"
REGISTRATION = DATA / "registration.json"

DRAFT_URIS = {
    "4": "http://json-schema.org/draft-04/schema#",
    "6": "http://json-schema.org/draft-06/schema#",
    "7": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}


def schema_set(schema: Any, uri: str = "file:///schemas/main.json") -> ArtefactSet:
    return ArtefactSet.single(Artefact(uri, json.dumps(schema).encode()))


def check(artefacts: ArtefactSet, instance: bytes, *, formats: bool = True):
    step = compile_json_schema(artefacts, format_assertions=formats)
    parsed = parse_json(instance, max_bytes=1 << 20)
    assert parsed.document is not None
    return step.check(parsed.document).findings


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on loopback that would serve any schema, and logs every request."""
    with recording_server(b'{"type": "string"}', "application/schema+json") as live:
        yield live


# -- drafts -------------------------------------------------------------------------------------

# (schema without $schema, instance, {draft: valid?}): each keyword means something different
# (or nothing) depending on the draft.
DRAFT_CASES = [
    pytest.param(
        {"maximum": 3, "exclusiveMaximum": True},
        b"3",
        {"4": False},
        id="draft4-boolean-exclusiveMaximum",
    ),
    pytest.param(
        {"exclusiveMaximum": 3},
        b"3",
        {"6": False, "7": False, "2019-09": False, "2020-12": False},
        id="numeric-exclusiveMaximum",
    ),
    pytest.param({"const": 1}, b"2", {"4": True, "6": False}, id="const-since-6"),
    pytest.param(
        {"if": {"type": "integer"}, "then": {"minimum": 10}},
        b"5",
        {"6": True, "7": False},
        id="if-then-since-7",
    ),
    pytest.param(
        {"dependentRequired": {"iban": ["bic"]}},
        b'{"iban": "NL91"}',
        {"7": True, "2019-09": False},
        id="dependentRequired-since-2019-09",
    ),
    pytest.param(
        {"prefixItems": [{"type": "string"}]},
        b"[1]",
        {"2019-09": True, "2020-12": False},
        id="prefixItems-since-2020-12",
    ),
    pytest.param(
        {"items": [{"type": "string"}]},
        b"[1]",
        {"7": False, "2019-09": False},
        id="items-array-until-2019-09",
    ),
]


@pytest.mark.parametrize(("keywords", "instance", "expected"), DRAFT_CASES)
def test_draft_is_chosen_by_dollar_schema(keywords, instance, expected):
    for draft, valid in expected.items():
        schema = {"$schema": DRAFT_URIS[draft], **keywords}
        step = compile_json_schema(schema_set(schema), format_assertions=True)
        assert step.draft == draft
        findings = check(schema_set(schema), instance)
        assert (findings == []) is valid, (draft, findings)


def test_default_draft_is_2020_12():
    step = compile_json_schema(
        schema_set({"prefixItems": [{"type": "string"}]}), format_assertions=True
    )
    assert step.draft == "2020-12"
    assert [f.rule_id for f in check(step.artefacts, b"[1]")] == ["type"]


@pytest.mark.parametrize(
    ("draft", "keywords"),
    [
        ("4", {"exclusiveMaximum": 3}),
        ("7", {"maximum": 3, "exclusiveMaximum": True}),
        ("2020-12", {"prefixItems": {"type": "string"}}),
    ],
)
def test_keyword_of_another_draft_does_not_compile(draft, keywords):
    with pytest.raises(CompileError, match=rf"not a valid JSON Schema \(draft {draft}\)"):
        compile_json_schema(
            schema_set({"$schema": DRAFT_URIS[draft], **keywords}), format_assertions=True
        )


def test_unsupported_draft_is_refused():
    schema = {"$schema": "http://json-schema.org/draft-03/schema#", "type": "string"}
    with pytest.raises(CompileError, match=r"draft-03.*drafts 4, 6, 7, 2019-09 and 2020-12"):
        compile_json_schema(schema_set(schema), format_assertions=True)


# -- $ref ---------------------------------------------------------------------------------------


def test_json_references_lists_documents_not_fragments():
    schema = {
        "$id": "https://schemas.example.gov/a/main.json",
        "properties": {
            "self": {"$ref": "#/$defs/x"},
            "same": {"$ref": "main.json#/$defs/x"},
            "sibling": {"$ref": "common/address.json#/$defs/street"},
            "up": {"$ref": "../shared/codes.json"},
            "embedded": {"$ref": "https://schemas.example.gov/embedded.json"},
            "meta": {"$ref": "https://json-schema.org/draft/2020-12/schema"},
            "remote": {"$ref": "https://other.example.org/x.json"},
        },
        "$defs": {
            "x": {"type": "string"},
            "e": {"$id": "https://schemas.example.gov/embedded.json", "type": "integer"},
        },
        "examples": [{"$ref": "data-not-a-reference.json"}],
    }
    artefact = Artefact("file:///srv/schemas/a/main.json", json.dumps(schema).encode())
    assert sorted(urljoin(artefact.uri, ref) for ref in json_references(artefact)) == [
        "file:///srv/schemas/a/common/address.json",
        "file:///srv/schemas/shared/codes.json",
        "https://other.example.org/x.json",
    ]


def test_sibling_files_are_closed_over_and_listed_in_the_report():
    artefacts = load_json_schema(REGISTRATION)
    names = [ref.uri.rsplit("/", 2)[-2:] for ref in artefacts.refs()]
    assert names == [
        ["json", "registration.json"],
        ["common", "address.json"],
        ["common", "postcode.json"],
    ]
    report = validate(
        (DATA / "valid.json").read_bytes(), Profile.from_files(json_schema=REGISTRATION)
    )
    assert report.verdict is Verdict.VALID, report.findings
    step = report.steps[1]
    assert step.kind == "json-schema"
    assert step.engine == "jsonschema-rs"
    assert [a.uri for a in step.artefacts] == [r.uri for r in artefacts.refs()]
    assert all(len(a.sha256) == 64 for a in step.artefacts)


def test_findings_carry_pointer_schema_location_and_position():
    report = validate(
        (DATA / "invalid.json").read_bytes(), Profile.from_files(json_schema=REGISTRATION)
    )
    assert report.verdict is Verdict.INVALID
    found = {
        (f.rule_id, f.location.pointer, f.schema_location, f.location.line, f.location.column)
        for f in report.findings
    }
    assert found == {
        ("pattern", "/registrationId", "/properties/registrationId/pattern", 2, 21),
        ("required", "/person", "/properties/person/$ref/required", 3, 13),
        (
            "pattern",
            "/address/postcode",
            "/properties/address/$ref/properties/postcode/$ref/pattern",
            7,
            17,
        ),
    }
    assert all(
        f.severity is Severity.ERROR and f.step.startswith("json-schema:") for f in report.findings
    )
    required = next(f for f in report.findings if f.rule_id == "required")
    assert "familyName" in required.message


def test_reference_by_id_resolves_inside_the_set_only():
    main = {
        "$id": "https://schemas.example.gov/order.json",
        "properties": {"buyer": {"$ref": "https://schemas.example.gov/party.json"}},
    }
    party = {"$id": "https://schemas.example.gov/party.json", "required": ["name"]}
    parts = {
        "file:///pinned/1.json": Artefact("file:///pinned/1.json", json.dumps(main).encode()),
        "file:///pinned/2.json": Artefact("file:///pinned/2.json", json.dumps(party).encode()),
    }
    findings = check(ArtefactSet("file:///pinned/1.json", parts), b'{"buyer": {}}')
    assert [(f.rule_id, f.location.pointer) for f in findings] == [("required", "/buyer")]


def test_missing_local_file_is_a_resolution_error():
    with pytest.raises(ResolutionError, match=r"common/no-such-file\.json"):
        load_json_schema(DATA / "missing-ref.json")


def test_http_ref_is_refused_when_loading_and_never_requested(tmp_path, http_server):
    base, requests = http_server
    schema = tmp_path / "remote.json"
    schema.write_text(json.dumps({"properties": {"a": {"$ref": f"{base}/types.json"}}}))
    with pytest.raises(ResolutionError, match=re.escape(f"{base}/types.json")):
        load_json_schema(schema)
    assert requests == []


def test_http_ref_outside_the_set_is_refused_at_compile_and_never_requested(http_server):
    base, requests = http_server
    artefacts = schema_set({"properties": {"a": {"$ref": f"{base}/types.json#/$defs/t"}}})
    with pytest.raises(ResolutionError, match=re.escape(f"{base}/types.json")):
        compile_json_schema(artefacts, format_assertions=True)
    report = validate(b'{"a": 1}', Profile(steps=(StepSpec("json-schema", artefacts),)))
    assert report.verdict is Verdict.ERROR
    assert report.steps[1].status is StepStatus.ERROR
    assert f"{base}/types.json" in (report.steps[1].error or "")
    assert requests == []


# -- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value"), [("email", "not-an-address"), ("date", "2024-02-30")]
)
def test_format_assertions_can_be_switched(keyword, value):
    artefacts = schema_set({"properties": {"x": {"type": "string", "format": keyword}}})
    instance = json.dumps({"x": value}).encode()
    on = check(artefacts, instance, formats=True)
    assert [(f.rule_id, f.location.pointer, f.schema_location) for f in on] == [
        ("format", "/x", "/properties/x/format")
    ]
    assert check(artefacts, instance, formats=False) == []


def test_format_setting_reaches_the_step_through_validate():
    """The schema is 2020-12: `format` is an annotation unless the setting turns it on."""
    profile = Profile.from_files(json_schema=REGISTRATION)
    message = json.loads((DATA / "valid.json").read_text())
    message["contact"] = "nobody"
    content = json.dumps(message).encode()
    assert validate(content, profile).verdict is Verdict.VALID
    strict = Settings(json_format_assertions=True)
    assert validate(content, profile, settings=strict).verdict is Verdict.INVALID
    relaxed = Settings(json_format_assertions=False)
    assert validate(content, profile, settings=relaxed).verdict is Verdict.VALID


# -- bad schemas --------------------------------------------------------------------------------


def test_invalid_schema_says_where():
    with pytest.raises(CompileError) as info:
        compile_json_schema(load_json_schema(DATA / "bad-keyword.json"), format_assertions=True)
    message = str(info.value)
    assert "bad-keyword.json line 5 column 45" in message
    assert "/properties/amount/minimum" in message
    assert '"zero" is not of type "number"' in message


def test_invalid_part_is_reported_in_that_part(tmp_path):
    (tmp_path / "main.json").write_text('{"$ref": "part.json"}')
    (tmp_path / "part.json").write_text('{\n  "type": "colour"\n}')
    with pytest.raises(CompileError, match=r"part\.json line 2 column 11: .* at /type"):
        compile_json_schema(load_json_schema(tmp_path / "main.json"), format_assertions=True)


def test_malformed_schema_json_says_where(tmp_path):
    (tmp_path / "broken.json").write_text('{\n  "type": "object",\n}')
    with pytest.raises(CompileError, match=r"broken\.json line 3 column 1: .*not well-formed"):
        load_json_schema(tmp_path / "broken.json")


def test_invalid_schema_gives_verdict_error_never_valid():
    artefacts = ArtefactSet.single(Artefact.from_path(DATA / "bad-keyword.json"))
    report = validate(b'{"amount": 5}', Profile(steps=(StepSpec("json-schema", artefacts),)))
    assert report.verdict is Verdict.ERROR
    assert report.steps[1].status is StepStatus.ERROR
    assert "not a valid JSON Schema" in (report.steps[1].error or "")


def test_unknown_keywords_compile():
    assert check(schema_set({"x-nif-owner": "agency", "type": "object"}), b"{}") == []


# -- findings -----------------------------------------------------------------------------------


def test_rule_id_is_the_failing_keyword():
    schema = {
        "properties": {
            "n": {"type": "integer", "minimum": 1},
            "tags": {"uniqueItems": True},
            "never": False,
            "meta": {"additionalProperties": False},
        },
        "dependentRequired": {"iban": ["bic"]},
    }
    instance = b'{"n": 0, "tags": [1, 1], "never": 1, "meta": {"a": 1, "b": 2}, "iban": "x"}'
    found = {(f.rule_id, f.location.pointer) for f in check(schema_set(schema), instance)}
    assert found == {
        ("minimum", "/n"),
        ("uniqueItems", "/tags"),
        ("false", "/never"),
        ("additionalProperties", "/meta"),
        ("dependentRequired", ""),
    }


def test_additional_properties_false_names_the_properties():
    findings = check(schema_set({"additionalProperties": False}), b'{"a": 1, "b": 2}')
    assert [f.message for f in findings] == [
        "Additional properties are not allowed ('a', 'b' unexpected)"
    ]


def test_a_step_is_shared_between_threads():
    step = compile_json_schema(load_json_schema(REGISTRATION), format_assertions=True)
    parsed = parse_json((DATA / "invalid.json").read_bytes(), max_bytes=1 << 20)
    assert parsed.document is not None
    counts: list[int] = []

    def work() -> None:
        for _ in range(50):
            counts.append(len(step.check(parsed.document).findings))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == [3] * 200


def test_positions_are_found_only_when_read_and_match_the_message():
    text = '{\n  "registrationId": "x",\n  "person": {}\n}'
    step = compile_json_schema(
        schema_set(
            {
                "properties": {
                    "registrationId": {"pattern": "^[0-9]+$"},
                    "person": {"required": ["name"]},
                }
            }
        )
    )
    document = parse_json(text.encode(), max_bytes=1 << 20).document
    assert document is not None
    findings = step.check(document).findings
    assert all("_find" in vars(f.location) for f in findings)
    found = {(f.location.pointer, f.location.line, f.location.column) for f in findings}
    assert found == {("/registrationId", 2, 21), ("/person", 3, 13)}
    assert not any("_find" in vars(f.location) for f in findings)
