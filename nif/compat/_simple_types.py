"""Value-space inclusion of XSD simple types: does NEW accept every lexical value OLD accepts?

Soundness first. A `False` always carries a witness that xmlschema itself accepts under OLD and
rejects under NEW (checked before it is returned); a `True` comes only from rules that hold for
every value (derivation by restriction, facet-by-facet comparison on a shared built-in base,
exact checks of finite enumerations); anything else is `None` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from xmlschema.validators import XsdSimpleType, XsdUnion

from nif.compat._samples import around, primitive_samples, regex_strings, sized
from nif.compat._simple_facets import (
    _BOUNDS,
    _DIGITS,
    _LENGTHS,
    XS,
    _builtin,
    _chain,
    _enumeration,
    _facet,
    _is_integer,
    _length_range,
    _lexical,
    _name,
    _pattern_groups,
    _tightest,
    _unknown_facets,
    _user_facet,
    _values,
    _variety,
    _ws,
)

# Validation normalizes whitespace first, so these accept every string as a lexical value.
_UNIVERSAL = {
    XS + n for n in ("string", "normalizedString", "token", "anySimpleType", "anyAtomicType")
}
_MAX_CANDIDATES = 600


@dataclass
class SimpleInclusion:
    """Whether OLD's lexical space is inside NEW's: True, False (with a checked witness) or None."""

    included: bool | None
    witness: str | None = None
    reason: str | None = None
    changes: list[str] = field(default_factory=list)


def simple_included(old: XsdSimpleType, new: XsdSimpleType) -> SimpleInclusion:
    """Decide whether every lexical value valid for OLD is valid for NEW.

    A witness search runs first (a verified counterexample beats any proof); then the proof
    rules; when neither settles it the answer is unknown, never a guess.
    """
    changes = describe_changes(old, new)
    if old is new:
        return SimpleInclusion(True, changes=changes)
    witness = find_witness(old, new)
    if witness is not None:
        return SimpleInclusion(
            False, witness, f"{witness!r} is valid for the old type, not for the new", changes
        )
    reason = _prove(old, new)
    if reason is None:
        return SimpleInclusion(True, changes=changes)
    return SimpleInclusion(None, None, reason, changes)


def _valid(xsd_type: XsdSimpleType, text: str) -> bool | None:
    """xmlschema's verdict, None when the engine itself fails on the text."""
    try:
        return bool(xsd_type.is_valid(text))
    except Exception:  # an engine crash is no verdict
        return None


def is_witness(old: XsdSimpleType, new: XsdSimpleType, text: str) -> bool:
    """True when the real engine accepts TEXT under OLD and rejects it under NEW."""
    return _valid(old, text) is True and _valid(new, text) is False


def _derives(old: Any, new: Any) -> bool:
    """Built-in `old` is `new` or derived from it; by name too, so a type of an XSD 1.0 set
    and one of a 1.1 set (each with its own built-ins) still compare."""
    if old.is_derived(new):
        return True
    current, steps = old, 0
    while current is not None and steps < 32:
        if current.name == new.name:
            return True
        current, steps = getattr(current, "base_type", None), steps + 1
    return False


# --- proof ---------------------------------------------------------------------------------


def _prove(old: Any, new: Any) -> str | None:
    """None when inclusion holds for every value, else why it could not be shown."""
    if old is new or old.is_derived(new):
        return None
    if _accepts_everything(new):
        return None
    vo, vn = _variety(old), _variety(new)
    if vo == "union":
        for member in (
            old.member_types if isinstance(old, XsdUnion) else _chain(old)[-1].member_types
        ):
            reason = _prove(member, new)
            if reason is not None:
                return f"union member {_name(member)}: {reason}"
        return None
    if vn == "union":
        if any(k is not None for step in _chain(new)[:-1] for k in step.facets):
            return "the new union is restricted by facets"
        reasons = [_prove(old, m) for m in _chain(new)[-1].member_types]
        if any(r is None for r in reasons):
            return None
        return "no single member of the new union includes the old type: " + "; ".join(
            str(r) for r in reasons
        )
    if vo != vn:
        return f"variety {vo} -> {vn}"
    if _unknown_facets(new):
        return f"facets not compared: {sorted(_unknown_facets(new))}"
    if vo == "list":
        item = _prove(_chain(old)[-1].item_type, _chain(new)[-1].item_type)
        if item is not None:
            return f"list item: {item}"
        if _enumeration(new) is not None:
            return "enumeration on the new list"
        if not _pattern_groups(new) <= _pattern_groups(old):
            return "pattern on the new list not on the old"
        return _prove_lengths(old, new)
    return _prove_atomic(old, new)


def _accepts_everything(t: Any) -> bool:
    chain = _chain(t)
    facets_free = all(set(s.facets) <= {None, XS + "whiteSpace"} for s in chain[:-1])
    return facets_free and getattr(chain[-1], "name", None) in _UNIVERSAL


