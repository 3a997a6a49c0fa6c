"""JSON Schema by the drafts: `format` as each draft says, --json-draft, custom meta-schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from nif.errors import CompileError, ResolutionError, UsageError
from nif.report import Verdict
from nif.settings import Settings
from nif.validate import Artefact, ArtefactSet, Catalog, Profile, StepSpec, validate
from nif.validate._json import parse_json
from nif.validate._json_drafts import draft_named
from nif.validate._json_references import json_references, load_json_schema
from nif.validate._jsonschema import compile_json_schema
from tests.validate.test_jsonschema import DRAFT_URIS, schema_set

SUITE = Path(__file__).parent / "data" / "json" / "suite"

# One invalid string per format: the "invalid X string is only an annotation by default" cases
# of the JSON-Schema-Test-Suite's tests/draft2020-12/format.json (MIT, see data/json/suite).
INVALID = {
    "email": "2962",
    "idn-email": "2962",
    "regex": "^(abc]",
    "ipv4": "127.0.0.0.1",
    "ipv6": "12345::",
    "idn-hostname": "\u302e\uc2e4\ub840.\ud14c\uc2a4\ud2b8",
    "hostname": "-a-host-name-that-starts-with--",
    "date": "06/19/1963",
    "date-time": "1990-02-31T15:59:60.123-08:00",
    "time": "08:30:06 PST",
    "json-pointer": "/foo/bar~",
    "relative-json-pointer": "/foo/bar",
    "iri": "http://2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "iri-reference": "\\\\WINDOWS\\fil\u00eb\u00df\u00e5r\u00e9",
    "uri": "//foo.bar/?baz=qux#quux",
    "uri-reference": "\\\\WINDOWS\\fileshare",
    "uri-template": "http://example.com/dictionary/{term:1}/{term",
    "uuid": "2eb8aa08-aa98-11ea-b4aa-73b441d1638",
    "duration": "PT1D",
}
# "all string formats ignore integers, floats, objects, arrays, booleans, nulls"
IGNORED: list[Any] = [12, 13.7, {}, [], False, None]


def nif_valid(artefacts: ArtefactSet, instance: Any, **options: Any) -> bool:
    step = compile_json_schema(artefacts, **options)
    parsed = parse_json(json.dumps(instance).encode(), max_bytes=1 << 20)
    assert parsed.document is not None
    return not step.check(parsed.document).findings


def suite_cases(draft: str) -> list[tuple[dict[str, Any], Any]]:
    return [
        ({"$schema": DRAFT_URIS[draft], "format": name}, instance)
        for name, invalid in INVALID.items()
        for instance in [*IGNORED, invalid]
    ]


def disagreements(draft: str, **options: Any) -> list[tuple[str, Any]]:
    """The suite's format cases where nif and raw jsonschema-rs (default options) differ."""
    found = []
    for schema, instance in suite_cases(draft):
        raw = jsonschema_rs.validator_for(schema).is_valid(instance)
        if nif_valid(schema_set(schema), instance, **options) != raw:
            found.append((schema["format"], instance))
    return found


# -- format by the draft ------------------------------------------------------------------------


@pytest.mark.parametrize("draft", list(DRAFT_URIS))
def test_format_cases_agree_with_the_raw_engine(draft):
    assert disagreements(draft) == []


@pytest.mark.parametrize("draft", ["2019-09", "2020-12"])
def test_format_is_an_annotation_in_2019_09_and_2020_12(draft):
    """The suite's format.json: every invalid string is valid, format is only an annotation."""
    for schema, instance in suite_cases(draft):
        assert nif_valid(schema_set(schema), instance), (schema, instance)


@pytest.mark.parametrize("draft", ["4", "6", "7"])
def test_format_asserts_in_drafts_4_to_7(draft):
    schema = {"$schema": DRAFT_URIS[draft], "format": "email"}
    assert not nif_valid(schema_set(schema), "2962")
    assert nif_valid(schema_set(schema), "joe@example.org")
    assert all(nif_valid(schema_set(schema), value) for value in IGNORED)


def test_asserting_always_disagreed_on_19_cases_of_each_later_draft():
    """The figure before: `format` asserted whatever the draft (the old default)."""
    assert len(disagreements("2020-12", format_assertions=True)) == 19
    assert len(disagreements("2019-09", format_assertions=True)) == 19
    assert disagreements("7", format_assertions=True) == []


