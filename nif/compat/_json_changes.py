"""Keyword-level changes between two JSON Schemas, with the directions each may break.

Each change is placed by JSON Pointer in both schemas; its `breaks` comes from the inclusion
prover run on the changed keywords alone, so it says "not proven safe", never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from nif.compat._json_schema import _Ctx, _incl, _resolve, _Unknown

Breaks = Literal["backward", "forward", "both", "none"]


@dataclass(frozen=True)
class Change:
    """One difference between OLD and NEW, where it is in each, and which direction it breaks.

    `breaks` names the directions the change is not proven safe for (`none`: proven safe both
    ways); the verdicts of `json_included` are the authority, this is for people.
    """

    pointer_old: str
    pointer_new: str
    kind: str
    breaks: Breaks


def diff(
    old: Any, new: Any, *, draft: str = "2020-12", format_assertions: bool | None = None
) -> list[Change]:
    """Keyword-level changes between OLD and NEW, each with the directions it may break."""
    out: list[Change] = []
    try:
        _diff(old, new, "", "", _Ctx(old, new, draft, format_assertions), out, 0)
    except (TypeError, ValueError, KeyError, AttributeError):
        out.append(Change("/", "/", "schema-not-understood", "both"))
    return out


def _breaks(o: Any, n: Any, ctx: _Ctx) -> Breaks:
    """Which directions a local change is not proven safe for."""
    back = _proven(o, n, _Ctx(ctx.root_old, ctx.root_new, ctx.draft, ctx.formats))
    fwd = _proven(n, o, _Ctx(ctx.root_new, ctx.root_old, ctx.draft, ctx.formats))
    return "none" if back and fwd else "forward" if back else "backward" if fwd else "both"


def _proven(o: Any, n: Any, ctx: _Ctx) -> bool:
    try:
        _incl(o, n, ctx)
        return True
    except (_Unknown, TypeError, ValueError, KeyError, AttributeError):
        return False


_LEAVES = ("type", "enum", "const", "format", "pattern", "multipleOf", "uniqueItems")
_RANGES = (
    ("minimum", "maximum"), ("exclusiveMinimum", "exclusiveMaximum"), ("minLength", "maxLength"),
    ("minItems", "maxItems"), ("minProperties", "maxProperties"),
)  # fmt: skip


def _diff(o: Any, n: Any, po: str, pn: str, ctx: _Ctx, out: list[Change], depth: int) -> None:
    try:
        o, n = _resolve(o, ctx.root_old, ctx), _resolve(n, ctx.root_new, ctx)
    except _Unknown:
        return
    if o == n or depth > 30 or (id(o), id(n)) in ctx.stack:
        return
    ctx.stack.append((id(o), id(n)))  # each pair of sub-schemas is reported once
    if not isinstance(o, dict) or not isinstance(n, dict):
        out.append(Change(po or "/", pn or "/", "schema-replaced", _breaks(o, n, ctx)))
        return
    kinds = [k for k in _LEAVES if o.get(k) != n.get(k)]
    kinds += [f"{a}/{b}" for a, b in _RANGES if (o.get(a), o.get(b)) != (n.get(a), n.get(b))]
    for kind in kinds:
        keys = [*kind.split("/"), "type", "exclusiveMinimum", "exclusiveMaximum"]
        lo = {k: o[k] for k in keys if k in o}
        ln = {k: n[k] for k in keys if k in n}
        label = kind + "-changed" if "/" not in kind else "bounds-changed:" + kind
        key = next(k for k in kind.split("/") if o.get(k) != n.get(k))  # the one that moved
        out.append(Change(f"{po}/{key}", f"{pn}/{key}", label, _breaks(lo, ln, ctx)))
    _diff_objects(o, n, po, pn, ctx, out, depth)
    for comb in ("anyOf", "oneOf", "allOf"):
        bo, bn = o.get(comb, []), n.get(comb, [])
        if bo != bn:
            kind = f"{comb}-branches-changed"
            out.append(
                Change(
                    f"{po}/{comb}",
                    f"{pn}/{comb}",
                    kind,
                    _breaks({comb: bo}, {comb: bn}, ctx) if bo and bn else "both",
                )
            )
    if o.get("items") != n.get("items") and not isinstance(o.get("items"), list):
        _diff(
            o.get("items", True),
            n.get("items", True),
            f"{po}/items",
            f"{pn}/items",
            ctx,
            out,
            depth + 1,
        )


def _diff_objects(
    o: dict[str, Any], n: dict[str, Any], po: str, pn: str, ctx: _Ctx, out: list[Change], depth: int
) -> None:
    props_o, props_n = o.get("properties", {}), n.get("properties", {})
    add_o, add_n = o.get("additionalProperties", True), n.get("additionalProperties", True)
    for name in dict.fromkeys([*props_o, *props_n]):
        esc = name.replace("~", "~0").replace("/", "~1")
        p_o, p_n = f"{po}/properties/{esc}", f"{pn}/properties/{esc}"
        if name not in props_n:
            out.append(
                Change(p_o, pn or "/", "property-removed", _breaks(props_o[name], add_n, ctx))
            )
        elif name not in props_o:
            out.append(Change(po or "/", p_n, "property-added", _breaks(add_o, props_n[name], ctx)))
        else:
            _diff(props_o[name], props_n[name], p_o, p_n, ctx, out, depth + 1)
    req_o, req_n = set(o.get("required", [])), set(n.get("required", []))
    for name in sorted(req_n - req_o):
        out.append(Change(f"{po}/required", f"{pn}/required", f"required-added:{name}", "backward"))
    for name in sorted(req_o - req_n):
        out.append(
            Change(f"{po}/required", f"{pn}/required", f"required-removed:{name}", "forward")
        )
    if add_o != add_n:
        out.append(
            Change(
                f"{po}/additionalProperties",
                f"{pn}/additionalProperties",
                "additionalProperties-changed",
                _breaks(add_o, add_n, ctx),
            )
        )
    if o.get("patternProperties") != n.get("patternProperties"):
        out.append(
            Change(
                f"{po}/patternProperties",
                f"{pn}/patternProperties",
                "patternProperties-changed",
                "both",
            )
        )
