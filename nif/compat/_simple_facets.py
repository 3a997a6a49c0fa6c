"""Reading an XSD simple type's structure and facets through its restriction chain.

The inclusion proofs, the witness search and the change list in `_simple_types` all read types
the same way; this is that one way.
"""

from __future__ import annotations

from typing import Any

from xmlschema.validators import XsdAtomicBuiltin, XsdList, XsdSimpleType, XsdUnion

XS = "{http://www.w3.org/2001/XMLSchema}"
_LENGTHS = ("length", "minLength", "maxLength")
_BOUNDS = ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive")
_DIGITS = ("totalDigits", "fractionDigits")
_KNOWN = {XS + n for n in (*_LENGTHS, *_BOUNDS, *_DIGITS, "enumeration", "pattern", "whiteSpace")}
_WS_RANK = {None: 0, "preserve": 0, "replace": 1, "collapse": 2}


def _chain(t: Any) -> list[Any]:
    """T and its restriction ancestors down to (and including) a built-in, list or union."""
    out = [t]
    while not isinstance(out[-1], XsdAtomicBuiltin | XsdList | XsdUnion):
        base = getattr(out[-1], "base_type", None)
        if base is not None and base.is_complex():  # simple content: go on with its content
            base = base.content if isinstance(base.content, XsdSimpleType) else None
        if base is None:
            break
        out.append(base)
    return out


def _variety(t: Any) -> str:
    bottom = _chain(t)[-1]
    if isinstance(bottom, XsdList):
        return "list"
    if isinstance(bottom, XsdUnion):
        return "union"
    return "atomic"


def _builtin(t: Any) -> Any:
    """The nearest built-in ancestor of an atomic type (None for lists and unions)."""
    bottom = _chain(t)[-1]
    return bottom if isinstance(bottom, XsdAtomicBuiltin) else None


def _name(t: Any) -> str:
    return str(getattr(t, "prefixed_name", None) or "anonymous type")


def _facet(t: Any, local: str) -> Any:
    return t.get_facet(XS + local)


def _user_facet(t: Any, local: str) -> Any:
    """The nearest facet declared by a schema (built-in ranges are reported as the type)."""
    steps = (s for s in _chain(t) if not isinstance(s, XsdAtomicBuiltin))
    return next((s.facets[XS + local] for s in steps if XS + local in s.facets), None)


def _lexical(facet: Any) -> str:
    elem = getattr(facet, "elem", None)
    text = elem.get("value") if elem is not None else None
    return str(text) if text is not None else str(getattr(facet, "value", facet))


def _values(t: Any, local: str) -> list[Any]:
    """The facet's value at every restriction step: all of them apply, the tightest wins."""
    facets = (step.facets.get(XS + local) for step in _chain(t))
    return [f.value for f in facets if getattr(f, "value", None) is not None]


def _tightest(values: list[Any], pick: Any) -> Any:
    return pick(values) if values else None


def _length_range(t: Any) -> tuple[int, int | None]:
    exact = _values(t, "length")
    low = max([0, *_values(t, "minLength"), *exact])
    high = _tightest([*_values(t, "maxLength"), *exact], min)
    return int(low), None if high is None else int(high)


def _enumeration(t: Any) -> list[str] | None:
    """The lexical forms of the effective enumeration, None when there is none."""
    facet = _facet(t, "enumeration")
    if facet is None:
        return None
    return [str(e.get("value", "")) for e in facet]


def _pattern_groups(t: Any) -> set[tuple[str, ...]]:
    """Each restriction step's patterns (ORed within a step, ANDed across steps)."""
    groups = set()
    for step in _chain(t):
        facet = step.facets.get(XS + "pattern")
        if facet is not None:
            groups.add(tuple(sorted(facet.regexps)))
    return groups


def _unknown_facets(t: Any) -> set[str]:
    return {k for step in _chain(t) for k in step.facets if k is not None and k not in _KNOWN}


def _ws(t: Any) -> int:
    return _WS_RANK.get(t.white_space, 0)


def _is_integer(t: Any) -> bool:
    builtin = _builtin(t)
    return builtin is not None and builtin.is_derived(builtin.maps.types[XS + "integer"])
