"""A string matching a regular expression, to seed JSON Schema counterexamples.

Parsed with Python's own regex parser, which reads the common subset of ECMA 262 that
schemas use (classes, quantifiers, groups, alternation). A result is only a candidate: the
real engine decides whether it matches, so a dialect difference costs a witness, never a
wrong answer.
"""

from __future__ import annotations

import re
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

_CATEGORY = {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}
_NOT_CATEGORY = {"CATEGORY_NOT_DIGIT": "a", "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": "a"}


def sample(pattern: str) -> str | None:
    """A short string the pattern matches somewhere, or None when it cannot be built."""
    try:
        return _emit(sre.parse(pattern))
    except (re.error, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return None


def _emit(items: Any) -> str:
    return "".join(_one(op, av) for op, av in items)


def _one(op: Any, av: Any) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "NOT_LITERAL":
        return "a" if chr(av) != "a" else "b"
    if name == "ANY":
        return "a"
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return ""
    if name == "IN":
        return _in(av)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, body = av
        return _emit(body) * low
    if name == "SUBPATTERN":
        return _emit(av[-1])
    if name == "ATOMIC_GROUP":
        return _emit(av)
    if name == "BRANCH":
        return _emit(av[1][0])
    if name == "CATEGORY":
        return _CATEGORY.get(str(av), _NOT_CATEGORY.get(str(av), "a"))
    raise ValueError(f"regex construct {name} not generated")


def _in(items: Any) -> str:
    if items and str(items[0][0]) == "NEGATE":
        excluded = {chr(v) for op, v in items[1:] if str(op) == "LITERAL"}
        return next(ch for ch in "a0A_-x" if ch not in excluded)
    op, av = items[0]
    name = str(op)
    if name == "LITERAL":
        return chr(av)
    if name == "RANGE":
        return chr(av[0])
    if name == "CATEGORY":
        return _CATEGORY.get(str(av), _NOT_CATEGORY.get(str(av), "a"))
    raise ValueError(f"class member {name} not generated")
