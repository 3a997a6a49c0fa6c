"""JSON Schema inclusion: a corpus of change pairs, both directions, checked against the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from nif.compat._json_changes import diff
from nif.compat._json_schema import json_included
from nif.compat._json_witness import engine
from nif.settings import Settings
from nif.validate import (
    JSON_SCHEMA,
    Artefact,
    ArtefactSet,
    StepSpec,
    collect,
    compile_step,
    json_references,
    parse_json,
)

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
    "required": ["name"],
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = {**base, **changes}
    return {k: v for k, v in out.items() if v is not None}


def _props(**props: Any) -> dict[str, Any]:
    return {**PERSON["properties"], **props}


# (name, old, new, draft, backward verdict: does NEW accept all OLD accepts?)
CASES: list[tuple[str, Any, Any, str, bool | None]] = [
    ("identical", PERSON, PERSON, "2020-12", True),
    (
        "optional property added (open)",
        PERSON,
        _with(PERSON, properties=_props(email={"type": "string"})),
        "2020-12",
        False,
    ),
    ("property made required", PERSON, _with(PERSON, required=["name", "age"]), "2020-12", False),
    (
        "property removed, closed",
        _with(PERSON, additionalProperties=False),
        {
            **PERSON,
            "properties": {"name": {"type": "string", "maxLength": 20}},
            "additionalProperties": False,
        },
        "2020-12",
        False,
    ),
    ("type widened", {"type": "string"}, {"type": ["string", "null"]}, "2020-12", True),
    ("integer within number", {"type": "integer"}, {"type": "number"}, "2020-12", True),
    ("enum value added", {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, "2020-12", True),
    ("const within type", {"const": 3}, {"type": "integer", "minimum": 0}, "2020-12", True),
    (
        "maxLength raised",
        {"type": "string", "maxLength": 5},
        {"type": "string", "maxLength": 9},
        "2020-12",
        True,
    ),
    (
        "minimum exclusive draft 4",
        {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        {"type": "number", "minimum": 0},
        "4",
        True,
    ),
    (
        "bounds within",
        {"type": "number", "minimum": 1, "exclusiveMaximum": 5},
        {"type": "number", "minimum": 0, "maximum": 5},
        "2020-12",
        True,
    ),
    (
        "multipleOf implied",
        {"type": "integer", "multipleOf": 4},
        {"type": "integer", "multipleOf": 2},
        "2020-12",
        True,
    ),
    (
        "items widened",
        {"type": "array", "items": {"type": "integer"}},
        {"type": "array", "items": {"type": "number"}},
        "2020-12",
        True,
    ),
    (
        "prefixItems",
        {"type": "array", "prefixItems": [{"type": "string"}], "items": False},
        {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
        "2020-12",
        True,
    ),
    (
        "draft 4 array items",
        {"type": "array", "items": [{"type": "string"}], "additionalItems": False},
        {"type": "array", "items": [{"type": ["string", "null"]}]},
        "4",
        True,
    ),
    (
        "anyOf branch added",
        {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
        "2020-12",
        True,
    ),
    (
        "oneOf disjoint branches",
        {"type": "string"},
        {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "2020-12",
        True,
    ),
    (
        "$ref'd definition widened",
        {
            "$defs": {"c": {"type": "string", "maxLength": 3}},
            "properties": {"c": {"$ref": "#/$defs/c"}},
        },
        {"$defs": {"c": {"type": "string"}}, "properties": {"c": {"$ref": "#/$defs/c"}}},
        "2020-12",
        True,
    ),
    (
        "draft 7 definitions",
        {"definitions": {"c": {"type": "integer"}}, "$ref": "#/definitions/c"},
        {"definitions": {"c": {"type": "number"}}, "$ref": "#/definitions/c"},
        "7",
        True,
    ),
    (
        "allOf conjunction",
        {"allOf": [{"type": "string"}, {"maxLength": 3}]},
        {"type": "string", "maxLength": 4},
        "2020-12",
        True,
    ),
    (
        "format is an annotation in 2020-12",
        {"type": "string"},
        {"type": "string", "format": "email"},
        "2020-12",
        True,
    ),
    (
        "format asserted in draft 7",
        {"type": "string"},
        {"type": "string", "format": "email"},
        "7",
        False,
    ),
    (
        "pattern changed, witness",
        {"type": "string"},
        {"type": "string", "pattern": "^[0-9]+$"},
        "2020-12",
        False,
    ),
    (
        "uniqueItems added",
        {"type": "array"},
        {"type": "array", "uniqueItems": True},
        "2020-12",
        False,
    ),
    (
        "additionalProperties schema narrowed",
        {"type": "object", "additionalProperties": True},
        {"type": "object", "additionalProperties": {"type": "string"}},
        "2020-12",
        False,
    ),
    (
        "not is unknown",
        {"type": "string", "minLength": 1},
        {"not": {"type": "string", "maxLength": 0}},
        "2020-12",
        None,
    ),
]

REVERSE_EXPECTED = {
    "identical": True,
    "optional property added (open)": True,
    "property made required": True,
    "property removed, closed": True,
    "type widened": False,
    "integer within number": False,
    "enum value added": False,
    "const within type": False,
    "maxLength raised": False,
    "minimum exclusive draft 4": False,
    "bounds within": False,
    "multipleOf implied": False,
    "items widened": False,
    "prefixItems": False,
    "draft 4 array items": False,
    "anyOf branch added": False,
    "oneOf disjoint branches": False,
    "$ref'd definition widened": False,
    "draft 7 definitions": False,
    "allOf conjunction": False,
    "format is an annotation in 2020-12": True,
    "format asserted in draft 7": True,
    "pattern changed, witness": True,
    "uniqueItems added": True,
    "additionalProperties schema narrowed": True,
    "not is unknown": False,  # NEW's `not` accepts 1, OLD does not: the witness search finds it
}

_IDS = [c[0] for c in CASES]


def _check_witness(old: Any, new: Any, draft: str, witness: Any) -> None:
    assert engine(old, draft).is_valid(witness)
    assert not engine(new, draft).is_valid(witness)


@pytest.mark.parametrize(("name", "old", "new", "draft", "expected"), CASES, ids=_IDS)
def test_backward(name: str, old: Any, new: Any, draft: str, expected: bool | None) -> None:
    result = json_included(old, new, draft=draft)
    assert result.included is expected, result.reason
    if expected is False:
        _check_witness(old, new, draft, result.witness)
    else:
        assert result.witness is None
    if expected is None:
        assert result.reason


@pytest.mark.parametrize(("name", "old", "new", "draft", "expected"), CASES, ids=_IDS)
def test_forward(name: str, old: Any, new: Any, draft: str, expected: bool | None) -> None:
    if name not in REVERSE_EXPECTED:
        pytest.skip("no expectation for the reverse")
    result = json_included(new, old, draft=draft)
    assert result.included is REVERSE_EXPECTED[name], result.reason
    if result.included is False:
        _check_witness(new, old, draft, result.witness)


def test_anyof_branch_removed_has_a_witness() -> None:
    old = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    result = json_included(old, {"anyOf": [{"type": "string"}]})
    assert result.included is False and result.witness is None  # JSON null


def test_enum_value_removed_witness_is_that_value() -> None:
    result = json_included({"enum": ["a", "b"]}, {"enum": ["a"]})
    assert result.included is False and result.witness == "b"


def test_recursive_ref_is_unknown_not_wrong() -> None:
    tree = {
        "$defs": {
            "t": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/t"}}},
            }
        },
        "$ref": "#/$defs/t",
    }
    tree_new: Any = {
        "$defs": {
            "t": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/t"}}},
                "maxProperties": 5,
            }
        },
        "$ref": "#/$defs/t",
    }
    result = json_included(tree, tree_new)
    assert result.included is not True
    if result.included is False:
        _check_witness(tree, tree_new, "2020-12", result.witness)


def test_changes_name_pointer_and_direction() -> None:
    new = _with(
        PERSON,
        properties=_props(name={"type": "string", "maxLength": 10}),
        required=["name", "age"],
    )
    changes = {
        (c.pointer_old, c.pointer_new, c.kind, c.breaks, c.detail) for c in diff(PERSON, new)
    }
    assert (
        "/properties/name/maxLength",
        "/properties/name/maxLength",
        "maxLength-changed",
        "backward",
        "maxLength 20 -> 10",
    ) in changes
    assert (
        "/required",
        "/required",
        "required-added",
        "backward",
        "property 'age' made required",
    ) in changes


def test_property_added_to_closed_object_breaks_forward_only() -> None:
    old = _with(PERSON, additionalProperties=False)
    new = _with(old, properties=_props(email={"type": "string"}))
    kinds = {(c.kind, c.breaks) for c in diff(old, new)}
    assert ("property-added", "forward") in kinds


def test_witness_is_checked_by_the_engine_itself() -> None:
    old, new = {"type": "number"}, {"type": "integer"}
    result = json_included(old, new)
    assert result.included is False
    assert jsonschema_rs.validator_for(old).is_valid(result.witness)
    assert not jsonschema_rs.validator_for(new).is_valid(result.witness)


UNKNOWN_CASES: list[tuple[str, Any, Any, str]] = [
    ("nested $id rebases references",
     {"$defs": {"a": {"type": "string"}}, "properties": {"p": {"$id": "http://x/", "$ref": "#/$defs/a"}}},
     {"$defs": {"a": {"type": "string"}}, "properties": {"p": {"$id": "http://x/", "$ref": "#/$defs/a"}}},
     "2020-12"),
    ("float multipleOf", {"type": "number", "multipleOf": 0.2}, {"type": "number", "multipleOf": 0.1},
     "2020-12"),
    ("oneOf with overlapping branches", {"type": "integer", "minimum": 0},
     {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": -5}]}, "2020-12"),
    ("non-local $ref", {"type": "string"}, {"$ref": "http://example.org/s.json"}, "2020-12"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "old", "new", "draft"), UNKNOWN_CASES, ids=[c[0] for c in UNKNOWN_CASES]
)
def test_never_proven_beyond_the_subset(name: str, old: Any, new: Any, draft: str) -> None:
    result = json_included(old, new, draft=draft)
    assert result.included is not True
    assert result.reason
    if result.included is False:
        _check_witness(old, new, draft, result.witness)


def test_oneof_overlap_is_refuted_by_a_checked_witness() -> None:
    old = {"type": "integer", "minimum": 0}
    new = {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": -5}]}
    result = json_included(old, new)
    assert result.included is False  # 0 matches both branches, so NEW rejects it
    _check_witness(old, new, "2020-12", result.witness)


def test_allof_split_partners_are_not_merged() -> None:
    # Draft 7: additionalItems in another conjunct has no items array to follow, so it is inert.
    old = {"allOf": [{"type": "array", "items": [{"type": "string"}]}, {"additionalItems": False}]}
    new = {"type": "array", "items": [{"type": "string"}], "additionalItems": False}
    result = json_included(old, new, draft="7")
    assert result.included is False
    _check_witness(old, new, "7", result.witness)


def test_modern_ref_keeps_its_siblings() -> None:
    old = {"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 3}
    assert json_included(old, {"type": "string", "maxLength": 3}).included is True
    draft7 = {"definitions": {"s": {"type": "string"}}, "$ref": "#/definitions/s", "maxLength": 3}
    result = json_included(draft7, {"type": "string", "maxLength": 3}, draft="7")
    assert result.included is False  # draft 7 ignores the sibling: "aaaa" is valid
    _check_witness(draft7, {"type": "string", "maxLength": 3}, "7", result.witness)


def _mutations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Small edits of SCHEMA: the sort a new version makes."""
    props = schema.get("properties", {})
    out = [
        {**schema, "required": [*schema.get("required", []), "age"]},
        {**schema, "required": []},
        {**schema, "additionalProperties": False},
        {**schema, "additionalProperties": {"type": "integer"}},
        {**schema, "minProperties": 1},
        {**schema, "maxProperties": 1},
    ]
    for name in props:
        for sub in (
            {"type": "string"},
            {"type": "integer", "minimum": 3},
            {"enum": [1, "a"]},
            {"type": ["string", "null"], "maxLength": 2},
            {"type": "number"},
            {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
            True,
            False,
        ):
            out.append({**schema, "properties": {**props, name: sub}})
        out.append({**schema, "properties": {k: v for k, v in props.items() if k != name}})
    return out


@pytest.mark.slow
def test_proofs_survive_the_engine_on_mutated_pairs() -> None:
    """Soundness: whatever is proven, no candidate the witness search knows refutes it."""
    from nif.compat._json_witness import _candidates

    base = {**PERSON, "properties": {**PERSON["properties"], "tags": {"type": "array"}}}
    schemas = [base, *_mutations(base)]
    proven = 0
    for old in schemas:
        for new in schemas:
            result = json_included(old, new)
            if result.included is False:
                _check_witness(old, new, "2020-12", result.witness)
            if result.included is not True:
                continue
            proven += 1
            v_old, v_new = engine(old, "2020-12"), engine(new, "2020-12")
            for value in [*_candidates(old, new, old, new), *_candidates(new, old, new, old)]:
                assert not (v_old.is_valid(value) and not v_new.is_valid(value)), (old, new, value)
    assert proven > len(schemas)


def test_format_follows_the_assertion_setting() -> None:
    old, new = {"type": "string"}, {"type": "string", "format": "email"}
    asserted = json_included(old, new, format_assertions=True)
    assert asserted.included is False
    assert not engine(new, "2020-12", True).is_valid(asserted.witness)
    assert json_included(old, new, draft="7", format_assertions=False).included is True


def _registry_schema(path: str) -> Any:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).parents[2] / "registry" / "interfaces" / path).read_text())


