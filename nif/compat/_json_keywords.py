"""What JSON Schema keywords mean, read the one way the inclusion prover compares them.

The keyword sets the prover decides or ignores, and the pure rewrites it compares through:
types with `integer` inside `number`, bounds of drafts 4 to 2020-12 as (value, exclusive),
tuple items of every draft as (prefix, rest), `allOf` conjuncts merged into one schema at least
as large, `unevaluated*` rewritten where they equal `additional*`/`items`.
"""

from __future__ import annotations

from typing import Any

_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
_ANNOTATIONS = {
    "$schema", "$id", "id", "$comment", "$anchor", "title", "description", "default",
    "examples", "deprecated", "readOnly", "writeOnly", "$defs", "definitions",
    "contentMediaType", "contentEncoding", "contentSchema",
}  # fmt: skip
_HANDLED = {
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "format", "properties", "required",
    "additionalProperties", "patternProperties", "minProperties", "maxProperties", "items",
    "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems", "allOf", "anyOf",
    "oneOf", "$ref",
}  # fmt: skip
_MODERN = {"2019-09", "2020-12"}
_SUB_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUB_ONE = (
    "additionalProperties", "additionalItems", "items", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema",
)  # fmt: skip
_SUB_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
# A keyword split from its partner across allOf parts means something else once merged.
_PARTNERS = {"additionalItems": "items", "exclusiveMinimum": "minimum",
             "exclusiveMaximum": "maximum", "items": "prefixItems"}  # fmt: skip


# Keywords the prover does not decide whose meaning depends on no keyword outside their group,
# so that the same group in OLD and NEW is the same constraint.
_KEPT_GROUPS = (
    ("if", "then", "else"), ("contains", "minContains", "maxContains"), ("not",),
    ("propertyNames",), ("dependentRequired",), ("dependencies",), ("dependentSchemas",),
)  # fmt: skip


_IN_PLACE = {
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref",
    "$dynamicRef", "$recursiveRef",
}  # fmt: skip


def _unevaluated(s: dict[str, Any], draft: str) -> dict[str, Any]:
    """S with `unevaluatedProperties`/`unevaluatedItems` rewritten as the `additional*`/`items`
    keyword it equals, when no in-place applicator can evaluate anything (else S as it is).
    For NEW only: where the prover split NEW's applicators off, S alone evaluates less, so
    the rewrite is stricter than NEW there, never looser. (OLD's merged branches would make
    it looser: two anyOf branches may both evaluate one instance.)

    Without applicators, the unevaluated properties are those `properties`, `patternProperties`
    and `additionalProperties` left; the unevaluated items those `prefixItems`/`items` (and, in
    2020-12, `contains`) left, or `items`/`additionalItems` in 2019-09.
    """
    if draft not in _MODERN or _IN_PLACE & set(s):
        return s
    out = dict(s)
    if "unevaluatedProperties" in out:
        rest = out.pop("unevaluatedProperties")
        out.setdefault("additionalProperties", rest)
    if "unevaluatedItems" in out:
        if draft == "2020-12" and "contains" in out:
            return out
        rest = out.pop("unevaluatedItems")
        if draft == "2019-09" and isinstance(out.get("items"), list):
            out.setdefault("additionalItems", rest)
        else:
            out.setdefault("items", rest)
    return out


def _merge(parts: list[Any]) -> dict[str, Any] | None:
    """One schema at least as large as the conjunction of PARTS, or None.

    Keywords set twice are combined exactly (required: union; properties: per-name allOf;
    type: intersection; bounds: the tighter); other clashes give None.
    """
    out: dict[str, Any] = {}
    for part in parts:
        if part is True:
            continue
        if not isinstance(part, dict) or "$ref" in part:
            return None
        for k, v in part.items():
            if k not in _HANDLED and k not in _ANNOTATIONS:
                continue  # what the prover does not decide is ignored in OLD anyway
            if k in out and out[k] != v:
                combined = _combine(k, out[k], v)
                if combined is None:
                    return None
                v = combined[0]
            out[k] = v
    for k, partner in _PARTNERS.items():
        split = not any(isinstance(p, dict) and k in p and partner in p for p in parts)
        if k in out and partner in out and split:
            return None
    return out


def _combine(key: str, a: Any, b: Any) -> tuple[Any] | None:
    """The value of KEY meaning both A and B (as a 1-tuple), where that is exact."""
    if key == "required" and isinstance(a, list) and isinstance(b, list):
        return (list(dict.fromkeys([*a, *b])),)
    if key == "properties" and isinstance(a, dict) and isinstance(b, dict):
        both = {k: {"allOf": [a[k], b[k]]} for k in a.keys() & b.keys()}
        return ({**a, **b, **both},)
    if key == "type":
        t_a, t_b = _types({"type": a}), _types({"type": b})
        return (sorted(t for t in t_a | t_b if t in _widen(t_a) and t in _widen(t_b)),)
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
    if numeric and key in _LOWER:
        return (max(a, b),)
    if numeric and key in _UPPER:
        return (min(a, b),)
    return None


_LOWER = {"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"}
_UPPER = {"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"}


def _nested_ids(schema: Any, top: bool = True) -> bool:
    """Whether an inner sub-schema sets `$id`/`id`, which would rebase its `#` references."""
    if isinstance(schema, list):
        return any(_nested_ids(s, False) for s in schema)
    if not isinstance(schema, dict):
        return False
    if not top and (isinstance(schema.get("$id"), str) or isinstance(schema.get("id"), str)):
        return True
    for key in _SUB_MAPS:
        sub = schema.get(key)
        if isinstance(sub, dict) and any(_nested_ids(s, False) for s in sub.values()):
            return True
    return any(_nested_ids(schema.get(k), False) for k in {*_SUB_ONE, *_SUB_LISTS})


def _types(s: Any) -> set[str]:
    t = s.get("type") if isinstance(s, dict) else None
    if t is None:
        return set(_TYPES)
    return {t} if isinstance(t, str) else set(t)


def _widen(types: set[str]) -> set[str]:
    return types | ({"integer"} if "number" in types else set())


def _bound(s: dict[str, Any], side: str) -> tuple[float, bool] | None:
    """Lower (side 'min') or upper bound as (value, exclusive), for drafts 4 to 2020-12."""
    plain, excl = (
        ("minimum", "exclusiveMinimum") if side == "min" else ("maximum", "exclusiveMaximum")
    )
    bounds: list[tuple[float, bool]] = []
    if isinstance(s.get(excl), bool):  # draft 4
        if plain in s:
            bounds.append((s[plain], s[excl]))
    else:
        if plain in s:
            bounds.append((s[plain], False))
        if excl in s:
            bounds.append((s[excl], True))
    if not bounds:
        return None
    key = (lambda b: (b[0], b[1])) if side == "min" else (lambda b: (-b[0], b[1]))
    return max(bounds, key=key)


_EXACT_UNIT_FRACTIONS = {1 / 2**k for k in range(1, 11)}


def _items(s: dict[str, Any], draft: str) -> tuple[list[Any], Any]:
    """Normalise array item keywords to (prefix schemas, schema of the rest)."""
    if draft == "2020-12":
        return list(s.get("prefixItems", [])), s.get("items", True)
    items = s.get("items", True)
    if isinstance(items, list):
        return list(items), s.get("additionalItems", True)
    return [], items
