"""Strict JSON parsing with findings that say where: line, column and JSON Pointer.

A UTF-8 message first goes to orjson, which parses it at under half the stdlib's cost
(`_plain`); a duplicate key, which it lets the last one win silently, shows as a colon fewer
when the value is written back. What orjson refuses or may read differently (a `\\u` escape,
a long run of digits, a negative three-digit exponent) goes to the stdlib's C decoder. That
accepts things RFC 8259 does not (NaN, Infinity, duplicate keys where the last one silently
wins), so those are caught on the side and turned into findings. Its fast parse gives up at
the first of those (or at a number that may not fit); only then is the message parsed again
the careful way that says which and where. Positions are computed by a small scanner only when
a finding needs one, so a clean message costs less than `json.loads`.

The scanner is ours rather than json-source-map's: that package builds pointers from the raw
key text (so `"a/b"` and `"\\u00e9"` map to wrong pointers), recurses (a RecursionError on
documents `json.loads` accepts) and collapses duplicate keys, which are what we must report.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import orjson

from nif.report import Finding, Location, Severity
from nif.validate._step import Document

STEP = "parse"

_NON_STANDARD = {"NaN", "Infinity", "-Infinity"}
_UTF8 = {"utf-8", "utf-8-sig"}
_BIG_NUMBER = re.compile(r"[0-9]{300}|[eE][+-]?0*[1-9][0-9]{2}")
"""A run of digits or an exponent that may not fit an int's 4,300-digit conversion limit or a
float: only then are numbers parsed one by one, so ordinary messages keep the C fast path."""
_INT_DIGITS = 4300


def _int(text: str) -> int | Decimal:
    """Python's int refuses to parse more than 4,300 digits (a guard against quadratic
    conversion); a longer integer is kept exactly as a Decimal, which JSON Schema compares."""
    return int(text) if len(text) <= _INT_DIGITS else Decimal(text)


def _float(text: str) -> float | Decimal:
    """A float, unless the number overflows to infinity or underflows to zero: then the exact
    Decimal, so that `1e400` is not infinity and `1e-400` not 0 when a schema compares it."""
    value = float(text)
    if value and not math.isinf(value):
        return value
    mantissa = text.lower().partition("e")[0]
    if math.isinf(value) or (value == 0.0 and mantissa.strip("-0.")):
        return Decimal(text)
    return value


@dataclasses.dataclass
class ParsedJson:
    document: Document | None
    findings: list[Finding]


def _fatal(
    rule_id: str, message: str, line: int | None = None, column: int | None = None
) -> Finding:
    return Finding(Severity.FATAL, STEP, message, rule_id, Location(line=line, column=column))


def _encoding(content: bytes) -> str:
    """`json.detect_encoding`, which costs a tenth of a small message's parse, told at a glance
    for the usual message: a first byte that is ASCII and not NUL (no BOM starts so) and a
    second that is not NUL is UTF-8 to it too."""
    if len(content) >= 2 and 0 < content[0] < 0x80 and content[1]:
        return "utf-8"
    return json.detect_encoding(content)


def _decode(content: bytes, encoding: str) -> tuple[str | None, Finding | None]:
    """Text in the encodings RFC 8259 allows: UTF-8, or UTF-16/32 told by BOM or null bytes
    (`json.detect_encoding`)."""
    try:
        return content.decode(encoding), None
    except UnicodeDecodeError as exc:
        line = column = None
        if encoding in _UTF8:
            line = content.count(b"\n", 0, exc.start) + 1
            column = len(content[content.rfind(b"\n", 0, exc.start) + 1 : exc.start]) + 1
        name = "UTF-8" if encoding in _UTF8 else encoding.upper()
        message = (
            f"not valid {name} at byte {exc.start} ({exc.reason}): JSON messages must be "
            "UTF-8 (or UTF-16/UTF-32)"
        )
        return None, _fatal("json.encoding", message, line, column)


def parse_json(content: bytes, *, max_bytes: int) -> ParsedJson:
    """Parse untrusted bytes; a document that cannot be trusted comes back as None + findings.

    Duplicate keys are errors but the document still parses (the last value wins, as in the
    stdlib), so the schema steps can report on the rest of it.
    """
    if len(content) > max_bytes:
        message = f"message is {len(content)} bytes, over the limit of {max_bytes}"
        return ParsedJson(None, [_fatal("json.too-large", message)])
    encoding = _encoding(content)
    text, problem = _decode(content, encoding)
    if text is None:
        return ParsedJson(None, [problem] if problem else [])
    if encoding == "utf-8" and (value := _plain(content, text)) is not _UNSURE:
        return ParsedJson(Document(content, json=value, json_text=text), [])
    value = _quick(content, text, encoding)
    if value is not _UNSURE:
        return ParsedJson(Document(content, json=value, json_text=text), [])
    return _careful(content, text)


def _careful(content: bytes, text: str) -> ParsedJson:
    """The parse that says what is wrong and where: for what the fast parse gave up on."""
    if not text.strip():
        return ParsedJson(None, [_fatal("json.malformed", "the message is empty", 1, 1)])
    duplicates: list[bool] = []
    constants: list[str] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        members = dict(pairs)
        if len(members) != len(pairs):
            duplicates.append(True)
        return members

    def constant_hook(name: str) -> float:
        constants.append(name)
        return float(name)

    numbers: dict[str, Any] = {}
    if _BIG_NUMBER.search(text):
        numbers = {"parse_int": _int, "parse_float": _float}
    try:
        value = json.loads(
            text, object_pairs_hook=pairs_hook, parse_constant=constant_hook, **numbers
        )
    except json.JSONDecodeError as exc:
        message = f"not well-formed JSON: {exc.msg[:1].lower()}{exc.msg[1:]}"
        return ParsedJson(None, [_fatal("json.malformed", message, exc.lineno, exc.colno)])
    except RecursionError:
        message = "arrays and objects are nested too deeply to be processed safely"
        return ParsedJson(None, [_fatal("json.too-deep", message)])
    if constants:
        line, column = _scan(text).constant or (None, None)
        message = f"{constants[0]} is not a JSON value (RFC 8259 allows only finite numbers)"
        return ParsedJson(None, [_fatal("json.malformed", message, line, column)])
    if _SURROGATE.search(text) and not _is_unicode(value):
        line, column = _scan(text).surrogate or (None, None)
        message = "a string holds an unpaired UTF-16 surrogate escape, which is not Unicode text"
        return ParsedJson(None, [_fatal("json.malformed", message, line, column)])
    findings = _duplicate_findings(text) if duplicates else []
    return ParsedJson(Document(content, json=value, json_text=text), findings)


_UNSURE = object()
"""What `_quick` returns when it gave up: the careful parse decides."""


class _Unusual(Exception):
    """A duplicate key or a non-finite number: the fast parse stops, the careful one reports."""


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise _Unusual
    return members


def _constant(name: str) -> float:
    raise _Unusual


_decoders = threading.local()


def _scanner() -> Callable[[str, int], tuple[Any, int]]:
    """This thread's scanner for the fast parse, built once (building one costs a parse's worth
    of a small message). Numbers go through `_int` and `_float` as in the careful parse, which
    tells a number the C decoder would get wrong by its text, costing more than the hooks."""
    scan: Callable[[str, int], tuple[Any, int]] | None = getattr(_decoders, "scan", None)
    if scan is None:
        decoder = json.JSONDecoder(
            object_pairs_hook=_members, parse_constant=_constant, parse_float=_float, parse_int=_int
        )
        scan = _decoders.scan = vars(decoder)["scan_once"]
    return scan


def _may_hold_surrogates(content: bytes, text: str, encoding: str) -> bool:
    """Whether there is a `\\u` escape, which may be an unpaired surrogate. The bytes are
    searched faster than the text, and for one backslash (memchr) faster still."""
    if encoding in _UTF8:
        return content.find(0x5C) != -1 and b"\\u" in content
    return "\\u" in text and _SURROGATE.search(text) is not None


def _quick(content: bytes, text: str, encoding: str) -> Any:
    """The document, parsed by the C decoder, or `_UNSURE` at the first thing that needs the
    careful parse: malformed text, a duplicate key, a non-finite number, an escaped surrogate,
    nesting too deep."""
    if _may_hold_surrogates(content, text, encoding):
        return _UNSURE
    try:
        at = _WHITESPACE.match(text).end()  # type: ignore[union-attr]
        value, end = _scanner()(text, at)
    except (StopIteration, _Unusual, ValueError, RecursionError):
        return _UNSURE
    if _WHITESPACE.match(text, end).end() != len(text):  # type: ignore[union-attr]
        return _UNSURE
    return value


_SHAPES = bytes(
    0x30 if 0x30 <= b <= 0x39 else 0x65 if b in b"eE" else 0x2D if b == 0x2D else 0x20
    for b in range(256)
)
"""Digits to 0, exponent marks to e, minus signs kept, the rest to spaces: a message's numbers
at a glance, for the C speed of `bytes.translate` and `in` (a regular expression costs several
parses of a small message)."""
_LONG_DIGITS = b"0" * 17
"""orjson reads an integer beyond 64 bits as a float; a run of 17 digits may be one (or a
float's long mantissa), so the stdlib reads such a message, exactly."""
_TINY = b"e-000"
"""A negative exponent of three digits or more may underflow to 0, which orjson reads as 0 and
the stdlib path keeps as the exact Decimal (a large one makes orjson refuse the message)."""


def _plain(content: bytes, text: str) -> Any:
    """The document as orjson reads it, or `_UNSURE` when it may differ from the stdlib's
    reading or carry what the stdlib's parses report: a `\\u` escape (an unpaired surrogate),
    a long run of digits or a negative three-digit exponent (a number beyond 64 bits or one
    that underflows to 0, which the stdlib path keeps exactly), anything orjson refuses, or a
    duplicate key. orjson keeps the last value of a duplicate key silently; the value written
    back then has fewer colons than the message (every key has one colon after it, and without
    `\\u` escapes every other colon is in a string, and so written back as it was)."""
    if _may_hold_surrogates(content, text, "utf-8"):
        return _UNSURE
    shapes = content.translate(_SHAPES)
    if _LONG_DIGITS in shapes or _TINY in shapes:
        return _UNSURE
    try:
        value = orjson.loads(content)
        written = orjson.dumps(value)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _UNSURE
    if written.count(b":") != content.count(b":"):
        return _UNSURE
    return value


def _is_unicode(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _duplicate_findings(text: str) -> list[Finding]:
    findings = []
    for member, (line, column), (first_line, first_column) in _scan(text).duplicates:
        key = unescape(member.rsplit("/", 1)[1])
        message = (
            f"duplicate key {key!r}: first at line {first_line} column {first_column}; "
            "the last value is the one validated"
        )
        location = Location(line=line, column=column, pointer=member)
        findings.append(Finding(Severity.ERROR, STEP, message, "json.duplicate-key", location))
    return findings


def escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(path: Sequence[str | int]) -> str:
    """The JSON Pointer of a path of keys and indexes, "" for the whole document."""
    if not path:
        return ""
    joined = "/" + "/".join(map(str, path))
    if "~" not in joined and joined.count("/") == len(path):
        return joined
    return "".join(f"/{escape(str(part))}" for part in path)


def locate(text: str, pointer: str) -> tuple[int, int] | None:
    """(line, column), 1-based, where the value at `pointer` starts; None if it does not exist."""
    return locate_all(text, [pointer]).get(pointer)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_MEMBER = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t\n\r]*:[ \t\n\r]*')
_SEPARATOR = re.compile(r"[ \t\n\r]*(?:,[ \t\n\r]*)?")
_SKIP: Callable[[str, int], tuple[Any, int]] = vars(json.JSONDecoder(parse_int=str))["scan_once"]
"""Parses one value from an offset and says where it ends: how uninteresting values are skipped
(integers stay text: a skipped one needs no value, and int() refuses more than 4,300 digits)."""


def locate_all(text: str, pointers: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Positions of many pointers in one pass, for a document json.loads accepted.

    Only the containers on the way to a wanted pointer are walked in Python; every other value
    is skipped by the C decoder, so locating a few findings costs about one more parse.
    """
    return _line_columns(text, _offsets(text, pointers))


class Positions:
    """(line, column) of the JSON Pointers of one message's findings, found for all of them in
    one `locate_all` pass when the first is asked for (see `Location.pending`); (None, None)
    for a pointer that is not in the text."""

    def __init__(self, text: str, pointers: Iterable[str]) -> None:
        self._text = text
        self._pointers = list(pointers)
        self._found: dict[str, tuple[int, int]] | None = None

    def __call__(self, pointer: str) -> tuple[int | None, int | None]:
        if self._found is None:
            self._found = locate_all(self._text, self._pointers)
        return self._found.get(pointer, (None, None))


def value_text(text: str, pointer: str) -> str | None:
    """The value at `pointer` as the document writes it (a number's own digits: `2.0` is not
    `2`); None when there is none."""
    at = _offsets(text, [pointer]).get(pointer)
    if at is None:
        return None
    try:
        return text[at : _SKIP(text, at)[1]]
    except (StopIteration, ValueError):
        return None


def _offsets(text: str, pointers: Iterable[str]) -> dict[str, int]:
    """Where the values at `pointers` start in `text`, for those that exist."""
    wanted = set(pointers)
    inside: set[str] = set()
    for p in wanted:
        while p and (p := p[: p.rfind("/")]) not in inside:
            inside.add(p)
    needed = wanted | inside
    last_index: dict[str, int] = {}
    for p in needed:
        parent, _, token = p.rpartition("/")
        if token.isdigit():
            last_index[parent] = max(last_index.get(parent, 0), int(token))
    offsets: dict[str, int] = {}
    stack = [("", _match(_WHITESPACE, text, 0).end())]
    try:
        while stack:
            path, at = stack.pop()
            if path in wanted:
                offsets[path] = at
            if path in inside and text[at] in "{[":
                found = _children(text, at, path, needed, last_index.get(path, -1))
                stack.extend(found.items())
    except (RecursionError, IndexError, StopIteration, TypeError, ValueError):
        pass  # a document json.loads did not accept: keep what was found
    return offsets


def _children(text: str, at: int, path: str, needed: set[str], last: int) -> dict[str, int]:
    """Where the members of the container at `at` that lead to needed pointers start.

    An array is left after its `last` needed item; an object is read to the end, because with
    duplicate keys the last member is the one that counts.
    """
    found: dict[str, int] = {}
    is_object = text[at] == "{"
    at = _match(_WHITESPACE, text, at + 1).end()
    index = 0
    while text[at] not in "}]":
        if is_object:
            member = _match(_MEMBER, text, at)
            key = member[1]
            if "\\" in key:
                key = json.loads(f'"{key}"')
            if "~" in key or "/" in key:
                key = escape(key)
            child = f"{path}/{key}"
            at = member.end()
        else:
            child = f"{path}/{index}"
        if child in needed:
            found[child] = at
        if not is_object and index >= last:
            break
        at = _match(_SEPARATOR, text, _SKIP(text, at)[1]).end()
        index += 1
    return found


def _match(pattern: re.Pattern[str], text: str, at: int) -> re.Match[str]:
    """`pattern` at `at`; ValueError (which `locate_all` catches) when the text is not JSON."""
    match = pattern.match(text, at)
    if match is None:
        raise ValueError(f"unexpected text at offset {at}")
    return match


def _line_columns(text: str, offsets: dict[str, int]) -> dict[str, tuple[int, int]]:
    positions = {}
    line, line_start, previous = 1, 0, 0
    for path, offset in sorted(offsets.items(), key=lambda item: item[1]):
        newlines = text.count("\n", previous, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", previous, offset) + 1
        positions[path] = (line, offset - line_start + 1)
        previous = offset
    return positions


@dataclasses.dataclass
class _Scan:
    duplicates: list[tuple[str, tuple[int, int], tuple[int, int]]]
    constant: tuple[int, int] | None = None
    surrogate: tuple[int, int] | None = None


_TOKEN = re.compile(r'[ \t\r]*(?:(\n)|("(?:[^"\\]|\\.)*")|([{}\[\]:,])|([^\s{}\[\]:,"]+))')
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_OBJECT, _ARRAY = 0, 1


def _scan(text: str) -> _Scan:
    """Walk every token of a document json.loads accepted, for what the C decoder hides:
    duplicate keys, non-finite numbers, unpaired surrogates. Only run when one was seen.

    Frames on the stack are [kind, current key or index, keys seen, expecting a key, pointer].
    """
    result = _Scan([])
    stack: list[list[Any]] = []
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        newline, string, punct, atom = match.groups()
        if newline:
            line, line_start = line + 1, match.end()
            continue
        start = match.start(2) if string else match.start(3) if punct else match.start(4)
        here = (line, start - line_start + 1)
        top = stack[-1] if stack else None
        if (
            string
            and result.surrogate is None
            and _SURROGATE.search(string)
            and not _is_unicode(json.loads(string))
        ):
            result.surrogate = here
        if string and top is not None and top[0] == _OBJECT and top[3]:
            key = json.loads(string) if "\\" in string else string[1:-1]
            if key in top[2]:
                result.duplicates.append((f"{top[4]}/{escape(key)}", here, top[2][key]))
            top[2][key] = here
            top[1], top[3] = key, False
            continue
        if punct == ":":
            continue
        if punct == "," and top is not None:
            if top[0] == _OBJECT:
                top[3] = True
            else:
                top[1] += 1
            continue
        if punct in ("}", "]"):
            stack.pop()
            continue
        if atom in _NON_STANDARD and result.constant is None:
            result.constant = here
        if punct in ("{", "["):
            if top is None:
                path = ""
            elif top[0] == _OBJECT:
                path = f"{top[4]}/{escape(top[1])}"
            else:
                path = f"{top[4]}/{top[1]}"
            if punct == "{":
                stack.append([_OBJECT, None, {}, True, path])
            else:
                stack.append([_ARRAY, 0, None, False, path])
    return result
