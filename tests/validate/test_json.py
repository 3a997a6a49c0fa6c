"""Strict JSON parsing: malformed, hostile and ambiguous messages become findings that say where."""

from __future__ import annotations

import importlib
import json
import threading
from decimal import Decimal

import pytest

from nif.report import Severity, Verdict
from nif.validate import Profile, validate
from nif.validate._json import _careful, locate, locate_all, parse_json, pointer

LIMIT = 1024 * 1024


def only_finding(content: bytes):
    parsed = parse_json(content, max_bytes=LIMIT)
    assert parsed.document is None
    assert len(parsed.findings) == 1
    finding = parsed.findings[0]
    assert finding.severity is Severity.FATAL
    assert finding.step == "parse"
    return finding


@pytest.mark.parametrize(
    ("content", "line", "column", "words"),
    [
        (b'{"a": 1,\n "b": [1, 2,\n  3,]}', 3, 5, "expecting value"),
        (b'{\n  "a": 1\n  "b": 2\n}', 3, 3, "expecting ',' delimiter"),
        (b'{"a": 1} {"b": 2}', 1, 10, "extra data"),
        (b'{\n  name: "x"\n}', 2, 3, "property name enclosed in double quotes"),
        (b'{"a": "open}', 1, 7, "unterminated string"),
        (b'{"a": "tab\there"}', 1, 11, "invalid control character"),
    ],
)
def test_malformed_json_gives_line_and_column(content, line, column, words):
    finding = only_finding(content)
    assert finding.rule_id == "json.malformed"
    assert (finding.location.line, finding.location.column) == (line, column)
    assert words in finding.message.lower()


def test_empty_message():
    finding = only_finding(b"  \n ")
    assert finding.rule_id == "json.malformed"
    assert "empty" in finding.message


@pytest.mark.parametrize(
    ("content", "constant", "line", "column"),
    [
        (b'{"a": NaN}', "NaN", 1, 7),
        (b"[1,\n  -Infinity]", "-Infinity", 2, 3),
        (b'{"s": "NaN Infinity",\n "n": Infinity}', "Infinity", 2, 7),
    ],
)
def test_non_finite_numbers_are_not_json(content, constant, line, column):
    finding = only_finding(content)
    assert finding.rule_id == "json.malformed"
    assert finding.message.startswith(f"{constant} is not a JSON value")
    assert (finding.location.line, finding.location.column) == (line, column)


def test_latin1_bytes_are_an_encoding_error_with_position():
    finding = only_finding('{\n  "city": "Liège"\n}'.encode("latin-1"))
    assert finding.rule_id == "json.encoding"
    assert "UTF-8" in finding.message
    assert (finding.location.line, finding.location.column) == (2, 14)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
def test_rfc_8259_encodings_parse(encoding):
    parsed = parse_json('{"city": "Liège"}'.encode(encoding), max_bytes=LIMIT)
    assert parsed.findings == []
    assert parsed.document is not None
    assert parsed.document.json == {"city": "Liège"}


def test_unpaired_surrogate_is_refused_with_position():
    finding = only_finding(b'{"ok": "\\ud83d\\ude00",\n "bad": ["x\\ud800"]}')
    assert finding.rule_id == "json.malformed"
    assert "surrogate" in finding.message
    assert (finding.location.line, finding.location.column) == (2, 10)


def test_escaped_backslash_before_u_is_not_a_surrogate():
    parsed = parse_json(b'{"path": "C:\\\\ud800"}', max_bytes=LIMIT)
    assert parsed.findings == []


def test_too_large():
    parsed = parse_json(b"[" + b"1," * 100 + b"1]", max_bytes=100)
    assert parsed.document is None
    assert [f.rule_id for f in parsed.findings] == ["json.too-large"]
    assert "100" in parsed.findings[0].message


def test_absurd_nesting_is_a_finding_not_a_crash():
    finding = only_finding(b"[" * 100_000 + b"]" * 100_000)
    assert finding.rule_id == "json.too-deep"
    assert "nested too deeply" in finding.message


def test_duplicate_keys_are_errors_with_pointer_and_position():
    content = (
        b'{\n  "id": "A",\n  "party": {"name": "x", "vat": "1",\n            "name": "y"},\n'
        b'  "a/b~": 1, "a/b~": 2,\n  "id": "B"\n}'
    )
    parsed = parse_json(content, max_bytes=LIMIT)
    assert parsed.document is not None
    assert parsed.document.json == {"id": "B", "party": {"name": "y", "vat": "1"}, "a/b~": 2}
    found = [
        (f.rule_id, f.severity, f.location.pointer, f.location.line, f.location.column)
        for f in parsed.findings
    ]
    assert found == [
        ("json.duplicate-key", Severity.ERROR, "/party/name", 4, 13),
        ("json.duplicate-key", Severity.ERROR, "/a~1b~0", 5, 14),
        ("json.duplicate-key", Severity.ERROR, "/id", 6, 3),
    ]
    assert "first at line 3 column 13" in parsed.findings[0].message
    assert "'a/b~'" in parsed.findings[1].message