def test_real_schema_is_included_in_itself_across_refs() -> None:
    inspection = _registry_schema("vehreg-inspection/schemas/1.0.0/inspection-result.schema.json")
    assert json_included(inspection, inspection).included is True


def test_real_schema_with_a_narrowed_pattern_gets_a_full_message() -> None:
    import copy

    old = _registry_schema("vehreg-inspection/schemas/1.0.0/inspection-result.schema.json")
    new = copy.deepcopy(old)
    new["properties"]["vehicle"]["properties"]["plate"]["pattern"] = "^[A-Z]{3}-[0-9]{4}$"
    result = json_included(old, new)
    assert result.included is False, result.reason
    _check_witness(old, new, "2020-12", result.witness)
    assert isinstance(result.witness, dict)
    assert set(result.witness) >= {"header", "vehicle", "inspection"}
    assert ("pattern-changed", "both") in {(c.kind, c.breaks) for c in result.changes}


def test_external_refs_stay_unknown() -> None:
    response = _registry_schema("civreg-address/schemas/1.0.0/address-lookup-response.schema.json")
    result = json_included(response, response)
    assert result.included is None and "non-local" in (result.reason or "")


def test_allof_clashes_are_combined_exactly() -> None:
    old = {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "number"}}},
            {
                "type": ["object", "null"],
                "required": ["b"],
                "properties": {"a": {"type": "integer"}},
            },
        ]
    }
    new = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}}}
    assert json_included(old, new).included is True
    narrower = {**new, "properties": {"a": {"type": "integer", "maximum": 3}}}
    result = json_included(old, narrower)
    assert result.included is False
    _check_witness(old, narrower, "2020-12", result.witness)


