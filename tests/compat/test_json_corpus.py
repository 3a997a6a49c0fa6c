"""A corpus of JSON Schema change kinds, per draft, through the public `compare_files`.

Each case has its expected verdict in both directions (backward: NEW accepts every message OLD
accepts; forward: the reverse). Every `incompatible` counterexample is validated again here by
nif's own validator (`Profile.from_files` + `validate`): valid under the schema that must accept
it, invalid under the other. `unknown` appears only where a case says why it is expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nif.compat import Answer, compare_files
from nif.report import Verdict
from nif.validate import Profile, validate

ALL = ("4", "6", "7", "2019-09", "2020-12")
FROM_6 = ALL[1:]
FROM_7 = ALL[2:]
MODERN = ALL[3:]
ASSERTING = ALL[:3]  # drafts whose `format` asserts as nif validates them
URIS = {
    "4": "http://json-schema.org/draft-04/schema#",
    "6": "http://json-schema.org/draft-06/schema#",
    "7": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
OK, NO, UNK = "compatible", "incompatible", "unknown"


@dataclass(frozen=True)
class Case:
    name: str
    drafts: tuple[str, ...]
    old: Any
    new: Any
    backward: str
    forward: str
    why_unknown: str = ""
    """Why a direction is expected to stay `unknown` (required when one is)."""
    open_backward: bool | None = None
    """Whether the backward break turns only on open content (None: not asserted)."""


def _obj(props: dict[str, Any], required: list[str] | None = None, **more: Any) -> Any:
    out: dict[str, Any] = {"type": "object", "properties": props, **more}
    if required:
        out["required"] = required
    return out


NAME = {"type": "string", "maxLength": 20}
AGE = {"type": "integer", "minimum": 0}
PERSON = _obj({"name": NAME, "age": AGE}, ["name"])
CLOSED = _obj({"name": NAME, "age": AGE}, ["name"], additionalProperties=False)
STR, INT, NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}


_COND = {"if": _obj({"kind": {"const": "a"}}, ["kind"]), "then": {"required": ["n"]}}


def _defs(draft: str) -> str:
    return "$defs" if draft in MODERN else "definitions"


def _with_defs(draft: str, code: Any) -> Any:
    key = _defs(draft)
    return _obj({"code": {"$ref": f"#/{key}/code"}}, ["code"], **{key: {"code": code}})


CASES = [
    Case("identical", ALL, PERSON, PERSON, OK, OK),
    Case(
        "optional property added to an open object",
        ALL,
        PERSON,
        _obj({"name": NAME, "age": AGE, "email": STR}, ["name"]),
        NO,
        OK,
        open_backward=True,
    ),
    Case(
        "optional property added to a closed object",
        ALL,
        CLOSED,
        _obj({"name": NAME, "age": AGE, "email": STR}, ["name"], additionalProperties=False),
        OK,
        NO,
    ),
    Case(
        "required property added to an open object",
        ALL,
        PERSON,
        _obj({"name": NAME, "age": AGE, "email": STR}, ["name", "email"]),
        NO,
        OK,
        open_backward=False,
    ),
    Case(
        "required property added to a closed object",
        ALL,
        CLOSED,
        _obj(
            {"name": NAME, "age": AGE, "email": STR}, ["name", "email"], additionalProperties=False
        ),
        NO,
        NO,
    ),
    Case("property removed, open", ALL, PERSON, _obj({"name": NAME}, ["name"]), OK, NO),
    Case(
        "property removed, closed",
        ALL,
        CLOSED,
        _obj({"name": NAME}, ["name"], additionalProperties=False),
        NO,
        OK,
    ),
    Case("optional made required", ALL, PERSON, {**PERSON, "required": ["name", "age"]}, NO, OK),
    Case(
        "required made optional",
        ALL,
        PERSON,
        {k: v for k, v in PERSON.items() if k != "required"},
        OK,
        NO,
    ),
    Case("type narrowed number to integer", ALL, NUM, INT, NO, OK),
    Case("type widened integer to number", ALL, INT, NUM, OK, NO),
    Case(
        "not added, excluding a value no candidate reaches",
        ALL,
        STR,
        {"type": "string", "not": {"enum": ["zz-nif-rare"]}},
        UNK,
        OK,
        why_unknown="`not` in NEW is not decided, and the witness search proposes no value "
        "`not` excludes ('zz-nif-rare' is one, but only the engine knows)",
    ),
    Case("type widened to a null union", ALL, STR, {"type": ["string", "null"]}, OK, NO),
    Case("type changed string to integer", ALL, STR, INT, NO, NO),
    Case("enum value added", ALL, {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}, OK, NO),
    Case("enum value removed", ALL, {"enum": ["a", "b"]}, {"enum": ["a"]}, NO, OK),
    Case("const changed", FROM_6, {"const": "urn:x:1"}, {"const": "urn:x:2"}, NO, NO),
    Case("const widened to an enum", FROM_6, {"const": "a"}, {"enum": ["a", "b"]}, OK, NO),
    Case(
        "pattern added",
        ALL,
        STR,
        {"type": "string", "pattern": "^[0-9]{4}$"},
        NO,
        OK,
    ),
    Case(
        "pattern changed to a disjoint one",
        ALL,
        {"type": "string", "pattern": "^[0-9]{4}$"},
        {"type": "string", "pattern": "^[A-Z]{4}$"},
        NO,
        NO,
    ),
    Case(
        "pattern narrowed",
        ALL,
        {"type": "string", "pattern": "^[0-9]+$"},
        {"type": "string", "pattern": "^[0-9]{1,3}$"},
        NO,
        UNK,
        why_unknown="forward needs regex containment (^[0-9]{1,3}$ in ^[0-9]+$), not decided",
    ),
    Case(
        "format added, asserted", ASSERTING, STR, {"type": "string", "format": "date-time"}, NO, OK
    ),
    Case(
        "format added, annotation", MODERN, STR, {"type": "string", "format": "date-time"}, OK, OK
    ),
    Case(
        "format changed, asserted",
        ASSERTING,
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "email"},
        NO,
        NO,
    ),
    Case(
        "format changed, annotation",
        MODERN,
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "email"},
        OK,
        OK,
    ),
    Case(
        "maximum lowered",
        ALL,
        {"type": "integer", "maximum": 2100},
        {"type": "integer", "maximum": 2030},
        NO,
        OK,
    ),
    Case(
        "minimum raised",
        ALL,
        {"type": "number", "minimum": 0},
        {"type": "number", "minimum": 1},
        NO,
        OK,
    ),
    Case(
        "minimum made exclusive (boolean form)",
        ("4",),
        {"type": "number", "minimum": 0},
        {"type": "number", "minimum": 0, "exclusiveMinimum": True},
        NO,
        OK,
    ),
    Case(
        "maximum made inclusive (boolean form)",
        ("4",),
        {"type": "number", "maximum": 10, "exclusiveMaximum": True},
        {"type": "number", "maximum": 10},
        OK,
        NO,
    ),
    Case(
        "minimum made exclusive (number form)",
        FROM_6,
        {"type": "number", "minimum": 0},
        {"type": "number", "exclusiveMinimum": 0},
        NO,
        OK,
    ),
    Case(
        "exclusive maximum raised (number form)",
        FROM_6,
        {"type": "integer", "exclusiveMaximum": 10},
        {"type": "integer", "exclusiveMaximum": 12},
        OK,
        NO,
    ),
    Case(
        "minimum raised beside a fractional multipleOf",
        ALL,
        {"type": "number", "minimum": 0, "multipleOf": 0.01},
        {"type": "number", "minimum": 1, "multipleOf": 0.01},
        NO,
        OK,
    ),
    Case(
        "number narrowed to integer beside a fractional multipleOf",
        ALL,
        {"type": "number", "multipleOf": 0.01},
        {"type": "integer", "multipleOf": 0.01},
        NO,
        OK,
    ),
    Case(
        "enum narrowed beside a required formatted field",
        ALL,
        _obj(
            {"at": {"type": "string", "format": "date-time"}, "kind": {"enum": ["a", "b"]}},
            ["at", "kind"],
        ),
        _obj(
            {"at": {"type": "string", "format": "date-time"}, "kind": {"enum": ["a"]}},
            ["at", "kind"],
        ),
        NO,
        OK,
    ),
    Case(
        "maxLength lowered",
        ALL,
        {"type": "string", "maxLength": 9},
        {"type": "string", "maxLength": 5},
        NO,
        OK,
    ),
    Case(
        "minLength raised",
        ALL,
        {"type": "string", "minLength": 1},
        {"type": "string", "minLength": 3},
        NO,
        OK,
    ),
    Case("minLength dropped", ALL, {"type": "string", "minLength": 2}, STR, OK, NO),
    Case(
        "maxItems lowered",
        ALL,
        {"type": "array", "maxItems": 3},
        {"type": "array", "maxItems": 2},
        NO,
        OK,
    ),
    Case(
        "items widened integer to number",
        ALL,
        {"type": "array", "items": INT},
        {"type": "array", "items": NUM},
        OK,
        NO,
    ),
    Case(
        "uniqueItems added",
        ALL,
        {"type": "array", "items": INT},
        {"type": "array", "items": INT, "uniqueItems": True},
        NO,
        OK,
    ),
    Case(
        "prefixItems gains a position",
        ("2020-12",),
        {"type": "array", "prefixItems": [STR]},
        {"type": "array", "prefixItems": [STR, INT]},
        NO,
        OK,
    ),
    Case(
        "prefixItems closed by items false",
        ("2020-12",),
        {"type": "array", "prefixItems": [STR, INT]},
        {"type": "array", "prefixItems": [STR, INT], "items": False},
        NO,
        OK,
    ),
    Case(
        "tuple items gain a position",
        ALL[:4],
        {"type": "array", "items": [STR]},
        {"type": "array", "items": [STR, INT]},
        NO,
        OK,
    ),
    Case(
        "additionalItems closed",
        ALL[:4],
        {"type": "array", "items": [STR, INT]},
        {"type": "array", "items": [STR, INT], "additionalItems": False},
        NO,
        OK,
    ),
    Case(
        "additionalProperties false to true",
        ALL,
        CLOSED,
        {**CLOSED, "additionalProperties": True},
        OK,
        NO,
    ),
    Case("additionalProperties true to false", ALL, PERSON, CLOSED, NO, OK, open_backward=True),
    Case(
        "additionalProperties false to a schema",
        ALL,
        CLOSED,
        {**CLOSED, "additionalProperties": STR},
        OK,
        NO,
    ),
    Case(
        "additionalProperties open to a schema",
        ALL,
        PERSON,
        {**PERSON, "additionalProperties": STR},
        NO,
        OK,
        open_backward=True,
    ),
    Case(
        "unevaluatedProperties false added",
        MODERN,
        PERSON,
        {**PERSON, "unevaluatedProperties": False},
        NO,
        OK,
        why_unknown="",
        open_backward=True,
    ),
    Case(
        "unevaluatedProperties false removed",
        MODERN,
        {**PERSON, "unevaluatedProperties": False},
        PERSON,
        OK,
        NO,
    ),
    Case(
        "unevaluatedItems false added",
        ("2020-12",),
        {"type": "array", "prefixItems": [STR]},
        {"type": "array", "prefixItems": [STR], "unevaluatedItems": False},
        NO,
        OK,
    ),
    Case(
        "unevaluatedItems false added (tuple items)",
        ("2019-09",),
        {"type": "array", "items": [STR]},
        {"type": "array", "items": [STR], "unevaluatedItems": False},
        NO,
        OK,
    ),
    Case(
        "anyOf branch added",
        ALL,
        {"anyOf": [STR, INT]},
        {"anyOf": [STR, INT, {"type": "null"}]},
        OK,
        NO,
    ),
    Case("anyOf branch removed", ALL, {"anyOf": [STR, INT]}, {"anyOf": [STR]}, NO, OK),
    Case(
        "oneOf branch added, disjoint",
        ALL,
        {"oneOf": [STR, INT]},
        {"oneOf": [STR, INT, {"type": "boolean"}]},
        OK,
        NO,
    ),
    Case("oneOf branch removed", ALL, {"oneOf": [STR, INT]}, {"oneOf": [STR]}, NO, OK),
    Case(
        "oneOf branch added, overlapping",
        ALL,
        {"oneOf": [STR, INT]},
        {"oneOf": [STR, INT, NUM]},
        NO,
        NO,
    ),
    Case(
        "if/then added",
        FROM_7,
        _obj({"kind": {"enum": ["a", "b"]}, "n": INT}),
        _obj(
            {"kind": {"enum": ["a", "b"]}, "n": INT},
            **{"if": _obj({"kind": {"const": "a"}}, ["kind"]), "then": {"required": ["n"]}},
        ),
        NO,
        OK,
    ),
    Case(
        "if/then/else removed",
        FROM_7,
        _obj(
            {"kind": {"enum": ["a", "b"]}, "n": INT},
            **{
                "if": _obj({"kind": {"const": "a"}}, ["kind"]),
                "then": {"required": ["n"]},
                "else": {"not": {"required": ["n"]}},
            },
        ),
        _obj({"kind": {"enum": ["a", "b"]}, "n": INT}),
        OK,
        NO,
    ),
    Case(
        "enum widened beside an if/then both keep",
        FROM_7,
        _obj({"kind": {"enum": ["a", "b"]}, "n": INT}, **_COND),
        _obj({"kind": {"enum": ["a", "b", "c"]}, "n": INT}, **_COND),
        OK,
        NO,
    ),
    Case(
        "maximum lowered beside allOf conditionals both keep",
        FROM_7,
        _obj({"kind": {"enum": ["a", "b"]}, "n": AGE}, allOf=[_COND, {"required": ["kind"]}]),
        _obj(
            {"kind": {"enum": ["a", "b"]}, "n": {**AGE, "maximum": 9}},
            allOf=[_COND, {"required": ["kind"]}],
        ),
        NO,
        OK,
    ),
    Case(
        "maxLength raised beside dependentRequired and propertyNames both keep",
        MODERN,
        _obj(
            {"card": {"type": "string", "maxLength": 4}, "billing": STR},
            dependentRequired={"card": ["billing"]},
            propertyNames={"maxLength": 8},
        ),
        _obj(
            {"card": {"type": "string", "maxLength": 6}, "billing": STR},
            dependentRequired={"card": ["billing"]},
            propertyNames={"maxLength": 8},
        ),
        OK,
        NO,
    ),
    Case(
        "minimum lowered beside dependencies and not both keep",
        ALL[:3],
        _obj(
            {"card": {"type": "integer", "minimum": 5}, "billing": STR},
            dependencies={"card": ["billing"]},
            **{"not": {"required": ["x"]}},
        ),
        _obj(
            {"card": {"type": "integer", "minimum": 1}, "billing": STR},
            dependencies={"card": ["billing"]},
            **{"not": {"required": ["x"]}},
        ),
        OK,
        NO,
    ),
    Case(
        "dependentRequired added",
        MODERN,
        _obj({"card": STR, "billing": STR}),
        _obj({"card": STR, "billing": STR}, dependentRequired={"card": ["billing"]}),
        NO,
        OK,
    ),
    Case(
        "dependencies added",
        ALL[:3],
        _obj({"card": STR, "billing": STR}),
        _obj({"card": STR, "billing": STR}, dependencies={"card": ["billing"]}),
        NO,
        OK,
    ),
]


def _cases() -> list[Any]:
    out = []
    for case in CASES:
        for draft in case.drafts:
            out.append(pytest.param(case, draft, id=f"{case.name}@{draft}"))
    return out


def _write(path: Path, schema: Any, draft: str) -> Path:
    document = {"$schema": URIS[draft], **schema} if isinstance(schema, dict) else schema
    path.write_text(json.dumps(document, indent=2))
    return path


def _check(answer: Answer, accepting: Path, rejecting: Path) -> None:
    """A counterexample is valid under ACCEPTING and invalid under REJECTING, as nif says."""
    assert answer.counterexample is not None
    message = answer.counterexample.encode()
    assert validate(message, Profile.from_files(json_schema=accepting)).verdict is Verdict.VALID
    assert validate(message, Profile.from_files(json_schema=rejecting)).verdict is Verdict.INVALID


def _compare(tmp_path: Path, old: Any, new: Any, draft: str) -> tuple[Any, Path, Path]:
    old_path = _write(tmp_path / "old.json", old, draft)
    new_path = _write(tmp_path / "new.json", new, draft)
    return compare_files(old_path, new_path).messages[0], old_path, new_path


@pytest.mark.parametrize(("case", "draft"), _cases())
def test_corpus(case: Case, draft: str, tmp_path: Path) -> None:
    message, old_path, new_path = _compare(tmp_path, case.old, case.new, draft)
    got = (message.backward.verdict, message.forward.verdict)
    assert got == (case.backward, case.forward), (message.backward, message.forward)
    if UNK in got:
        assert case.why_unknown, "an unknown the case does not expect"
        unknown = message.backward if got[0] == UNK else message.forward
        assert unknown.reason
    if case.backward == NO:
        _check(message.backward, old_path, new_path)
    if case.forward == NO:
        _check(message.forward, new_path, old_path)
    if case.open_backward is not None:
        assert message.backward.open_content is case.open_backward


@pytest.mark.parametrize("draft", ALL)
def test_ref_to_definitions_changed(draft: str, tmp_path: Path) -> None:
    """A narrowed definition behind a `$ref` breaks backward, and only backward."""
    old = _with_defs(draft, {"type": "string", "maxLength": 5})
    new = _with_defs(draft, {"type": "string", "maxLength": 3})
    message, old_path, new_path = _compare(tmp_path, old, new, draft)
    assert (message.backward.verdict, message.forward.verdict) == (NO, OK)
    _check(message.backward, old_path, new_path)
    same, _, _ = _compare(tmp_path, old, old, draft)
    assert (same.backward.verdict, same.forward.verdict) == (OK, OK)


@pytest.mark.parametrize("draft", ALL)
def test_ref_across_files(draft: str, tmp_path: Path) -> None:
    """`$ref` into a sibling file: the prover follows the self-contained target, and the
    counterexample is checked with the other file resolved, as nif validates."""
    key = _defs(draft)
    for side, limit in (("old", 5), ("new", 3)):
        folder = tmp_path / side
        folder.mkdir()
        _write(
            folder / "common.json", {key: {"code": {"type": "string", "maxLength": limit}}}, draft
        )
        _write(
            folder / "main.json",
            _obj({"code": {"$ref": f"common.json#/{key}/code"}}, ["code"]),
            draft,
        )
    old_path, new_path = tmp_path / "old" / "main.json", tmp_path / "new" / "main.json"
    message = compare_files(old_path, new_path).messages[0]
    assert (message.backward.verdict, message.forward.verdict) == (NO, OK)
    _check(message.backward, old_path, new_path)
    same = compare_files(old_path, old_path).messages[0]
    assert (same.backward.verdict, same.forward.verdict) == (OK, OK)


def test_drafts_differ_is_unknown_with_the_reason(tmp_path: Path) -> None:
    old_path = _write(tmp_path / "old.json", PERSON, "7")
    new_path = _write(tmp_path / "new.json", PERSON, "2020-12")
    message = compare_files(old_path, new_path).messages[0]
    assert message.backward.verdict == message.forward.verdict == UNK
    assert "draft 7" in (message.backward.reason or "")


def test_unevaluated_properties_of_old_branches_are_not_merged_away(tmp_path: Path) -> None:
    """{"a": 1, "b": 1} matches both of OLD's anyOf branches, so both evaluate it and OLD
    accepts it; NEW's closed branches each reject it. Never proven compatible."""
    old = {
        "anyOf": [{"properties": {"a": INT}}, {"properties": {"b": INT}}],
        "unevaluatedProperties": False,
    }
    new = {
        "anyOf": [
            {"properties": {"a": INT}, "additionalProperties": False},
            {"properties": {"b": INT}, "additionalProperties": False},
        ]
    }
    message, old_path, new_path = _compare(tmp_path, {"type": "object", **old}, new, "2020-12")
    assert message.backward.verdict in (NO, UNK)
    if message.backward.verdict == NO:
        _check(message.backward, old_path, new_path)