def test_duplicates_inside_arrays_point_at_the_item():
    parsed = parse_json(b'[{"a": 1}, {"b": 1, "b": 2}]', max_bytes=LIMIT)
    assert [f.location.pointer for f in parsed.findings] == ["/1/b"]


def test_same_key_in_sibling_objects_is_not_a_duplicate():
    parsed = parse_json(b'[{"a": 1}, {"a": 2}, {"x": {"a": 3}, "a": 4}]', max_bytes=LIMIT)
    assert parsed.findings == []


def test_a_clean_document_keeps_its_text():
    parsed = parse_json(b'{"a": [1, 2]}', max_bytes=LIMIT)
    assert parsed.findings == []
    assert parsed.document is not None
    assert parsed.document.json_text == '{"a": [1, 2]}'


TEXT = """{
  "party": {"k\\"ey": [1, {"z": true}], "\\u00e9": 2},
  "a/b~": null,
  "lines": [
    {"qty": 1},
    {"qty": 2}
  ]
}"""


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("", (1, 1)),
        ("/party", (2, 12)),
        ('/party/k"ey', (2, 22)),
        ('/party/k"ey/1/z', (2, 32)),
        ("/party/é", (2, 50)),
        ("/a~1b~0", (3, 11)),
        ("/lines/1/qty", (6, 13)),
        ("/lines/2", None),
        ("/nope", None),
    ],
)
def test_locate(where, expected):
    assert json.loads(TEXT)  # the table above is about a valid document
    assert locate(TEXT, where) == expected


def test_locate_all_answers_many_pointers_in_one_pass():
    wanted = ["/lines/0/qty", "/lines/1", "/missing"]
    assert locate_all(TEXT, wanted) == {"/lines/0/qty": (5, 13), "/lines/1": (6, 5)}


def test_locate_works_as_deep_as_parsing_does():
    depth = 800
    content = b'{"a": ' * depth + b"[0, 1]" + b"}" * depth
    parsed = parse_json(content, max_bytes=LIMIT)
    assert parsed.document is not None
    assert locate(parsed.document.json_text or "", "/a" * depth + "/1") == (1, 6 * depth + 5)


def test_locate_stops_at_the_last_item_it_needs():
    text = '[{"q": 1}, {"q": 2}, {"q": [[[[[never read'
    assert locate(text, "/1/q") == (1, 18)


def test_pointer_escapes_tokens():
    assert pointer([]) == ""
    assert pointer(["a/b", "~", 0]) == "/a~1b/~0/0"
    assert pointer(["", 0, "x"]) == "//0/x"
    assert pointer(("a", "b/c", 7)) == "/a/b~1c/7"


def test_validate_reports_malformed_json_as_invalid():
    report = validate(b'{"a": 1,,}', Profile(steps=()), source="m.json")
    assert report.verdict is Verdict.INVALID
    assert report.media_type == "application/json"
    [finding] = report.findings
    assert finding.rule_id == "json.malformed"
    assert (finding.location.line, finding.location.column) == (1, 9)


def test_validate_makes_duplicate_keys_invalid():
    report = validate(b'{"a": 1, "a": 2}', Profile(steps=()))
    assert report.verdict is Verdict.INVALID
    assert [f.rule_id for f in report.findings] == ["json.duplicate-key"]