TAX = Path(__file__).parents[2] / "registry" / "interfaces" / "tax-income-statement" / "schemas"


def _schema_set(version: str) -> tuple[Any, ArtefactSet]:
    path = TAX / version / "income-statement.schema.json"
    return json.loads(path.read_text()), collect(Artefact.from_path(path), json_references)


@pytest.mark.parametrize(("older", "newer"), [("1.0.0", "2.0.0"), ("2.0.0", "1.0.0")])
def test_schema_set_resolves_refs_to_other_documents_for_the_witness(
    older: str, newer: str
) -> None:
    """2.0.0 `$ref`s common/money.schema.json: with the sets, each breaking direction gets a
    witness that nif's own step (OLD accepts, NEW rejects) confirms. From 2.0.0 the
    witness's amounts come from the other document, inlined for the candidates."""
    old, old_set = _schema_set(older)
    new, new_set = _schema_set(newer)
    assert len(_schema_set("2.0.0")[1].parts) == 2
    verdict = json_included(old, new, old_set=old_set, new_set=new_set)
    assert verdict.included is False
    settings = Settings()
    step_old = compile_step(StepSpec(JSON_SCHEMA, old_set), settings)
    step_new = compile_step(StepSpec(JSON_SCHEMA, new_set), settings)
    document = parse_json(json.dumps(verdict.witness).encode(), max_bytes=1 << 20).document
    assert document is not None
    assert not step_old.check(document).findings
    assert step_new.check(document).findings


