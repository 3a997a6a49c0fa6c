"""The parse step streams a large message instead of building its lxml tree: no tree is kept
for a well-formed UTF-8 message, and every problem is reported by the full parse, exactly."""

from __future__ import annotations

import pytest

from nif.validate import Profile, _step, parse_xml, validate
from nif.validate._step import Document
from nif.validate._xml import check_xml
from tests.conftest import EN16931, UBL_INVOICE_XSD

DEEP = b"<a>" * 5 + b"</a>" * 5


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message counts as large."""
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)


@pytest.mark.parametrize(
    "content",
    [
        b"<a>\n<b/>\n</a>",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<a>\xc3\xa9</a>',
        b"\xef\xbb\xbf<a/>",
        b"<?xml version='1.0' encoding='us-ascii'?><a/>",
    ],
)
def test_a_well_formed_utf8_message_keeps_no_tree(large: None, content: bytes) -> None:
    parsed = check_xml(content, max_bytes=1000, max_depth=256)
    assert parsed.streamed and parsed.tree is None and parsed.findings == []


@pytest.mark.parametrize(
    ("content", "max_bytes", "max_depth"),
    [
        (b"<a><b></a>", 1000, 256),
        (b"<a>\n<b>\n</a>", 1000, 256),
        (b"<a/><b/>", 1000, 256),
        (b"<a>&x;</a>", 1000, 256),
        (b"<!DOCTYPE a><a/>", 1000, 256),
        (b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 1000, 256),
        (b"<a>" + b"x" * 100 + b"</a>", 50, 256),
        (DEEP, 1000, 4),
        (b"<a>" * 300 + b"</a>" * 300, 10_000, 256),
    ],
)
def test_a_problem_is_reported_as_the_full_parse_reports_it(
    large: None, content: bytes, max_bytes: int, max_depth: int
) -> None:
    checked = check_xml(content, max_bytes=max_bytes, max_depth=max_depth)
    parsed = parse_xml(content, max_bytes=max_bytes, max_depth=max_depth)
    assert not checked.streamed and checked.findings
    assert checked.findings == parsed.findings


def test_a_deep_enough_message_within_the_limit_streams(large: None) -> None:
    assert check_xml(DEEP, max_bytes=1000, max_depth=5).streamed


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>',
        "<a>é</a>".encode("utf-16"),
        b"<a/>",
    ],
)
def test_other_encodings_and_small_messages_keep_their_tree(content: bytes) -> None:
    parsed = check_xml(content, max_bytes=1000, max_depth=256)
    assert parsed.tree is not None and not parsed.streamed


INVOICE = EN16931 / "ubl/examples/ubl-tc434-example1.xml"
RULES = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"


def test_a_valid_large_invoice_is_validated_without_an_lxml_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """XSD and EN 16931 both run, and neither builds the message's lxml tree."""
    profile = Profile.from_files(xsd=UBL_INVOICE_XSD, schematron=[RULES])
    content = INVOICE.read_bytes()
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)

    def no_tree(self: Document) -> None:
        raise AssertionError("the lxml tree was built")

    monkeypatch.setattr(Document, "xml_tree", no_tree)
    report = validate(content, profile)
    assert report.verdict == "valid", [s.error for s in report.steps]
    assert [s.status for s in report.steps] == ["passed"] * 3


def test_an_invalid_large_invoice_gets_the_findings_of_its_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = Profile.from_files(xsd=UBL_INVOICE_XSD, schematron=[RULES])
    content = INVOICE.read_bytes().replace(b"<cbc:Note>", b"<cbc:Notes>", 1)
    content = content.replace(b"</cbc:Note>", b"</cbc:Notes>", 1)
    kept = validate(content, profile)
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)
    streamed = validate(content, profile)
    assert streamed.verdict == kept.verdict == "invalid"
    assert streamed.findings == kept.findings
