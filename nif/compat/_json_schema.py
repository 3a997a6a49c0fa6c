"""JSON Schema inclusion: does NEW accept every instance OLD accepts?

A sound prover over a subset of JSON Schema: it answers `included=True` only when a rule
establishes it, `included=False` only with a witness that jsonschema_rs checked (OLD accepts,
NEW rejects), and `None` with a reason otherwise. Ignoring a keyword of OLD is always sound
(OLD only gets larger); ignoring one of NEW never is, so NEW's unknown keywords give `unknown`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nif.compat._deadline import TimeLimitExceeded
from nif.compat._deadline import check as check_deadline
from nif.compat._json_keywords import (
    _ANNOTATIONS,
    _EXACT_UNIT_FRACTIONS,
    _HANDLED,
    _KEPT_GROUPS,
    _MODERN,
    _bound,
    _items,
    _merge,
    _nested_ids,
    _types,
    _unevaluated,
    _widen,
)
from nif.compat._json_witness import (
    accepts,
    asserts_formats,
    external_target,
    find_witness,
    refs,
    set_documents,
)

if TYPE_CHECKING:
    from nif.compat._json_changes import Change
    from nif.validate import ArtefactSet

_MAX_STEPS = 20_000


@dataclass
class JsonInclusion:
    """Verdict of `json_included`: True (proven), False (with a checked witness) or None.

    When `included` is False, `witness` is the counterexample, JSON `null` included (None).
    """

    included: bool | None
    witness: Any | None = None
    reason: str | None = None
    changes: list[Change] = field(default_factory=list)
    open_content: bool = False
    """The verdict turns only on properties an open object lets through."""


class _Unknown(Exception):
    """The prover cannot establish inclusion here (not a proof of the contrary)."""


@dataclass
class _Ctx:
    root_old: Any
    root_new: Any
    draft: str
    formats: bool | None = None
    stack: list[tuple[int, int]] = field(default_factory=list)
    steps: int = 0
    sets: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """By `id` of a root: its base URI and its schema set's documents."""
    closed: bool = False
    """Read OLD's open objects (and open tuple tails) as closed: what OLD accepts without
    open content. Proving that included shows a break turns only on open content."""


def json_included(
    old: Any,
    new: Any,
    *,
    draft: str = "2020-12",
    format_assertions: bool | None = None,
    old_set: ArtefactSet | None = None,
    new_set: ArtefactSet | None = None,
    changes: bool = True,
) -> JsonInclusion:
    """Whether every instance valid under OLD is valid under NEW (both root schemas).

    `format_assertions` None: `format` asserts as DRAFT says (4 to 7 yes, 2019-09 on no),
    as nif's validator does; pass the validation setting to follow an override.
    `old_set`/`new_set`: the schema set whose main document is OLD/NEW, so that a witness is
    checked by nif's own step with `$ref`s to other documents resolved, and the prover
    follows a `$ref` into another document when its target is self-contained (no references,
    no `$id`, same `$schema`). Raises ValueError when a set's main document is not OLD/NEW
    (as `json.loads` reads it): the verdict would be about other schemas. `changes=False`
    skips the change list (the other direction's run has it).
    """
    from nif.compat._json_changes import diff  # the change list builds on this prover

    ctx = _Ctx(old, new, draft, format_assertions)
    for root, artefacts, name in ((old, old_set, "old"), (new, new_set, "new")):
        if artefacts is not None:
            ctx.sets[id(root)] = set_documents(artefacts)
            if ctx.sets[id(root)][1].get(artefacts.main) != root:
                raise ValueError(f"{name}_set's main document is not the {name} schema")
    listed = (
        diff(old, new, draft=draft, format_assertions=format_assertions, sets=ctx.sets)
        if changes
        else []
    )
    try:
        if _nested_ids(old) or _nested_ids(new):
            raise _Unknown("nested $id: references are not resolved against inner resources")
        _incl(old, new, ctx)
        return JsonInclusion(True, changes=listed)
    except _Unknown as exc:
        reason = str(exc)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        reason = f"schema not understood: {exc!r}"
    witness = find_witness(old, new, draft, format_assertions, old_set, new_set)
    ctx.closed, ctx.stack, ctx.steps = True, [], 0
    open_content = _proven(old, new, ctx)
    if witness is not None:
        found = f"counterexample found ({reason})"
        return JsonInclusion(False, witness[0], found, listed, open_content)
    if open_content:
        reason = f"{reason}; only content OLD leaves open is in question"
    return JsonInclusion(None, None, reason, listed, open_content)


