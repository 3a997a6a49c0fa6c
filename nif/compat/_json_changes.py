"""Keyword-level changes between two JSON Schemas, with the directions each may break.

Each change is placed by JSON Pointer in both schemas (following `$ref`s to where the keyword
is written, in whichever document of the set), says in words what moved ("maximum 2100 ->
2030", "required property 'employment' added"), and gets its `breaks` from the inclusion
prover run on the changed keywords alone, so it says "not proven safe", never more.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin

from nif.compat._json_keywords import _ANNOTATIONS, _MODERN
from nif.compat._json_schema import (
    _Ctx,
    _incl,
    _resolve,
    _same,
    _Unknown,
)

Breaks = Literal["backward", "forward", "both", "none"]
At = tuple[str | None, str]
"""A place: the document (None: the main one) and the JSON Pointer in it."""


@dataclass(frozen=True)
class Change:
    """One difference between OLD and NEW, where it is in each, and which direction it breaks.

    `breaks` names the directions the change is not proven safe for (`none`: proven safe both
    ways); the verdicts of `json_included` are the authority, this is for people.
    `open_content`: each direction it breaks is proven safe once OLD's (resp. NEW's) open
    objects are read as closed.
    """

    pointer_old: str
    pointer_new: str
    kind: str
    breaks: Breaks
    detail: str = ""
    file_old: str | None = None
    file_new: str | None = None
    open_content: bool = False


def diff(
    old: Any,
    new: Any,
    *,
    draft: str = "2020-12",
    format_assertions: bool | None = None,
    sets: dict[int, tuple[str, dict[str, Any]]] | None = None,
) -> list[Change]:
    """Keyword-level changes between OLD and NEW, each with the directions it may break.

    `sets`: by `id` of OLD/NEW, its base URI and documents (as `json_included` keeps them),
    so that `$ref`s into other documents are followed where the prover follows them."""
    out: list[Change] = []
    ctx = _Ctx(old, new, draft, format_assertions, sets=dict(sets or {}))
    try:
        _diff(old, new, (None, ""), (None, ""), ctx, out, 0)
    except (TypeError, ValueError, KeyError, AttributeError):
        out.append(Change("", "", "schema-not-understood", "both", "schema not understood"))
    return out


def _judge(o: Any, n: Any, ctx: _Ctx, closed: bool = False) -> bool:
    sub = _Ctx(ctx.root_old, ctx.root_new, ctx.draft, ctx.formats, sets=ctx.sets, closed=closed)
    try:
        _incl(o, n, sub)
        return True
    except (_Unknown, TypeError, ValueError, KeyError, AttributeError, RecursionError):
        return False


def _breaks(o: Any, n: Any, ctx: _Ctx) -> tuple[Breaks, bool]:
    """Which directions a local change is not proven safe for, and whether each of them is
    proven safe without open content."""
    back = _judge(o, n, ctx)
    swapped = _Ctx(ctx.root_new, ctx.root_old, ctx.draft, ctx.formats, sets=ctx.sets)
    fwd = _judge(n, o, swapped)
    breaks: Breaks = (
        "none" if back and fwd else "forward" if back else "backward" if fwd else "both"
    )
    open_content = breaks != "none" and (back or _judge(o, n, ctx, True))
    return breaks, open_content and (fwd or _judge(n, o, swapped, True))


def _show(value: Any) -> str:
    """A keyword's value, short: strings quoted, schemas as compact JSON."""
    if isinstance(value, str):
        text = f"'{value}'"
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _moved(key: str, o: dict[str, Any], n: dict[str, Any]) -> str:
    if key not in o:
        return f"{key} {_show(n[key])} added"
    if key not in n:
        return f"{key} {_show(o[key])} removed"
    if key == "enum" and isinstance(o[key], list) and isinstance(n[key], list):
        added = [v for v in n[key] if v not in o[key]]
        gone = [v for v in o[key] if v not in n[key]]
        parts = [f"value {_show(v)} added" for v in added]
        parts += [f"value {_show(v)} removed" for v in gone]
        return "enum " + ", ".join(parts) if parts else "enum reordered"
    return f"{key} {_show(o[key])} -> {_show(n[key])}"


def _at(at: At, *steps: str) -> At:
    escaped = [step.replace("~", "~0").replace("/", "~1") for step in steps]
    return at[0], "/".join([at[1], *escaped])


