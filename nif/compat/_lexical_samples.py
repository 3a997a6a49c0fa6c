"""Sample lexical values to try as counterexamples: per XSD primitive, and from a pattern.

Only candidates: callers check each one with the real engine before using it.
"""

from __future__ import annotations

import re._parser as sre  # type: ignore[import-not-found]
from itertools import islice, product
from typing import Any

SAMPLES: dict[str, tuple[str, ...]] = {
    "string": ("a", "A", "0", "abc", "", "a b", "-", "x" * 40),
    "boolean": ("true", "false", "1", "0"),
    "decimal": (
        "0",
        "1",
        "-1",
        "0.5",
        "1.25",
        "-0.5",
        "12345678901",
        "100",
        "99999999999999999999",
    ),
    "float": ("1.5", "0", "-1", "INF", "-INF", "NaN", "1E3"),
    "double": ("1.5", "0", "-1", "INF", "-INF", "NaN", "1E3"),
    "duration": ("P1D", "PT1H", "P1Y2M", "-P1D"),
    "dateTime": ("2000-01-01T00:00:00", "2000-01-01T00:00:00Z", "2000-01-01T12:00:00+01:00"),
    "time": ("00:00:00", "12:30:00Z"),
    "date": ("2000-01-01", "2000-01-01Z", "2000-01-01+01:00"),
    "gYearMonth": ("2000-01",),
    "gYear": ("2000",),
    "gMonthDay": ("--01-01",),
    "gDay": ("---01",),
    "gMonth": ("--01",),
    "hexBinary": ("", "0F", "0f", "ABCD"),
    "base64Binary": ("", "AA==", "QUJD"),
    "anyURI": ("http://example.com/a", "a", "urn:x:y"),
    "QName": ("a", "xs:string"),
}


def regex_samples(pattern: Any, limit: int = 12) -> list[str]:
    """A few strings matching a translated XSD pattern, built from its parse tree."""
    try:
        tree = sre.parse(pattern.pattern)
        samples = _gen(list(tree), limit)
    except Exception:  # exotic syntax: fewer candidates
        return []
    return [s for s in samples if pattern.match(s)]


def _gen(nodes: list[Any], limit: int) -> list[str]:
    results = [""]
    for op, arg in nodes:
        options = _gen_node(op, arg, limit)
        if not options:
            return []
        results = ["".join(p) for p in islice(product(results, options), limit)]
    return results


def _gen_node(op: Any, arg: Any, limit: int) -> list[str]:
    name = str(op)
    if name == "LITERAL":
        return [chr(arg)]
    if name in ("ANY", "NOT_LITERAL"):
        return ["a" if name == "ANY" or arg != ord("a") else "b"]
    if name == "IN":
        return _gen_in(arg)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = arg
        inner = _gen(list(sub), limit) or [""]
        counts = sorted({low, low + 1, min(high, low + 3)} - {c for c in (low + 1,) if c > high})
        return [s * c for c in counts for s in inner[:3]][:limit]
    if name == "SUBPATTERN":
        return _gen(list(arg[-1]), limit)
    if name == "BRANCH":
        return [s for alt in arg[1] for s in _gen(list(alt), limit)][:limit]
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return [""]
    return []


def _gen_in(items: list[Any]) -> list[str]:
    negate = any(str(op) == "NEGATE" for op, _ in items)
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars += [chr(arg[0]), chr(arg[1])]
        elif name == "CATEGORY":
            chars.append({"CATEGORY_DIGIT": "0", "CATEGORY_SPACE": " "}.get(str(arg), "a"))
    if negate:
        return [c for c in "aZ0 -_.~" if c not in chars][:2]
    return chars[:3]
