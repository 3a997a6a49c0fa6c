"""Scenario assertions: XPath string values, RFC 6901 pointers, safe parsing, clear reasons."""

from __future__ import annotations

import pytest

from nif.certify import Assertion, check_assertion, find_suite
from nif.settings import Settings
from tests.certify.evidence import passing_evidence

SETTINGS = Settings()
NS = (("b", "urn:b"),)
XML = b"""<?xml version="1.0"?>
<b:R xmlns:b="urn:b" code="A7"><b:Id>BN-1</b:Id><b:Empty/><b:N>2</b:N>
<b:Name>Ada <b:i>Love</b:i>lace</b:Name><b:Id>BN-2</b:Id></b:R>"""
JSON = b"""{"id": "x", "a/b": {"~c": 1}, "n": 2.0, "flag": true, "nothing": null,
 "list": [10, "20", {"k": [1, 2]}], "empty": "", "obj": {}, "arr": []}"""


def xpath(expression: str, expected: str | None = None) -> Assertion:
    return Assertion("xpath", expression, expected, NS)


def pointer(expression: str, expected: str | None = None) -> Assertion:
    return Assertion("json-pointer", expression, expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/b:R/b:Id", "BN-1"),  # the first node in document order
        ("/b:R/b:Name", "Ada Lovelace"),  # the string value of an element with children
        ("/b:R/@code", "A7"),
        ("count(/b:R/b:Id)", "2"),  # a number is written as XPath writes it
        ("/b:R/b:N * 1.5", "3"),
        ("/b:R/b:N div 4", "0.5"),
        ("/b:R/b:Id = 'BN-2'", "true"),
        ("concat(/b:R/b:Id, '!')", "BN-1!"),
    ],
)
def test_xpath_compares_the_string_value(expression: str, expected: str) -> None:
    assert check_assertion(xpath(expression, expected), XML, SETTINGS) is None


def test_xpath_mismatch_says_expected_and_got() -> None:
    why = check_assertion(xpath("/b:R/b:Id", "BN-9"), XML, SETTINGS)
    assert why == "expected 'BN-9', got 'BN-1'"


def test_xpath_without_expected_value_needs_something_not_empty() -> None:
    assert check_assertion(xpath("/b:R/b:Id"), XML, SETTINGS) is None
    assert "selects nothing" in (check_assertion(xpath("/b:R/b:Empty"), XML, SETTINGS) or "")
    assert "selects nothing" in (check_assertion(xpath("/b:R/b:Gone"), XML, SETTINGS) or "")
    assert check_assertion(xpath("/b:R/b:Id = 'nope'"), XML, SETTINGS) is not None


def test_xpath_selecting_nothing_names_the_expression_and_value() -> None:
    why = check_assertion(xpath("/b:R/b:Gone", "x"), XML, SETTINGS)
    assert why == "/b:R/b:Gone selects nothing; expected 'x'"


def test_namespaces_must_match_not_just_local_names() -> None:
    other = Assertion("xpath", "/b:R/b:Id", "BN-1", (("b", "urn:other"),))
    assert check_assertion(other, XML, SETTINGS) is not None


@pytest.mark.parametrize(
    "content",
    [
        b"<b:R xmlns:b='urn:b'><b:Id>BN-1</b:Id>",  # not closed
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE R [<!ENTITY e "BN-1">]><R>&e;</R>',
        b'<!DOCTYPE R SYSTEM "file:///etc/passwd"><R/>',
    ],
)
def test_a_message_that_is_not_well_formed_or_unsafe_fails_with_a_reason(content: bytes) -> None:
    why = check_assertion(xpath("/b:R/b:Id", "BN-1"), content, SETTINGS)
    assert why is not None and why.startswith("the message is not well-formed XML: ")


def test_an_xpath_evaluation_error_is_a_reason_not_an_exception() -> None:
    why = check_assertion(xpath("nif:nothing(/b:R)", "x"), XML, SETTINGS)
    assert why is not None and "cannot be evaluated" in why


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/id", "x"),
        ("/a~1b/~0c", "1"),  # RFC 6901 escapes
        ("/n", "2"),  # 2.0 equals 2 as JSON
        ("/n", "2.0"),
        ("/flag", "true"),
        ("/nothing", "null"),
        ("/list/0", "10"),
        ("/list/1", "20"),  # the string "20"
        ("/list/2/k", "[1,2]"),
        ("/list/2/k", "[1, 2]"),
        ("/obj", "{}"),
    ],
)
def test_pointer_values_compare_as_strings_or_json_text(expression: str, expected: str) -> None:
    assert check_assertion(pointer(expression, expected), JSON, SETTINGS) is None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("/list/1", "20.0"),  # a string is compared as a string, never as JSON
        ("/flag", "1"),  # true is not 1
        ("/id", '"x"'),
        ("/list/00", "10"),  # no leading zeros in array indexes
        ("/list/-", "10"),  # "-" is past the end
        ("/list/3", "10"),
        ("/missing", "x"),
        ("id", "x"),  # not a pointer
    ],
)
def test_pointer_mismatches(expression: str, expected: str) -> None:
    assert check_assertion(pointer(expression, expected), JSON, SETTINGS) is not None


def test_pointer_without_expected_value_needs_something_not_empty() -> None:
    assert check_assertion(pointer("/id"), JSON, SETTINGS) is None
    assert check_assertion(pointer(""), JSON, SETTINGS) is None  # the whole document
    for empty in ("/empty", "/nothing", "/obj", "/arr", "/missing"):
        assert check_assertion(pointer(empty), JSON, SETTINGS) is not None, empty


def test_pointer_mismatch_shows_the_json_text() -> None:
    assert check_assertion(pointer("/n", "3"), JSON, SETTINGS) == "expected '3', got '2.0'"


@pytest.mark.parametrize("content", [b'{"id": "x"', b'{"id": NaN}', b"\xff\xfe\xfa", b""])
def test_json_that_is_not_well_formed_fails_with_a_reason(content: bytes) -> None:
    why = check_assertion(pointer("/id", "x"), content, SETTINGS)
    assert why is not None and why.startswith("the message is not well-formed JSON: ")


def test_oversized_messages_are_not_parsed() -> None:
    small = Settings(max_message_bytes=100)
    why = check_assertion(xpath("/b:R/b:Id", "BN-1"), XML, small)
    assert why is not None and "limit" in why


@pytest.mark.parametrize(
    "suite", ["civreg-birth/2.0.0", "tax-vat-return/1.0.0", "civreg-address/1.0.0"]
)
def test_the_demo_suites_assertions_hold_on_passing_evidence(suite: str) -> None:
    interface, version = suite.split("/")
    loaded = find_suite(interface, version)
    files = passing_evidence(suite)
    checked = 0
    for path, content in files.items():
        case = loaded.case(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        for assertion in case.assertions:
            assert check_assertion(assertion, content, SETTINGS) is None, (path, assertion)
            checked += 1
    assert checked >= 1