def _follow(schema: Any, root: Any, at: At, ctx: _Ctx) -> tuple[Any, At]:
    """SCHEMA with its `$ref`s followed as the prover follows them, and where it is written."""
    for _ in range(50):
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            return schema, at
        if ctx.draft in _MODERN and set(schema) - _ANNOTATIONS - {"$ref"}:
            return _resolve(schema, root, ctx), at  # siblings: an allOf, here
        ref = schema["$ref"]
        target = _resolve({"$ref": ref}, root, ctx)
        if ref.startswith("#"):
            at = (at[0], ref[1:])
        else:
            uri, fragment = urldefrag(urljoin(ctx.sets[id(root)][0], ref))
            at = (uri, fragment)
        schema = target
    raise _Unknown("$ref chain too long")


_LEAVES = (
    "type", "enum", "const", "format", "pattern", "multipleOf", "uniqueItems",
    "unevaluatedProperties", "unevaluatedItems", "propertyNames", "contains", "not",
    "dependentRequired", "dependencies", "dependentSchemas",
)  # fmt: skip
_RANGES = (
    ("minimum", "maximum"), ("exclusiveMinimum", "exclusiveMaximum"), ("minLength", "maxLength"),
    ("minItems", "maxItems"), ("minProperties", "maxProperties"),
)  # fmt: skip
_BOUNDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


def _diff(o: Any, n: Any, ao: At, an: At, ctx: _Ctx, out: list[Change], depth: int) -> None:
    try:
        o, ao = _follow(o, ctx.root_old, ao, ctx)
        n, an = _follow(n, ctx.root_new, an, ctx)
    except (_Unknown, KeyError):
        return
    if depth > 30 or (id(o), id(n)) in ctx.stack or _same(o, n, ctx):
        return
    ctx.stack.append((id(o), id(n)))  # each pair of sub-schemas is reported once

    def add(kind: str, key: str, detail: str, lo: Any, ln: Any, breaks: Any = None) -> None:
        found, open_content = _breaks(lo, ln, ctx) if breaks is None else (breaks, False)
        # an added (removed) keyword: placed where it goes (went), its object
        where_o = _at(ao, key) if key and isinstance(o, dict) and key in o else ao
        where_n = _at(an, key) if key and isinstance(n, dict) and key in n else an
        out.append(Change(where_o[1], where_n[1], kind, found, detail, ao[0], an[0], open_content))

    if not isinstance(o, dict) or not isinstance(n, dict):
        add("schema-replaced", "", f"schema {_show(o)} -> {_show(n)}", o, n)
        return
    for key in _LEAVES:
        if o.get(key) != n.get(key):
            keys = (key, "type") if key != "type" else (key,)
            add(f"{key}-changed", key, _moved(key, o, n), _only(o, keys), _only(n, keys))
    for pair in _RANGES:
        keys = (*pair, "type", *(_BOUNDS if pair[0] in _BOUNDS else ()))
        for key in pair:
            if o.get(key) != n.get(key):
                add(f"{key}-changed", key, _moved(key, o, n), _only(o, keys), _only(n, keys))
    _diff_objects(o, n, ao, an, ctx, out, depth, add)
    _diff_branches(o, n, add)
    if any(k in o or k in n for k in ("if", "then", "else")):
        conditional = [(k, o.get(k), n.get(k)) for k in ("if", "then", "else")]
        if any(a != b for _, a, b in conditional):
            moved = [k for k, a, b in conditional if a != b]
            detail = f"{'/'.join(moved)} {'added' if not any(k in o for k in moved) else 'changed'}"
            add("if-then-else-changed", moved[0], detail, _cond(o), _cond(n))
    _diff_items(o, n, ao, an, ctx, out, depth, add)


def _only(s: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: s[k] for k in keys if k in s}


def _cond(s: dict[str, Any]) -> dict[str, Any]:
    return {k: s[k] for k in ("if", "then", "else", "type") if k in s}


def _diff_branches(o: dict[str, Any], n: dict[str, Any], add: Any) -> None:
    for comb in ("anyOf", "oneOf", "allOf"):
        bo, bn = o.get(comb, []), n.get(comb, [])
        if bo == bn or not isinstance(bo, list) or not isinstance(bn, list):
            continue
        both = {comb: bo}, {comb: bn}
        lo, ln = both if bo and bn else (_with_rest(o, comb), _with_rest(n, comb))
        added = [b for b in bn if b not in bo]
        gone = [b for b in bo if b not in bn]
        for branch in added:
            add(f"{comb}-branch-added", comb, f"{comb} branch {_show(branch)} added", lo, ln)
        for branch in gone:
            add(f"{comb}-branch-removed", comb, f"{comb} branch {_show(branch)} removed", lo, ln)
        if not added and not gone:
            add(f"{comb}-changed", comb, f"{comb} branches reordered", lo, ln)