def test_setting_overrides_the_draft():
    later = schema_set({"$schema": DRAFT_URIS["2020-12"], "format": "ipv4"})
    earlier = schema_set({"$schema": DRAFT_URIS["7"], "format": "ipv4"})
    assert not nif_valid(later, "x", format_assertions=True)
    assert nif_valid(earlier, "x", format_assertions=False)
    profile = Profile(steps=(StepSpec("json-schema", later),))
    assert validate(b'"x"', profile).verdict is Verdict.VALID
    forced = Settings(json_format_assertions="on")
    assert validate(b'"x"', profile, settings=forced).verdict is Verdict.INVALID
    by_draft = Settings(json_format_assertions="draft")
    assert by_draft.validation.json_format_assertions is None


# -- the format-assertion vocabulary, the suite's optional/format-assertion.json ----------------


def _meta(uri: str, vocabulary: dict[str, bool], base: str) -> dict[str, Any]:
    return {"$schema": base, "$id": uri, "$vocabulary": vocabulary}


@pytest.mark.parametrize("group", json.loads((SUITE / "format-assertion.json").read_text()))
def test_format_assertion_vocabulary_as_the_raw_engine(group, tmp_path):
    """The suite's meta-schemas, read offline through a catalog, decide `format` as the raw
    engine does: listed in `$vocabulary` (true, or false: nif knows the vocabulary), it asserts."""
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(group["schema"]))
    profile = Profile.from_files(json_schema=schema, catalogs=[SUITE / "catalog.xml"])
    artefacts = profile.steps[0].artefacts
    assert group["schema"]["$schema"] in artefacts.parts
    remotes = [(uri, json.loads(part.content)) for uri, part in artefacts.parts.items()]
    raw = jsonschema_rs.validator_for(group["schema"], registry=jsonschema_rs.Registry(remotes))
    for case in group["tests"]:
        content = json.dumps(case["data"]).encode()
        verdict = validate(content, profile).verdict
        assert verdict is (Verdict.VALID if raw.is_valid(case["data"]) else Verdict.INVALID)
        if group["schema"]["$schema"].endswith("-true.json"):
            assert (verdict is Verdict.VALID) is case["valid"], case["description"]


@pytest.mark.parametrize(
    ("draft", "vocabulary", "asserted"),
    [
        ("2019-09", {"https://json-schema.org/draft/2019-09/vocab/format": True}, True),
        ("2019-09", {"https://json-schema.org/draft/2019-09/vocab/format": False}, False),
        ("2020-12", {"https://json-schema.org/draft/2020-12/vocab/format-assertion": True}, True),
        ("2020-12", {"https://json-schema.org/draft/2020-12/vocab/core": True}, False),
    ],
)
def test_meta_schema_vocabulary_decides_format(draft, vocabulary, asserted):
    meta = _meta("https://schemas.example.gov/meta.json", vocabulary, DRAFT_URIS[draft])
    main = {"$schema": "https://schemas.example.gov/meta.json", "format": "ipv4"}
    parts = {
        uri: Artefact(uri, json.dumps(value).encode())
        for uri, value in (("file:///s/main.json", main), ("file:///s/meta.json", meta))
    }
    artefacts = ArtefactSet("file:///s/main.json", parts)
    step = compile_json_schema(artefacts)
    assert (step.draft, step.format_assertions) == (draft, asserted)
    assert nif_valid(artefacts, "not-an-ipv4") is not asserted


# -- --json-draft -------------------------------------------------------------------------------


def test_json_draft_applies_to_a_schema_without_dollar_schema(tmp_path):
    schema = tmp_path / "legacy.json"
    schema.write_text(json.dumps({"maximum": 3, "exclusiveMaximum": True, "format": "email"}))
    with pytest.raises(CompileError, match=r"draft 2020-12"):
        compile_json_schema(Profile.from_files(json_schema=schema).steps[0].artefacts)
    profile = Profile.from_files(json_schema=schema, json_draft="draft-04")
    assert profile.steps[0].json_draft == "4"
    assert validate(b"3", profile).verdict is Verdict.INVALID
    assert validate(b'"nobody"', profile).verdict is Verdict.INVALID  # draft 4 asserts format
    assert validate(b"2", profile).verdict is Verdict.VALID


def test_dollar_schema_wins_over_json_draft():
    artefacts = schema_set({"$schema": DRAFT_URIS["2020-12"], "prefixItems": [{"type": "string"}]})
    step = compile_json_schema(artefacts, draft="4")
    assert step.draft == "2020-12"
    assert not nif_valid(artefacts, [1], draft="4")


