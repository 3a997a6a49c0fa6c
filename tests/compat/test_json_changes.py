"""JSON Schema changes people read: what moved in words, where (file, line, JSON Pointer, across
`$ref`s and files), which direction it breaks, and whether a break turns only on open content."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nif.compat import Change, compare_files
from nif.compat._json_lines import pointer_line
from nif.compat._json_schema import json_included
from nif.report import Verdict
from nif.validate import Profile, validate

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
OLD: dict[str, Any] = {
    "$schema": SCHEMA,
    "type": "object",
    "$defs": {"year": {"type": "integer", "maximum": 2100}},
    "properties": {
        "id": {"const": "urn:nif:example:1"},
        "year": {"$ref": "#/$defs/year"},
        "kind": {"enum": ["a", "b"]},
        "value": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    },
    "required": ["id"],
}


def _pair(tmp_path: Path, old: Any, new: Any) -> tuple[Path, Path]:
    (tmp_path / "old.json").write_text(json.dumps(old, indent=2))
    (tmp_path / "new.json").write_text(json.dumps(new, indent=2))
    return tmp_path / "old.json", tmp_path / "new.json"


def _edited(**edits: Any) -> dict[str, Any]:
    new: dict[str, Any] = json.loads(json.dumps(OLD))
    for path, value in edits.items():
        *parents, last = path.split("__")
        node = new
        for step in parents:
            node = node[step]
        node[last] = value
    return new


def _by_kind(changes: tuple[Change, ...], kind: str) -> list[Change]:
    return [c for c in changes if c.kind == kind]


def test_details_say_what_changed(tmp_path: Path) -> None:
    new = _edited(
        **{"properties__id__const": "urn:nif:example:2", "properties__kind__enum": ["a", "c"]}
    )
    new["$defs"]["year"]["maximum"] = 2030
    new["properties"]["employment"] = {"type": "string"}
    new["required"] = ["id", "employment"]
    new["properties"]["value"]["anyOf"].append({"type": "null"})
    changes = compare_files(*_pair(tmp_path, OLD, new)).messages[0].changes
    details = {c.kind: c.detail for c in changes}
    assert details["const-changed"] == "const 'urn:nif:example:1' -> 'urn:nif:example:2'"
    assert details["maximum-changed"] == "maximum 2100 -> 2030"
    assert details["property-added"] == "required property 'employment' added"
    assert details["enum-changed"] == "enum value 'c' added, value 'b' removed"
    assert details["anyOf-branch-added"] == 'anyOf branch {"type": "null"} added'
    breaks = {c.kind: c.breaks for c in changes}
    assert breaks == {
        "const-changed": "both",
        "maximum-changed": "backward",
        "property-added": "backward",
        "enum-changed": "both",
        "anyOf-branch-added": "forward",
    }


def test_locations_follow_refs_and_name_lines(tmp_path: Path) -> None:
    """The `maximum` moved in `$defs/year`, reached through `$ref`: that is where it is
    placed, with the line of its value in each file's own text."""
    new = _edited()
    new["$defs"]["year"]["maximum"] = 2030
    new["properties"] = {"note": {"type": "string"}, **new["properties"]}  # shifts NEW's lines
    old_path, new_path = _pair(tmp_path, OLD, new)
    (change,) = _by_kind(compare_files(old_path, new_path).messages[0].changes, "maximum-changed")
    assert change.old is not None and change.new is not None
    assert (change.old.path, change.new.path) == ("/$defs/year/maximum", "/$defs/year/maximum")
    assert change.old.file == old_path.as_uri() and change.new.file == new_path.as_uri()
    for where, path in ((change.old, old_path), (change.new, new_path)):
        lines = path.read_text().splitlines()
        assert where.line is not None
        assert lines[where.line - 1].strip() == '"maximum": ' + (
            "2100" if path == old_path else "2030"
        )


def test_a_change_in_another_file_is_placed_there(tmp_path: Path) -> None:
    for side, limit in (("old", 5), ("new", 3)):
        folder = tmp_path / side
        folder.mkdir()
        common = {"$schema": SCHEMA, "$defs": {"code": {"type": "string", "maxLength": limit}}}
        (folder / "common.json").write_text(json.dumps(common, indent=2))
        main = {
            "$schema": SCHEMA,
            "type": "object",
            "properties": {"code": {"$ref": "common.json#/$defs/code"}},
        }
        (folder / "main.json").write_text(json.dumps(main, indent=2))
    comparison = compare_files(tmp_path / "old" / "main.json", tmp_path / "new" / "main.json")
    (change,) = comparison.messages[0].changes
    assert change.kind == "maxLength-changed" and change.detail == "maxLength 5 -> 3"
    assert change.new is not None
    assert change.new.file == (tmp_path / "new" / "common.json").as_uri()
    assert (change.new.path, change.new.line) == ("/$defs/code/maxLength", 6)


def test_an_added_keyword_is_placed_at_its_object_in_old(tmp_path: Path) -> None:
    new = _edited(**{"if": {"required": ["kind"]}, "then": {"required": ["year"]}})
    (change,) = compare_files(*_pair(tmp_path, OLD, new)).messages[0].changes
    assert (change.kind, change.detail, change.breaks) == (
        "if-then-else-changed",
        "if/then added",
        "backward",
    )
    assert change.old is not None and change.new is not None
    assert (change.old.path, change.old.line) == ("/", 1)
    assert change.new.path == "/if"