def _proven(old: Any, new: Any, ctx: _Ctx) -> bool:
    """Whether the prover establishes OLD within NEW under CTX (False: not established)."""
    try:
        _incl(old, new, ctx)
        return True
    except (_Unknown, TypeError, ValueError, KeyError, AttributeError):
        return False


def _resolve(schema: Any, root: Any, ctx: _Ctx) -> Any:
    """Replace a local `$ref` by its target (siblings kept as `allOf` from 2019-09 on)."""
    for _ in range(50):
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        ref = schema["$ref"]
        if not isinstance(ref, str) or (not ref.startswith("#") and id(root) not in ctx.sets):
            raise _Unknown(f"non-local $ref {ref!r}")
        target: Any = root
        if not ref.startswith("#"):
            base, documents = ctx.sets[id(root)]
            dialect = root.get("$schema") if isinstance(root, dict) else None
            target = external_target(ref, base, documents, dialect)
            if target is None:
                raise _Unknown(f"$ref {ref!r} into another document not followed")
        for part in [p for p in ref[1:].split("/") if p and ref.startswith("#")]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise _Unknown(f"unresolvable $ref {ref!r}")
            target = target[part]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        if ctx.draft in _MODERN and set(rest) - _ANNOTATIONS:
            return {"allOf": [target, rest]}
        schema = target
    raise _Unknown("$ref chain too long")


def _incl(o: Any, n: Any, ctx: _Ctx) -> None:
    """Return if O ⊆ N is proven; raise _Unknown otherwise."""
    o, n = _resolve(o, ctx.root_old, ctx), _resolve(n, ctx.root_new, ctx)
    if n is True or o is False or _same(o, n, ctx):
        return
    if n is False:
        raise _Unknown("NEW rejects everything here")
    if o is True:
        o = {}
    if not isinstance(o, dict) or not isinstance(n, dict):
        raise _Unknown("schema is neither an object nor a boolean")
    key = (id(o), id(n))
    if key in ctx.stack or len(ctx.stack) > 64:
        raise _Unknown("recursive $ref")
    ctx.steps += 1
    if ctx.steps > _MAX_STEPS:
        raise _Unknown("comparison too large")
    try:
        check_deadline()
    except TimeLimitExceeded as exc:
        raise _Unknown(str(exc)) from None
    ctx.stack.append(key)
    try:
        _incl_dicts(o, n, ctx)
    finally:
        ctx.stack.pop()