STRICT_META = {
    "$schema": URIS["2020-12"],
    "$id": "https://schemas.example.gov/meta/strict-formats.json",
    "$vocabulary": {
        "https://json-schema.org/draft/2020-12/vocab/core": True,
        "https://json-schema.org/draft/2020-12/vocab/applicator": True,
        "https://json-schema.org/draft/2020-12/vocab/validation": True,
        "https://json-schema.org/draft/2020-12/vocab/format-assertion": True,
    },
    "$dynamicAnchor": "meta",
    "allOf": [{"$ref": URIS["2020-12"]}],
}


def test_custom_meta_schema_that_asserts_format_is_followed(tmp_path: Path) -> None:
    """A 2020-12 meta-schema with the format-assertion vocabulary makes `format` assert, as
    nif validates: adding one is then a break, never `compatible`."""
    (tmp_path / "meta-strict.json").write_text(json.dumps(STRICT_META))
    paths = []
    for name, schema in (("old", STR), ("new", {"type": "string", "format": "email"})):
        document = {"$schema": STRICT_META["$id"], **schema}
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({**document, "$id": f"https://schemas.example.gov/{name}.json"}))
        paths.append(path)
    catalog = tmp_path / "catalog.xml"
    catalog.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        f'<uri name="{STRICT_META["$id"]}" uri="meta-strict.json"/></catalog>'
    )
    message = compare_files(*paths, catalogs=[catalog]).messages[0]
    assert (message.backward.verdict, message.forward.verdict) == (NO, OK)
    assert message.backward.counterexample is not None
    witness = message.backward.counterexample.encode()
    old_profile = Profile.from_files(json_schema=paths[0], catalogs=[catalog])
    new_profile = Profile.from_files(json_schema=paths[1], catalogs=[catalog])
    assert validate(witness, old_profile).verdict is Verdict.VALID
    assert validate(witness, new_profile).verdict is Verdict.INVALID