def test_json_draft_is_part_of_the_step_key():
    artefacts = schema_set({"const": 1})
    keys = {StepSpec("json-schema", artefacts, json_draft=d).key for d in (None, "4", "6")}
    assert len(keys) == 3
    draft4 = Profile(steps=(StepSpec("json-schema", artefacts, json_draft="4"),))
    draft6 = Profile(steps=(StepSpec("json-schema", artefacts, json_draft="6"),))
    assert validate(b"2", draft4).verdict is Verdict.VALID  # no const in draft 4
    assert validate(b"2", draft6).verdict is Verdict.INVALID


def test_draft_4_ids_are_read_with_json_draft(tmp_path):
    (tmp_path / "types.json").write_text(json.dumps({"type": "integer"}))
    main = {"id": "https://example.org/a/main.json", "properties": {"n": {"$ref": "types.json"}}}
    (tmp_path / "main.json").write_text(json.dumps(main))
    artefacts = load_json_schema(tmp_path / "main.json", draft="4")
    assert (tmp_path / "types.json").as_uri() in artefacts.parts
    assert not nif_valid(artefacts, {"n": "x"}, draft="4")


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("7", "7"),
        ("draft-07", "7"),
        ("draft7", "7"),
        ("http://json-schema.org/draft-07/schema#", "7"),
        ("https://json-schema.org/draft-07/schema", "7"),
        ("2019-09", "2019-09"),
        ("https://json-schema.org/draft/2020-12/schema", "2020-12"),
    ],
)
def test_draft_names(given, name):
    assert draft_named(given) == name


def test_unknown_draft_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match=r"draft '3' is not one nif knows"):
        draft_named("3")
    with pytest.raises(UsageError, match=r"must be one of 4, 6, 7, 2019-09, 2020-12"):
        StepSpec("json-schema", schema_set({}), json_draft="draft-07")
    with pytest.raises(UsageError, match=r"needs a JSON Schema"):
        Profile.from_files(json_draft="7")


# -- custom meta-schemas ------------------------------------------------------------------------

STRICT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://schemas.example.gov/meta/strict-formats.json",
    "$vocabulary": {
        "https://json-schema.org/draft/2020-12/vocab/core": True,
        "https://json-schema.org/draft/2020-12/vocab/applicator": True,
        "https://json-schema.org/draft/2020-12/vocab/validation": True,
        "https://json-schema.org/draft/2020-12/vocab/format-assertion": True,
    },
    "$dynamicAnchor": "meta",
    "allOf": [{"$ref": "https://json-schema.org/draft/2020-12/schema"}],
    "required": ["title"],
}


def strict_schema_files(tmp_path: Path, schema: dict[str, Any]) -> Path:
    """A schema published under https://schemas.example.gov/orders/, its meta-schema beside."""
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "strict-formats.json").write_text(json.dumps(STRICT))
    (tmp_path / "orders").mkdir()
    path = tmp_path / "orders" / "order.json"
    path.write_text(json.dumps(schema))
    return path


def test_custom_meta_schema_in_the_set_is_used(tmp_path):
    """The docs' example: a meta-schema that asserts `format` and requires a title (of every
    subschema: the 2020-12 meta-schema it extends applies it through `$dynamicAnchor`)."""
    path = strict_schema_files(
        tmp_path,
        {
            "$schema": STRICT["$id"],
            "$id": "https://schemas.example.gov/orders/order.json",
            "title": "Order",
            "properties": {"contact": {"title": "Mail", "type": "string", "format": "email"}},
        },
    )
    meta = (tmp_path / "meta" / "strict-formats.json").as_uri()
    assert json_references(Artefact.from_path(path)) == ["../meta/strict-formats.json"]
    profile = Profile.from_files(json_schema=path)
    assert [ref.uri for ref in profile.steps[0].artefacts.refs()] == [path.as_uri(), meta]
    assert validate(b'{"contact": "nobody"}', profile).verdict is Verdict.INVALID
    assert validate(b'{"contact": "a@example.org"}', profile).verdict is Verdict.VALID
    report = validate(b'{"contact": 1}', profile)
    assert [f.rule_id for f in report.findings] == ["type"]  # the validation vocabulary is on