def _with_rest(s: dict[str, Any], comb: str) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k in (comb, "type")}


def _diff_items(
    o: dict[str, Any], n: dict[str, Any], ao: At, an: At, ctx: _Ctx, out: list[Change],
    depth: int, add: Any,
) -> None:  # fmt: skip
    for key in ("prefixItems", "items"):
        lo, ln = o.get(key), n.get(key)
        if isinstance(lo, list) and isinstance(ln, list):
            for i in range(min(len(lo), len(ln))):
                _diff(lo[i], ln[i], _at(ao, key, str(i)), _at(an, key, str(i)), ctx, out, depth + 1)
            if len(lo) != len(ln):
                detail = f"{key} {len(lo)} -> {len(ln)} positions"
                add(f"{key}-changed", key, detail, _tuple(o), _tuple(n))
        elif lo != ln and (isinstance(lo, list) or isinstance(ln, list)):
            add(f"{key}-changed", key, _moved(key, o, n), _tuple(o), _tuple(n))
        elif lo != ln:
            _diff(
                True if lo is None else lo, True if ln is None else ln,
                _at(ao, key), _at(an, key), ctx, out, depth + 1,
            )  # fmt: skip
    if o.get("additionalItems") != n.get("additionalItems"):
        add("additionalItems-changed", "additionalItems", _moved("additionalItems", o, n),
            _tuple(o), _tuple(n))  # fmt: skip


def _tuple(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("type", "prefixItems", "items", "additionalItems", "minItems", "maxItems")
    return {k: s[k] for k in keys if k in s}


def _diff_objects(
    o: dict[str, Any], n: dict[str, Any], ao: At, an: At, ctx: _Ctx, out: list[Change],
    depth: int, add: Any,
) -> None:  # fmt: skip
    props_o, props_n = o.get("properties", {}), n.get("properties", {})
    add_o, add_n = o.get("additionalProperties", True), n.get("additionalProperties", True)
    req_o, req_n = set(o.get("required", [])), set(n.get("required", []))
    for name in dict.fromkeys([*props_o, *props_n]):
        if name not in props_n:
            was_required = name in req_o and name not in req_n
            breaks, open_content = _breaks(props_o[name], add_n, ctx)
            if was_required:  # NEW's messages may lack it now: OLD requires it
                breaks = "both" if breaks in ("backward", "both") else "forward"
                open_content = False
            detail = f"{'required' if was_required else 'optional'} property '{name}' removed"
            add("property-removed", "properties", detail, None, None, breaks)
            out[-1] = _placed(out[-1], _at(ao, "properties", name), an, open_content)
        elif name not in props_o:
            required = name in req_n and name not in req_o
            detail = f"{'required' if required else 'optional'} property '{name}' added"
            breaks, _ = _breaks(add_o, props_n[name], ctx)
            if required:
                breaks = "both" if breaks in ("forward", "both") else "backward"
            # breaking only what OLD's open object let through under that name
            open_content = breaks == "backward" and not required and add_o in (True, {})
            add("property-added", "properties", detail, None, None, breaks)
            out[-1] = _placed(out[-1], ao, _at(an, "properties", name), open_content)
        else:
            _diff(props_o[name], props_n[name], _at(ao, "properties", name),
                  _at(an, "properties", name), ctx, out, depth + 1)  # fmt: skip
    for name in sorted(req_n - req_o):
        if name in props_o or name not in props_n:
            add("required-added", "required", f"property '{name}' made required",
                None, None, "backward")  # fmt: skip
    for name in sorted(req_o - req_n):
        if name in props_n or name not in props_o:  # else: its removal says it
            add("required-removed", "required", f"property '{name}' made optional",
                None, None, "forward")  # fmt: skip
    if add_o != add_n:
        add("additionalProperties-changed", "additionalProperties",
            _moved("additionalProperties", {"additionalProperties": add_o},
                   {"additionalProperties": add_n}),
            _only(o, ("type", "properties", "additionalProperties")),
            _only(n, ("type", "properties", "additionalProperties")))  # fmt: skip
    if o.get("patternProperties") != n.get("patternProperties"):
        add("patternProperties-changed", "patternProperties",
            _moved("patternProperties", o, n), None, None, "both")  # fmt: skip


def _placed(change: Change, ao: At, an: At, open_content: bool | None = None) -> Change:
    """CHANGE placed at AO/AN (a property's own pointer rather than its keyword's)."""
    return Change(
        ao[1], an[1], change.kind, change.breaks, change.detail, ao[0], an[0],
        change.open_content if open_content is None else open_content,
    )  # fmt: skip
