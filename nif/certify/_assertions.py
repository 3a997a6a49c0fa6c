"""Scenario assertions: checks on one message beyond its profile ("the answer echoes the id").

An XPath 1.0 assertion compares the XPath string value of what its expression selects; a JSON
Pointer (RFC 6901) assertion compares the string it selects, or the JSON text of any other value.
Without an expected value the selection must exist and not be empty. Messages are parsed with
nif's safe parsers (no DTD, no entity, no network), once for all the assertions of a case
(a run hands over the parse the message's validation made).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree

from nif.certify._suite import Assertion
from nif.settings import Settings
from nif.validate import ParsedJson, ParsedXml, parse_json, parse_xml, unescape

_MISSING = object()
_STRING = etree.XPath("string()")


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A message parsed for assertions: an XML tree, a JSON value, or why it could not be."""

    tree: etree._ElementTree | None = None
    json: Any = _MISSING
    problem: str | None = None


def parse(content: bytes, language: str, settings: Settings) -> Parsed:
    """Parse `content` as the assertion language needs it (XML for XPath, JSON for pointers)."""
    if language == "xpath":
        return from_xml(
            parse_xml(
                content,
                max_bytes=settings.validation.max_message_bytes,
                max_depth=settings.validation.max_xml_depth,
            )
        )
    return from_json(parse_json(content, max_bytes=settings.validation.max_message_bytes))


def from_xml(parsed: ParsedXml) -> Parsed:
    """A message `parse_xml` read (for its validation, too) as XPath needs it."""
    if parsed.tree is None:
        return Parsed(problem=f"the message is not well-formed XML: {_first(parsed.findings)}")
    return Parsed(tree=parsed.tree)


def from_json(parsed: ParsedJson) -> Parsed:
    """A message `parse_json` read (for its validation, too) as JSON Pointers need it."""
    if parsed.document is None:
        return Parsed(problem=f"the message is not well-formed JSON: {_first(parsed.findings)}")
    return Parsed(json=parsed.document.json)


def check_assertion(assertion: Assertion, content: bytes, settings: Settings) -> str | None:
    """None when `assertion` holds on `content`; else why not, in one sentence."""
    return check_parsed(assertion, parse(content, assertion.language, settings))


def check_all(
    assertions: Sequence[Assertion],
    content: bytes,
    settings: Settings,
    ready: Mapping[str, Parsed] | None = None,
) -> list[tuple[Assertion, str]]:
    """The assertions that do not hold, with why; the message is parsed once per language,
    unless `ready` has it parsed already for that language (as its validation read it)."""
    parsed: dict[str, Parsed] = dict(ready or {})
    failed = []
    for assertion in assertions:
        if assertion.language not in parsed:
            parsed[assertion.language] = parse(content, assertion.language, settings)
        why = check_parsed(assertion, parsed[assertion.language])
        if why is not None:
            failed.append((assertion, why))
    return failed


def check_parsed(assertion: Assertion, parsed: Parsed) -> str | None:
    if parsed.problem is not None:
        return parsed.problem
    raw: Any = _MISSING
    if assertion.language == "xpath":
        found, value = _xpath(assertion, parsed.tree)
    elif assertion.language == "json-pointer":
        found, value, raw = _pointer(assertion.expression, parsed.json)
    else:
        return f"unknown assertion language {assertion.language!r}"
    if isinstance(found, str):
        return found
    if assertion.expected is None:
        if not found or value == "" or raw is None or raw == [] or raw == {}:
            return f"{assertion.expression} selects nothing (or only an empty value)"
        return None
    if not found:
        return f"{assertion.expression} selects nothing; expected {assertion.expected!r}"
    if value == assertion.expected or _same_json(assertion.expected, raw):
        return None
    return f"expected {assertion.expected!r}, got {value!r}"


def _first(findings: Sequence[Any]) -> str:
    if not findings:
        return "unreadable"
    finding = findings[0]
    line = finding.location.line
    return f"{finding.message} (line {line})" if line else finding.message


def _xpath(assertion: Assertion, tree: etree._ElementTree | None) -> tuple[bool | str, str]:
    """(whether something was selected, its XPath string value), or (why it failed, "")."""
    assert tree is not None
    try:
        result = _compiled(assertion.expression, assertion.namespaces)(tree)
    except etree.XPathError as exc:
        return f"{assertion.expression} cannot be evaluated: {exc}", ""
    if isinstance(result, list):
        if not result:
            return False, ""
        first = result[0]
        if isinstance(first, tuple):  # a namespace node: (prefix, URI)
            return True, str(first[1])
        if isinstance(first, etree._Element):
            return True, str(_STRING(first))
        return True, str(first)
    if isinstance(result, bool):
        return result, "true" if result else "false"
    if isinstance(result, float):
        return True, _number(result)
    return True, str(result)


@functools.lru_cache(maxsize=1024)
def _compiled(expression: str, namespaces: tuple[tuple[str, str], ...]) -> etree.XPath:
    """Compiled once: a suite's assertions are checked on many messages."""
    return etree.XPath(expression, namespaces=dict(namespaces))


def _number(value: float) -> str:
    """An XPath number as XPath's string() writes it (2, not 2.0; NaN; Infinity)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value.is_integer() else repr(value)


def _pointer(pointer: str, document: Any) -> tuple[bool | str, str, Any]:
    """Resolve an RFC 6901 pointer: (found, the string or JSON text of the value, the value)."""
    value = document
    if pointer:
        if not pointer.startswith("/"):
            return f"{pointer!r} is not a JSON Pointer (it must start with '/')", "", _MISSING
        for token in (unescape(t) for t in pointer[1:].split("/")):
            index = _index(token, len(value)) if isinstance(value, list) else None
            if isinstance(value, dict) and token in value:
                value = value[token]
            elif isinstance(value, list) and index is not None:
                value = value[index]
            else:
                return False, "", _MISSING
    if isinstance(value, str):
        return True, value, value
    return True, json.dumps(value, ensure_ascii=False, separators=(",", ":")), value


def _index(token: str, length: int) -> int | None:
    """An array index token per RFC 6901: digits, no leading zero, within the array."""
    if not token.isascii() or not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        return None
    index = int(token)
    return index if index < length else None


def _same_json(text: str, actual: Any) -> bool:
    """A non-string JSON value equals the expected JSON text as JSON (1.0 equals 1)."""
    if actual is _MISSING or isinstance(actual, str):
        return False
    try:
        expected = json.loads(text)
    except ValueError:
        return False
    if isinstance(expected, str):
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return bool(expected == actual)