@pytest.mark.parametrize(
    "content",
    [
        b'{"a": 1.5, "b": [1, -0, 2e10, 0.0, -0.0], "c": "t\\u00e9xt", "d": null}',
        b'{"big": 1e400, "small": 1e-400, "fine": 1e300}',
        b'{"zero": 0.0000000000000000000000000000000000000000000000000001e-300}',
        b"[" + b"9" * 5000 + b"]",
        b'{"a": 1, "a": 2, "b": {"c": 1, "c": 2}}',
        b'{"n": NaN, "x": }',
        b'{"s": "\\ud800"}',
        b'{"s": "\\ud83d\\ude00"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'  {"a": 1}  ',
        b'{"a": 1} x',
        b'\xef\xbb\xbf{"bom": true}',
        '{"utf16": "Li\u00e8ge"}'.encode("utf-16"),
        b"",
        b"\n",
        b"[18446744073709551615, 18446744073709551616, -9223372036854775809, 1234567890123456789]",
        b'{"id": "12345678901234567890", "n": 12345678901234567.5, "e": 2.5E-0400}',
        b"[1E-0400, 5e-324, 2.5e-320, 1e+300, -1e-400]",
        b'[1e+400, "a1e945"]',
        b'{"a": "x:y", "a": 1}',
        b'{"a:b": 1, "a:b": {"c": "d:e"}}',
        b'{"a": {"b": 1, "c": 2}, "a": 3}',
        b'{"t": "a\\"b\\\\", "n": -0, "f": 1E2, "g": 1.7976931348623157e308, "h": 2.4e-320}',
        b'{"s": "caf\xc3\xa9: \xe2\x82\xac"}',
        b"[" * 300 + b"]" * 300,
        b"[" * 2000 + b"]" * 2000,
        b'{"a": 1}{"b": 2}',
        b'{"a": "\x01"}',
    ],
)
def test_the_fast_parse_agrees_with_the_careful_one(content):
    """The fast parse returns what the careful one would have, or leaves the message to it:
    same value (types included: Decimal for a number a float cannot hold), same findings."""
    fast = parse_json(content, max_bytes=LIMIT)
    text = content.decode(json.detect_encoding(content)) if content.strip() else content.decode()
    careful = _careful(content, text)
    assert fast.findings == careful.findings
    assert (fast.document is None) == (careful.document is None)
    if fast.document is not None and careful.document is not None:
        assert repr(fast.document.json) == repr(careful.document.json)
        assert fast.document.json_text == careful.document.json_text


def test_a_float_beyond_double_stays_exact_without_a_big_exponent():
    digits = "1" + "0" * 400
    parsed = parse_json(f"[{digits}.0, 0.{'0' * 400}1]".encode(), max_bytes=LIMIT)
    assert parsed.document is not None
    assert parsed.document.json == [Decimal(f"{digits}.0"), Decimal(f"0.{'0' * 400}1")]
    assert all(isinstance(value, Decimal) for value in parsed.document.json)


def test_an_ordinary_message_is_parsed_once(monkeypatch):
    """Only what the fast parse gives up on is parsed again (the careful parse is not run)."""

    def never(content: bytes, text: str) -> None:
        raise AssertionError("parsed twice")

    monkeypatch.setattr(importlib.import_module("nif.validate._json"), "_careful", never)
    parsed = parse_json('{"a": [1, 2.5, "é", {"b": null}], "c": "x\\"y"}'.encode(), max_bytes=LIMIT)
    assert parsed.document is not None
    assert parsed.document.json == {"a": [1, 2.5, "é", {"b": None}], "c": 'x"y'}


def test_an_ordinary_message_skips_the_stdlib_decoder(monkeypatch):
    """orjson reads a plain UTF-8 message: neither of the stdlib's parses runs."""

    def never(*args: object) -> None:
        raise AssertionError("parsed by the stdlib")

    module = importlib.import_module("nif.validate._json")
    monkeypatch.setattr(module, "_quick", never)
    monkeypatch.setattr(module, "_careful", never)
    content = (
        '{"a": [1, 2.5, "é", {"b": null}], "c": "x\\"y: z", "n": 123456789012, "id": "a1e945"}'
    ).encode()
    parsed = parse_json(content, max_bytes=LIMIT)
    assert parsed.document is not None and not parsed.findings
    assert parsed.document.json == {
        "a": [1, 2.5, "é", {"b": None}],
        "c": 'x"y: z',
        "n": 123456789012,
        "id": "a1e945",
    }
    assert parsed.document.json_text == content.decode()


def test_threads_parsing_at_once_get_their_own_documents():
    """Each thread has its own scanner; a duplicate key in one thread's message sends only that
    message to the careful parse."""
    messages = [
        json.dumps({"n": n, "items": [{"k": n, "v": str(n)}] * 3}).encode()
        if n % 3
        else b'{"n": 0, "n": %d}' % n
        for n in range(300)
    ]
    expected = [parse_json(m, max_bytes=LIMIT) for m in messages]
    results: dict[int, list] = {}

    def run(worker: int) -> None:
        results[worker] = [parse_json(m, max_bytes=LIMIT) for m in messages]

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for parsed in results.values():
        assert [p.document.json for p in parsed] == [p.document.json for p in expected]
        assert [p.findings for p in parsed] == [p.findings for p in expected]
    assert sum(bool(p.findings) for p in expected) == 100