def _prove_atomic(old: Any, new: Any) -> str | None:
    bo, bn = _builtin(old), _builtin(new)
    if _exact_enumeration(old, new):
        return None
    if bo is None or bn is None or not _derives(bo, bn):
        return f"type {_name(bo)} -> {_name(bn)}"
    ws_sensitive = any(_facet(new, f) is not None for f in (*_LENGTHS, "enumeration", "pattern"))
    if _ws(old) != _ws(new) and ws_sensitive:
        return f"whiteSpace {old.white_space} -> {new.white_space} with lexical facets"
    if not _pattern_groups(new) <= _pattern_groups(old):
        return "pattern on the new type not on the old"
    if _enumeration(new) is not None:
        return "enumeration on the new type, none comparable on the old"
    for check in (_prove_lengths, _prove_bounds, _prove_digits):
        reason = check(old, new)
        if reason is not None:
            return reason
    return None


def _exact_enumeration(old: Any, new: Any) -> bool:
    """A finite OLD decides by checking each value, where validity depends on the value only."""
    lexicals = _enumeration(old)
    if lexicals is None:
        return False
    bo, bn = _builtin(old), _builtin(new)
    string_old = bo is not None and bo.primitive_type.name == XS + "string"
    if string_old and _ws(new) >= _ws(old):
        pass  # OLD's normalized values are its enumeration: NEW sees the same normal forms
    elif not (
        bo is not None
        and bn is not None
        and (_derives(bo, bn) or (_is_integer(old) and _is_integer(new)))
        and _ws(old) == _ws(new)
        and _pattern_groups(new) <= _pattern_groups(old)
        and not _unknown_facets(new)
        # digit facets are not assumed to depend on the value alone (1.10 vs 1.1)
        and (_is_integer(new) or not any(_values(new, d) for d in _DIGITS))
    ):
        return False
    return all(_valid(new, e) is True for e in lexicals if _valid(old, e))


def _prove_lengths(old: Any, new: Any) -> str | None:
    (olo, ohi), (nlo, nhi) = _length_range(old), _length_range(new)
    if nlo > olo:
        return f"minimum length {olo} -> {nlo}"
    if nhi is not None and (ohi is None or ohi > nhi):
        return f"maximum length {ohi} -> {nhi}"
    return None


def _bound(t: Any, side: str) -> tuple[Any, bool] | None:
    """The tightest bound on SIDE ('min'/'max') as (value, exclusive); integers made inclusive.

    Raises TypeError when the bounds of the steps are not comparable (partial date order).
    """
    inclusive, exclusive = _values(t, side + "Inclusive"), _values(t, side + "Exclusive")
    if exclusive and _is_integer(t):
        inclusive += [v + 1 if side == "min" else v - 1 for v in exclusive]
        exclusive = []
    bounds = [(v, False) for v in inclusive] + [(v, True) for v in exclusive]
    if not bounds:
        return None
    best = bounds[0]
    for value, excl in bounds[1:]:
        tighter = value > best[0] if side == "min" else value < best[0]
        if tighter or (value == best[0] and excl):
            best = (value, excl)
    return best


def _prove_bounds(old: Any, new: Any) -> str | None:
    python_type = _builtin(new).primitive_type.python_type
    datetime_like = not issubclass(python_type, Decimal | float | int)
    for side in ("min", "max"):
        try:
            nb, ob = _bound(new, side), _bound(old, side)
        except TypeError:
            return f"{side} bounds not comparable"
        if nb is None or nb == ob:
            continue
        if ob is None or datetime_like:
            return f"{side} bound {_show(ob)} -> {_show(nb)}"
        try:
            ok = ob[0] > nb[0] if side == "min" else ob[0] < nb[0]
            ok = ok or (ob[0] == nb[0] and (ob[1] or not nb[1]))
        except TypeError:
            ok = False
        if not ok:
            return f"{side} bound {_show(ob)} -> {_show(nb)}"
    return None


def _show(bound: tuple[Any, bool] | None) -> str:
    if bound is None:
        return "none"
    return ("exclusive " if bound[1] else "") + str(bound[0])


def _prove_digits(old: Any, new: Any) -> str | None:
    for local in _DIGITS:
        n = _tightest(_values(new, local), min)
        o = _tightest(_values(old, local), min)
        o = 0 if local == "fractionDigits" and _is_integer(old) else o
        if n is not None and (o is None or o > n):
            return f"{local} {o} -> {n}"
    return None


# --- witness search ----------------------------------------------------------------------------


def find_witness(old: XsdSimpleType, new: XsdSimpleType) -> str | None:
    """A lexical value the engine accepts under OLD and rejects under NEW, if a candidate is."""
    seen: set[str] = set()
    for text in islice(_candidates(old, new), _MAX_CANDIDATES * 4):
        if text in seen:
            continue
        seen.add(text)
        if is_witness(old, new, text):
            return str(text)
        if len(seen) >= _MAX_CANDIDATES:
            break
    return None


