"""Candidate values for counterexamples: per XSD primitive, from a pattern, around a bound.

The one home of sample values for the XSD and JSON Schema provers. Everything here is only a
candidate: callers check each string with the real engine before trusting it, so a dialect
difference (an XSD or ECMA-262 construct Python's parser reads differently) costs a witness,
never a wrong answer.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

# Python's own regex parser (private, stable since 3.11): xmlschema compiles XSD patterns to
# `re`, and ECMA-262 patterns as schemas write them are mostly in the subset it reads.
_SRE: Any = importlib.import_module("re._parser")

# Lexical values per primitive, the plainest first: instance generation takes the first one
# the type accepts, witness search tries them all.
SAMPLES: dict[str, tuple[str, ...]] = {
    "string": ("a", "", "A1", "A", "0", "abc", "a b", "-", "x" * 40),
    "boolean": ("true", "false", "1", "0"),
    "decimal": (
        *("0", "1", "-1", "0.1", "0.5", "1.25", "-0.5"),
        *("100", "12345678901", "99999999999999999999"),
    ),
    "float": ("0", "1", "-1", "1.5", "INF", "-INF", "NaN", "1E3"),
    "double": ("0", "1", "-1", "1.5", "INF", "-INF", "NaN", "1E3"),
    "duration": ("P1D", "PT0S", "PT1H", "P1Y2M", "-P1D"),
    "dateTime": ("2000-01-01T00:00:00", "2000-01-01T00:00:00Z", "2000-01-01T12:00:00+01:00"),
    "time": ("00:00:00", "00:00:00Z", "12:30:00Z"),
    "date": ("2000-01-01", "2000-01-01Z", "2000-01-01+01:00"),
    "gYearMonth": ("2000-01",),
    "gYear": ("2000",),
    "gMonthDay": ("--01-01",),
    "gDay": ("---01",),
    "gMonth": ("--01",),
    "hexBinary": ("00", "", "0F", "0f", "ABCD"),
    "base64Binary": ("AAAA", "", "AA==", "QUJD"),
    "anyURI": ("http://example.com/", "a", "urn:x:y"),
    "QName": ("xml:lang", "a", "xs:string"),
    "NOTATION": (),
}

# Repetitions beyond the minimum, so length facets around a pattern find a string too.
_EXTRAS = (0, 1, 2, 4, 8)
# Which alternative a variant takes in each branch and character class (0: the first).
_VARIANTS = 4
_ESCAPES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}
_PROBES = "a0 -Z_.x~"


class _Unsupported(Exception):
    """A regex construct the generator does not render (back-references, say)."""


def pattern_strings(pattern: str, flags: int = 0, limit: int = 16) -> list[str]:
    """Up to `limit` distinct strings built from `pattern`'s parse tree, unchecked.

    The first has every repetition at its minimum and takes the first alternative everywhere;
    then longer repetitions (for length facets), then other alternatives and class members.
    Empty when the pattern cannot be parsed or uses a construct not rendered.
    """
    try:
        tree = _SRE.parse(pattern, flags)
    except (re.error, ValueError, TypeError, RecursionError):
        return []
    out: list[str] = []
    plan = [(e, 0) for e in _EXTRAS] + [(e, v) for v in range(1, _VARIANTS) for e in (0, 1)]
    for extra, variant in plan:
        try:
            text = _render(tree, extra, variant)
        except (_Unsupported, ValueError, IndexError, KeyError, RecursionError):
            break
        if text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return out


def regex_strings(regex: re.Pattern[str], limit: int = 16) -> list[str]:
    """Strings `regex` (a compiled, translated XSD pattern) really matches."""
    return [s for s in pattern_strings(regex.pattern, regex.flags, limit) if regex.match(s)]


def primitive_samples(primitive: str) -> tuple[str, ...]:
    """The sample lexical values of an XSD primitive (by local name); a string's if unknown."""
    return SAMPLES.get(primitive, SAMPLES["string"])


def around(lexical: str) -> list[str]:
    """A bound as written and its numeric neighbours (non-numbers are tried as written)."""
    try:
        value = Decimal(lexical)
    except (ArithmeticError, InvalidOperation, ValueError):
        return [lexical]
    if not value.is_finite():
        return [lexical]
    out = [lexical]
    for step in (Decimal(1), Decimal("0.5"), Decimal("0.1"), Decimal("0.001")):
        out += [_plain(value - step), _plain(value + step)]
    return out


def sized(lengths: Iterable[int | None]) -> Iterator[str]:
    """Plain strings of each length: letters, digits, and octet pairs for hexBinary."""
    for size in lengths:
        if size is None or not 0 <= size <= 10000:
            continue
        yield from ("a" * size, "0" * size, "1" * size, "A" * size, "00" * size)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros beyond what it needs (`2`, not `2.0`)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _render(items: Any, extra: int, variant: int) -> str:
    return "".join(_node(op, arg, extra, variant) for op, arg in items)


def _node(op: Any, arg: Any, extra: int, variant: int) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "NOT_LITERAL":
        return _pick([c for c in _PROBES if c != chr(arg)], variant)
    if name == "ANY":
        return _pick([c for c in _PROBES if c != " "], variant)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return ""  # anchors, look-arounds, xmlschema's end guard: candidates are checked
    if name == "IN":
        return _pick(_class_chars(arg), variant)
    if name == "CATEGORY":
        return _pick(_category_chars(arg), variant)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = arg
        count = int(low + extra if high is _SRE.MAXREPEAT else min(low + extra, high))
        return _render(body, extra, variant) * count
    if name == "SUBPATTERN":
        return _render(arg[-1], extra, variant)
    if name == "ATOMIC_GROUP":
        return _render(arg, extra, variant)
    if name == "BRANCH":
        return _render(arg[1][variant % len(arg[1])], extra, variant)
    raise _Unsupported(name)


def _pick(chars: list[str], variant: int) -> str:
    if not chars:
        raise _Unsupported("empty character choice")
    return chars[variant % len(chars)]


def _class_chars(items: Any) -> list[str]:
    """Members of a class (range ends included); for a negated one, probes outside it."""
    if items and str(items[0][0]) == "NEGATE":
        inside = re.compile(_class_regex(items[1:]))
        return [c for c in _PROBES if not inside.fullmatch(c)]
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars += [chr(arg[0]), chr(arg[1])]
        elif name == "CATEGORY":
            chars += _category_chars(arg)[:1]
        else:
            raise _Unsupported(f"class member {name}")
    return chars


def _class_regex(items: Any) -> str:
    parts = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            parts.append(re.escape(chr(arg)))
        elif name == "RANGE":
            parts.append(f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}")
        elif name == "CATEGORY":
            parts.append(_ESCAPES.get(str(arg), ""))
        else:
            raise _Unsupported(f"negated class member {name}")
    return f"[{''.join(parts)}]" if parts else "(?!)"


def _category_chars(category: Any) -> list[str]:
    """Probe characters `re` accepts for a category escape (`a` for one not known)."""
    escape = _ESCAPES.get(str(category))
    if escape is None:
        return ["a"]
    return [c for c in _PROBES if re.fullmatch(escape, c)]