def test_without_the_set_a_cross_document_ref_stays_unknown() -> None:
    """Backward compatible: no set, the external `$ref` cannot be checked, so no verdict."""
    old, _ = _schema_set("1.0.0")
    new, _ = _schema_set("2.0.0")
    verdict = json_included(old, new)
    assert verdict.included is None
    assert verdict.reason


def _variant(schema: dict[str, Any], base: ArtefactSet) -> ArtefactSet:
    """BASE's set with SCHEMA as its main document, beside the original (same `$ref`s)."""
    uri = base.main.replace("income-statement.schema.json", "variant.schema.json")
    parts = {**base.parts, uri: Artefact(uri, json.dumps(schema).encode())}
    return ArtefactSet(uri, parts)


def test_prover_follows_self_contained_refs_into_other_documents() -> None:
    """Dropping a required field: proven backward compatible through the money `$ref`s, and
    the reverse has a witness lacking that field."""
    new, new_set = _schema_set("2.0.0")
    relaxed = json.loads(json.dumps(new))
    relaxed["required"].remove("taxWithheld")
    relaxed_set = _variant(relaxed, new_set)
    assert json_included(new, new, old_set=new_set, new_set=new_set).included is True
    assert json_included(new, relaxed, old_set=new_set, new_set=relaxed_set).included is True
    back = json_included(relaxed, new, old_set=relaxed_set, new_set=new_set)
    assert back.included is False
    assert isinstance(back.witness, dict)
    assert "taxWithheld" not in back.witness


def test_prover_does_not_prove_a_changed_external_target() -> None:
    """NEW's amount ref points at another definition (a string): never claimed included."""
    new, new_set = _schema_set("2.0.0")
    moved = json.loads(json.dumps(new))
    moved["properties"]["grossIncome"] = {"$ref": "common/money.schema.json#/$defs/vatNumber"}
    verdict = json_included(new, moved, old_set=new_set, new_set=_variant(moved, new_set))
    assert verdict.included is False
    assert isinstance(verdict.witness, dict)
    assert isinstance(verdict.witness["grossIncome"], (int, float))


def test_a_set_whose_main_is_another_schema_is_refused() -> None:
    new, new_set = _schema_set("2.0.0")
    old, _ = _schema_set("1.0.0")
    with pytest.raises(ValueError, match="old_set"):
        json_included(old, new, old_set=new_set, new_set=new_set)