def _candidates(old: Any, new: Any) -> Any:
    """Lexical values worth trying: OLD's own values and values just outside NEW's facets."""
    variety = _variety(old)
    if variety == "union":
        for member in _chain(old)[-1].member_types:
            yield from _candidates(member, new)
        return
    if variety == "list":
        item_old = _chain(old)[-1].item_type
        item_new = _chain(new)[-1].item_type if _variety(new) == "list" else new
        items = list(islice(_candidates(item_old, item_new), 60))
        olo, ohi = _length_range(old)
        nlo, nhi = _length_range(new) if _variety(new) == "list" else (0, None)
        counts = {1, 2, olo, max(nlo - 1, 0), *(c for c in (ohi, nhi) if c is not None)}
        if nhi is not None:
            counts.add(nhi + 1)
        for item in items:
            for count in sorted(c for c in counts if c <= 1000):
                yield " ".join([item] * count)
        return
    yield from _atomic_candidates(old, new)


def _atomic_candidates(old: Any, new: Any) -> Any:
    base: list[str] = list(_enumeration(old) or [])
    for t in (old, new):
        for local in _BOUNDS:
            facet = _facet(t, local)
            if facet is not None:
                base.extend(around(_lexical(facet)))
    for pattern in (p for step in _chain(old) for p in _step_patterns(step)):
        base.extend(regex_strings(pattern))
    builtin = _builtin(old)
    if builtin is not None:
        primitive = builtin.primitive_type.local_name or "string"
        base.extend(primitive_samples(primitive))
    yield from base
    lengths = {*_length_range(old), *_length_range(new)}
    for t in (old, new):
        for fraction in _values(t, "fractionDigits"):
            yield from ("0." + "1" * k for k in (fraction, fraction + 1))
        lengths |= set(_values(t, "totalDigits")) | set(_values(t, "fractionDigits"))
    for n in sorted(x for x in lengths if x is not None):
        for m in (n - 1, n, n + 1):
            if 0 <= m <= 10000:
                yield from sized([m])
                yield from (_pad(s, m) for s in base[:20])
                yield from (s + " " * (m - len(s)) for s in base[:20] if len(s) < m)
    for s in base[:40]:
        yield f" {s} "
        yield s.replace(" ", "  ")
        yield s + "0"
        yield s + ".0"  # the same number written otherwise: 1 vs 1.0, +1, 01
        yield "+" + s
        yield "-" + s
        yield "0" + s
        yield s.lower()
        yield s.upper()


def _pad(text: str, size: int) -> str:
    return (text * (size // max(len(text), 1) + 1))[:size] if text else "a" * size


def _step_patterns(step: Any) -> list[Any]:
    facet = step.facets.get(XS + "pattern")
    return list(facet.patterns) if facet is not None else []


# --- changes -----------------------------------------------------------------------------------


def describe_changes(old: XsdSimpleType, new: XsdSimpleType) -> list[str]:
    """Human-readable differences between two simple types (facet by facet)."""
    out: list[str] = []
    vo, vn = _variety(old), _variety(new)
    if vo != vn:
        return [f"variety {vo} -> {vn}"]
    if vo == "list":
        item_old, item_new = _chain(old)[-1].item_type, _chain(new)[-1].item_type
        out += [f"list item: {c}" for c in describe_changes(item_old, item_new)]
    elif vo == "union":
        mo = [_name(m) for m in _chain(old)[-1].member_types]
        mn = [_name(m) for m in _chain(new)[-1].member_types]
        if mo != mn:
            out.append(f"member types {' '.join(mo)} -> {' '.join(mn)}")
    else:
        bo, bn = _builtin(old), _builtin(new)
        if bo is not bn:
            out.append(f"type {_name(bo)} -> {_name(bn)}")
    if old.white_space != new.white_space:
        out.append(f"whiteSpace {old.white_space} -> {new.white_space}")
    for local in (*_LENGTHS, *_BOUNDS, *_DIGITS):
        fo, fn = _user_facet(old, local), _user_facet(new, local)
        lo = None if fo is None else _lexical(fo)
        ln = None if fn is None else _lexical(fn)
        if lo != ln:
            out.append(f"{local} {lo or 'none'} -> {ln or 'none'}")
    out += _enumeration_changes(_enumeration(old), _enumeration(new))
    po, pn = _pattern_groups(old), _pattern_groups(new)
    out += [f"pattern {' | '.join(g)!r} removed" for g in sorted(po - pn)]
    out += [f"pattern {' | '.join(g)!r} added" for g in sorted(pn - po)]
    return out


def _enumeration_changes(old: list[str] | None, new: list[str] | None) -> list[str]:
    if old is None and new is None:
        return []
    if old is None:
        return [f"enumeration added ({len(new or [])} values)"]
    if new is None:
        return ["enumeration removed (any value of the base type allowed)"]
    out = [f"enumeration value {v!r} removed" for v in old if v not in new]
    return out + [f"enumeration value {v!r} added" for v in new if v not in old]