def test_schema_is_checked_against_its_custom_meta_schema(tmp_path):
    path = strict_schema_files(
        tmp_path,
        {
            "$schema": STRICT["$id"],
            "$id": "https://schemas.example.gov/orders/order.json",
            "title": "Order",
            "properties": {"contact": {"type": "string"}},
        },
    )
    with pytest.raises(CompileError) as info:
        compile_json_schema(load_json_schema(path))
    message = str(info.value)
    assert "not a valid JSON Schema (meta-schema https://schemas.example.gov/meta/" in message
    assert 'at /properties/contact: "title" is a required property' in message


def test_unknown_dollar_schema_outside_the_set_is_a_compile_error_naming_it():
    schema = {"$schema": "https://schemas.example.gov/meta/unknown.json", "type": "object"}
    with pytest.raises(CompileError) as info:
        compile_json_schema(schema_set(schema))
    message = str(info.value)
    assert "$schema 'https://schemas.example.gov/meta/unknown.json'" in message
    assert "no meta-schema of that URI is in the schema set" in message


def test_unknown_dollar_schema_is_refused_when_loading_naming_it(tmp_path):
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"$schema": "https://schemas.example.gov/meta/unknown.json"}))
    with pytest.raises(ResolutionError) as info:
        load_json_schema(path)
    assert str(info.value) == (
        f"{path}: $schema 'https://schemas.example.gov/meta/unknown.json' is not a draft nif "
        "knows (drafts 4, 6, 7, 2019-09 and 2020-12) and its meta-schema is not available; nif "
        "never reads the network: map it to a local copy with a catalog"
    )


def test_meta_schema_must_lead_to_a_draft():
    meta = {"$id": "https://schemas.example.gov/meta.json", "$schema": "https://other/meta.json"}
    main = {"$schema": "https://schemas.example.gov/meta.json"}
    parts = {
        uri: Artefact(uri, json.dumps(value).encode())
        for uri, value in (("file:///s/main.json", main), ("file:///s/meta.json", meta))
    }
    with pytest.raises(CompileError, match=r"does not lead to a draft nif knows"):
        compile_json_schema(ArtefactSet("file:///s/main.json", parts))


def test_draft_7_custom_meta_schema(tmp_path):
    meta = {"$schema": DRAFT_URIS["7"], "$id": "https://schemas.example.gov/meta7.json"}
    (tmp_path / "meta7.json").write_text(json.dumps(meta))
    schema = {
        "$schema": "https://schemas.example.gov/meta7.json",
        "$id": "https://schemas.example.gov/main.json",
        "maximum": 3,
        "format": "ipv4",
    }
    (tmp_path / "main.json").write_text(json.dumps(schema))
    step = compile_json_schema(load_json_schema(tmp_path / "main.json"))
    assert (step.draft, step.format_assertions) == ("7", True)


def test_catalog_can_bring_the_meta_schema(tmp_path):
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "strict-formats.json").write_text(json.dumps(STRICT))
    (tmp_path / "catalog.xml").write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        f'<uri name="{STRICT["$id"]}" uri="mirror/strict-formats.json"/></catalog>'
    )
    (tmp_path / "schema.json").write_text(
        json.dumps({"$schema": STRICT["$id"], "title": "x", "format": "date"})
    )
    catalog = Catalog.load([tmp_path / "catalog.xml"])
    artefacts = load_json_schema(tmp_path / "schema.json", catalog=catalog)
    assert STRICT["$id"] in artefacts.parts
    assert not nif_valid(artefacts, "2024-02-30")


def test_json_draft_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from nif.cli import cli

    schema = tmp_path / "legacy.json"
    schema.write_text(json.dumps({"maximum": 3, "exclusiveMaximum": True}))
    message = tmp_path / "m.json"
    message.write_text("3")
    run = CliRunner().invoke
    as_draft4 = run(
        cli, ["validate", str(message), "--json-schema", str(schema), "--json-draft", "4"]
    )
    assert as_draft4.exit_code == 1, as_draft4.output
    assert "exclusiveMaximum" in as_draft4.output
    as_default = run(cli, ["validate", str(message), "--json-schema", str(schema)])
    assert as_default.exit_code == 1
    assert "not a valid JSON Schema (draft 2020-12)" in as_default.output
    alone = run(cli, ["validate", str(message), "--xsd", str(schema), "--json-draft", "7"])
    assert alone.exit_code == 2
    assert "--json-draft needs --json-schema" in alone.output
    unknown = run(
        cli, ["validate", str(message), "--json-schema", str(schema), "--json-draft", "3"]
    )
    assert unknown.exit_code == 2