def _incl_dicts(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    n = _unevaluated(_implied(o, n, ctx), ctx.draft)  # OLD's are ignored: OLD only grows
    unknown_new = {k for k in set(n) - _HANDLED - _ANNOTATIONS if not k.startswith("x-")}
    if unknown_new:
        raise _Unknown(f"NEW uses {sorted(unknown_new)} (not decided)")
    if "enum" in o or "const" in o:
        return _incl_enum(o, n, ctx)
    if "enum" in n or "const" in n:
        raise _Unknown("NEW enumerates values OLD does not")
    if isinstance(o.get("anyOf"), list) or isinstance(o.get("oneOf"), list):
        comb = "anyOf" if isinstance(o.get("anyOf"), list) else "oneOf"
        rest = {k: v for k, v in o.items() if k != comb}
        for branch in o[comb]:  # oneOf ⊆ anyOf: proving each branch is enough
            _incl({"allOf": [rest, branch]}, n, ctx)
        return
    if isinstance(o.get("allOf"), list):
        parts = [{k: v for k, v in o.items() if k != "allOf"}, *o["allOf"]]
        merged = _merge([_resolve(p, ctx.root_old, ctx) for p in parts])
        if merged is not None:
            return _incl(merged, n, ctx)
        for part in parts:  # one conjunct included is enough
            try:
                return _incl(part, n, ctx)
            except _Unknown:
                continue
        raise _Unknown("OLD allOf whose conjuncts overlap")
    if isinstance(n.get("allOf"), list):
        for part in [{k: v for k, v in n.items() if k != "allOf"}, *n["allOf"]]:
            _incl(o, part, ctx)
        return
    if isinstance(n.get("anyOf"), list) or isinstance(n.get("oneOf"), list):
        return _incl_new_branches(o, n, ctx)
    _incl_flat(o, n, ctx)
    return None


def _implied(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
    """N without what O states identically: the `allOf` parts O has too, and the keywords
    of `_KEPT_GROUPS` O has as they are (O's instances satisfy them, so NEW's are no
    narrower). This is how a conditional both versions keep is decided."""
    out = n
    if isinstance(n.get("allOf"), list) and isinstance(o.get("allOf"), list):
        kept = [p for p in n["allOf"] if not any(_same(q, p, ctx) for q in o["allOf"])]
        if len(kept) < len(n["allOf"]):
            out = {k: v for k, v in n.items() if k != "allOf"}
            if kept:
                out["allOf"] = kept
    for group in _KEPT_GROUPS:
        if any(k in out for k in group) and all(
            (k in o) == (k in out) and (k not in o or _same(o[k], out[k], ctx)) for k in group
        ):
            out = {k: v for k, v in out.items() if k not in group}
    return out


def _same(o: Any, n: Any, ctx: _Ctx) -> bool:
    """Whether O and N are equal and every reference in them reaches equal targets."""
    todo, seen = [(o, n)], set()
    while todo:
        a, b = todo.pop()
        if a != b:
            return False
        for ref in set(refs(a)):
            if ref in seen:
                continue
            seen.add(ref)
            if not ref.startswith("#"):
                return False
            try:
                ta, tb = (
                    _resolve({"$ref": ref}, ctx.root_old, ctx),
                    _resolve({"$ref": ref}, ctx.root_new, ctx),
                )
            except _Unknown:
                return False
            todo.append((ta, tb))
    return True


def _incl_enum(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    """An enumerated OLD is included iff NEW accepts each of its (OLD-valid) values."""
    values = [o["const"]] if "const" in o else list(o["enum"])
    for value in values:
        if accepts(ctx.root_old, o, value, ctx.draft, ctx.formats) is False:
            continue  # OLD rejects it anyway (an unresolvable check keeps the value)
        verdict = accepts(ctx.root_new, n, value, ctx.draft, ctx.formats)
        if verdict is None:
            raise _Unknown("NEW's sub-schema cannot be checked on its own")
        if not verdict:
            raise _Unknown(f"NEW rejects OLD's enumerated value {value!r}")


def _incl_new_branches(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    comb = "anyOf" if isinstance(n.get("anyOf"), list) else "oneOf"
    rest = {k: v for k, v in n.items() if k != comb}
    _incl(o, rest, ctx)
    branches = n[comb]
    for i, branch in enumerate(branches):
        try:
            _incl(o, branch, ctx)
        except _Unknown:
            continue
        if comb == "anyOf":
            return
        others = [b for j, b in enumerate(branches) if j != i]
        t_o = _types(o)
        if all(not (_widen(t_o) & _widen(_types(_resolve(b, ctx.root_new, ctx)))) for b in others):
            return
    raise _Unknown(f"OLD not shown inside one branch of NEW's {comb}")


def _incl_flat(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    t_o, t_n = _types(o), _types(n)
    if not _widen(t_o) <= _widen(t_n) or ("number" in t_o and "number" not in t_n):
        raise _Unknown(f"type {sorted(t_o)} not within {sorted(t_n)}")
    t_o = _widen(t_o)
    if t_o & {"integer", "number"}:
        _incl_numbers(o, n, integral="number" not in t_o)
    if "string" in t_o:
        _range(o, n, "minLength", "maxLength")
        if "pattern" in n and n["pattern"] != o.get("pattern"):
            raise _Unknown("pattern changed (regex containment not decided)")
        if (
            asserts_formats(ctx.draft, ctx.formats)
            and "format" in n
            and n["format"] != o.get("format")
        ):
            raise _Unknown("format asserted by this draft changed")
    if "array" in t_o:
        _incl_arrays(o, n, ctx)
    if "object" in t_o:
        _incl_objects(o, n, ctx)


def _range(o: dict[str, Any], n: dict[str, Any], lo: str, hi: str) -> None:
    if lo in n and o.get(lo, 0) < n[lo]:
        raise _Unknown(f"{lo} raised")
    if hi in n and (hi not in o or o[hi] > n[hi]):
        raise _Unknown(f"{hi} lowered")


def _incl_numbers(o: dict[str, Any], n: dict[str, Any], *, integral: bool) -> None:
    for side in ("min", "max"):
        b_n, b_o = _bound(n, side), _bound(o, side)
        if b_n is None:
            continue
        if b_o is None:
            raise _Unknown(f"NEW adds a {side}imum")
        sign = 1 if side == "min" else -1
        if sign * b_o[0] > sign * b_n[0] or (b_o[0] == b_n[0] and (b_o[1] or not b_n[1])):
            continue
        raise _Unknown(f"NEW's {side}imum is tighter")
    if "multipleOf" in n:
        m_n, m_o = n["multipleOf"], o.get("multipleOf")
        if integral and isinstance(m_n, float) and m_n in _EXACT_UNIT_FRACTIONS:
            return  # every integer is a multiple, computed exactly in binary floating point
        if integral and m_n == 1:
            return
        if isinstance(m_n, int) and isinstance(m_o, int) and m_o % m_n == 0:
            return
        if m_o == m_n:
            return  # the same constraint on both sides
        raise _Unknown("multipleOf not implied (floating point multiples are not decided)")


def _incl_arrays(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    _range(o, n, "minItems", "maxItems")
    if n.get("uniqueItems") is True and o.get("uniqueItems") is not True:
        raise _Unknown("NEW requires unique items")
    pre_o, rest_o = _items(o, ctx.draft)
    pre_n, rest_n = _items(n, ctx.draft)
    if ctx.closed and pre_o and rest_o in (True, {}):
        rest_o = False  # OLD without open content
    limit = o.get("maxItems", max(len(pre_o), len(pre_n)) + 1)
    for i in range(min(max(len(pre_o), len(pre_n)), limit)):
        _incl(pre_o[i] if i < len(pre_o) else rest_o, pre_n[i] if i < len(pre_n) else rest_n, ctx)
    if limit > max(len(pre_o), len(pre_n)):
        _incl(rest_o, rest_n, ctx)


def _incl_objects(o: dict[str, Any], n: dict[str, Any], ctx: _Ctx) -> None:
    _range(o, n, "minProperties", "maxProperties")
    missing = set(n.get("required", [])) - set(o.get("required", []))
    if missing:
        raise _Unknown(f"NEW requires {sorted(missing)}")
    pp_o, pp_n = o.get("patternProperties", {}), n.get("patternProperties", {})
    if pp_n and pp_n != pp_o:
        raise _Unknown("patternProperties changed")
    props_o, props_n = o.get("properties", {}), n.get("properties", {})
    add_o, add_n = o.get("additionalProperties", True), n.get("additionalProperties", True)
    if pp_o and set(props_o) != set(props_n):
        raise _Unknown("properties changed beside patternProperties")
    if pp_o and not pp_n and add_n is not True:
        raise _Unknown("OLD patternProperties against a closed NEW")
    if ctx.closed and add_o in (True, {}):
        add_o = False  # OLD without open content
    for name in dict.fromkeys([*props_o, *props_n]):
        sub_o = props_o.get(name, add_o)
        _incl(sub_o, props_n.get(name, add_n), ctx)
    _incl(add_o, add_n, ctx)