def test_pointer_lines() -> None:
    text = json.dumps({"a": {"b": [1, {"c/d": 2}]}, "x~": 3}, indent=2)
    assert [pointer_line(text, p) for p in ("", "/a", "/a/b", "/a/b/1", "/a/b/1/c~1d", "/x~0")] == [
        1,
        2,
        3,
        5,
        6,
        10,
    ]
    assert pointer_line(text, "/missing") is None
    assert pointer_line(b"{not json", "/a") is None
    assert pointer_line('{"a": 1}', "/a") == 1


def _valid(schema: Any, value: Any, tmp_path: Path) -> bool:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema))
    report = validate(json.dumps(value).encode(), Profile.from_files(json_schema=path))
    return report.verdict is Verdict.VALID


def test_open_content_only_when_the_witness_needs_an_undeclared_property(tmp_path: Path) -> None:
    """NEW types a property OLD's open object let through: the break is open content only,
    and the counterexample carries that property. Another break beside it is not."""
    new = _edited(**{"properties__x": {"type": "string"}})
    message = compare_files(*_pair(tmp_path, OLD, new)).messages[0]
    assert message.backward.verdict == "incompatible" and message.backward.open_content
    assert message.forward.verdict == "compatible"
    witness = json.loads(message.backward.counterexample or "null")
    assert "x" in witness and not isinstance(witness["x"], str)
    assert not _valid(new, witness, tmp_path) and _valid(OLD, witness, tmp_path)
    assert not message.meets("backward") and message.meets("backward", open_content=False)
    (added,) = message.changes
    assert (added.detail, added.open_content) == ("optional property 'x' added", True)

    both = _edited(**{"properties__x": {"type": "string"}})
    both["$defs"]["year"]["maximum"] = 2030
    message = compare_files(*_pair(tmp_path, OLD, both)).messages[0]
    assert message.backward.verdict == "incompatible" and not message.backward.open_content
    assert not message.meets("backward", open_content=False)


def test_open_content_of_a_closed_object_is_false(tmp_path: Path) -> None:
    old = {**OLD, "additionalProperties": False}
    new = {**old, "properties": {**OLD["properties"], "x": {"type": "string"}}}
    message = compare_files(*_pair(tmp_path, old, new)).messages[0]
    assert message.forward.verdict == "incompatible" and not message.forward.open_content
    assert message.backward.verdict == "compatible"


def test_open_tuple_tail_counts_as_open_content() -> None:
    old = {"type": "array", "prefixItems": [{"type": "string"}]}
    new = {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}
    result = json_included(old, new)
    assert result.included is False and result.open_content
    assert isinstance(result.witness, list) and len(result.witness) >= 2
    narrowed = {"type": "array", "prefixItems": [{"type": "string", "maxLength": 1}]}
    assert json_included(old, narrowed).open_content is False


def test_open_content_is_kept_on_an_unknown() -> None:
    """No witness, no proof: but OLD with its open objects closed is within NEW, so only
    open content is in question (a policy may accept it knowingly)."""
    old = {"type": "object", "properties": {"a": {"type": "string"}}}
    rare = {"not": {"const": "zz-nif-rare"}}  # `not` is not decided; no candidate hits it
    result = json_included(old, {**old, "properties": {**old["properties"], "b": rare}})
    assert result.included is None and result.open_content
    assert "only content OLD leaves open" in (result.reason or "")
    closed = {**old, "additionalProperties": False}
    result = json_included(closed, {**closed, "not": {"required": ["zz-nif-rare"]}})
    assert result.included is None and not result.open_content


def test_a_removed_property_is_one_change_with_both_directions(tmp_path: Path) -> None:
    """Removing a required property from a closed object breaks both ways (OLD's messages
    carry it, NEW's lack it), said once rather than as a removal and a "made optional"."""
    old = {**OLD, "additionalProperties": False}
    new = {**old, "properties": {k: v for k, v in OLD["properties"].items() if k != "id"}}
    new["required"] = ["kind"]
    changes = compare_files(*_pair(tmp_path, old, new)).messages[0].changes
    removed = _by_kind(changes, "property-removed")
    assert [(c.detail, c.breaks) for c in removed] == [("required property 'id' removed", "both")]
    assert removed[0].old is not None and removed[0].old.path == "/properties/id"
    assert not _by_kind(changes, "required-removed")
    assert [c.detail for c in _by_kind(changes, "required-added")] == [
        "property 'kind' made required"
    ]
    open_new = {k: v for k, v in new.items() if k != "additionalProperties"}
    open_new["required"] = ["id"]
    dropped = {**open_new, "properties": {**open_new["properties"]}}
    dropped["properties"].pop("kind")
    changes = compare_files(*_pair(tmp_path, open_new, dropped)).messages[0].changes
    assert [(c.detail, c.breaks) for c in _by_kind(changes, "property-removed")] == [
        ("optional property 'kind' removed", "forward")
    ]
