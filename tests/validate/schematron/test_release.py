"""A large message's lxml tree is released before Saxon parses it: findings keep their lines and
paths (found by streaming, or by parsing again for text, comment and PI locations), a later
step that needs the tree gets it back, and a rule that fails on Saxon still gives `error`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nif.report import Report
from nif.validate import _step, validate
from nif.validate._profile import Profile
from nif.validate._step import Document
from nif.validate._xml import parse_xml
from nif.validate.schematron._stream import element_lines
from tests.conftest import EN16931
from tests.validate.schematron.conftest import DATA, found, run, with_binding

UBL_RULES = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
UBL_TESTS = EN16931 / "test/Invoice-unit-UBL"
UBL_XSD = EN16931.parent / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd"


@pytest.fixture
def release_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every message counts as large."""
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)


def both_ways(monkeypatch: pytest.MonkeyPatch, check: object) -> tuple[Report, Report]:
    """The report with the tree kept, then with it released."""
    assert callable(check)
    kept = check()
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)
    return kept, check()


def document(content: bytes) -> Document:
    parsed = parse_xml(content, max_bytes=len(content), max_depth=256)
    return Document(content, tree=parsed.tree)


def test_a_released_tree_is_parsed_again_with_the_same_lines(release_all: None):
    content = b"<a>\n  <b/>\n\n  <c><b/></c>\n</a>"
    doc = document(content)
    doc.saxon_node(release_tree=True)
    assert doc.tree is None and doc.tree_released
    tree = doc.xml_tree()
    assert not doc.tree_released
    assert [e.sourceline for e in tree.iter()] == [1, 2, 4, 4]


def test_a_small_message_keeps_its_tree():
    doc = document(b"<a/>")
    doc.saxon_node(release_tree=True)
    assert doc.tree is not None and not doc.tree_released


def test_only_a_step_that_asks_releases_the_tree(release_all: None):
    """KoSIT's selector shares the Saxon node and runs its XSD on the tree next."""
    doc = document(b"<a/>")
    doc.saxon_node()
    assert doc.tree is not None


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in UBL_TESTS.glob("*.xml"))[:40],
)
def test_en16931_findings_are_the_same_with_the_tree_released(
    monkeypatch: pytest.MonkeyPatch, name: str
):
    kept, released = both_ways(monkeypatch, lambda: run(UBL_RULES, UBL_TESTS / name))
    assert found(released) == found(kept)
    assert released.verdict == kept.verdict


def test_some_released_findings_have_lines(monkeypatch: pytest.MonkeyPatch):
    """The comparison above is not between two lists of lines that are all None."""
    monkeypatch.setattr(_step, "RELEASE_TREE_BYTES", 0)
    lines = [
        line
        for name in sorted(UBL_TESTS.glob("*.xml"))[:40]
        for _, _, line, _, _ in found(run(UBL_RULES, name))
    ]
    assert len([line for line in lines if line]) > 10


@pytest.mark.parametrize("binding", ["xslt2", "xslt3"])
def test_every_node_kind_is_located_with_the_tree_released(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, binding: str
):
    rules = with_binding(DATA / "nodes.sch", binding, tmp_path)
    kept, released = both_ways(monkeypatch, lambda: run(rules, DATA / "nodes.xml"))
    assert found(released) == found(kept)
    assert {line for _, _, line, _, _ in found(released)} >= {1, 2, 3, 4, 6, 7}


def test_a_later_xsd_step_gets_the_tree_back(monkeypatch: pytest.MonkeyPatch):
    """Schematron first, then XSD: the XSD step parses the released message again."""
    message = (UBL_TESTS / sorted(p.name for p in UBL_TESTS.glob("*.xml"))[0]).read_bytes()
    broken = message.replace(b"<cbc:ID>", b"<cbc:Bogus/><cbc:ID>", 1)
    both = Profile.from_files(schematron=[UBL_RULES], xsd=UBL_XSD)
    profile = dataclasses.replace(both, steps=both.steps[::-1])
    assert [s.kind for s in profile.steps] == ["schematron", "xsd"]
    kept, released = both_ways(monkeypatch, lambda: validate(broken, profile))
    assert [s.status for s in released.steps] == [s.status for s in kept.steps]
    assert found(released) == found(kept)
    assert any(f.step.startswith("xsd") for f in released.findings)


def test_a_rule_failing_on_saxon_still_gives_error(release_all: None, tmp_path: Path):
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern><rule context="a"><assert test="1 idiv number(.) = 1">x</assert></rule>'
        "</pattern></schema>"
    )
    report = run(rules, b"<a>0</a>")
    assert report.verdict == "error"
    assert "FOAR0001" in (report.steps[-1].error or "")


def test_streaming_finds_elements_by_name_and_position():
    content = (
        b'<r xmlns="urn:x">\n<a/>\n<b/>\n<a>\n<c xmlns="">\n</c>\n</a>\n<!-- c -->\n<a/>\n</r>'
    )
    x = "{urn:x}"
    wanted = [
        ((f"{x}r", 1),),
        ((f"{x}r", 1), (f"{x}a", 2)),
        ((f"{x}r", 1), (f"{x}a", 2), ("c", 1)),
        ((f"{x}r", 1), (f"{x}a", 3)),
        ((f"{x}r", 1), (f"{x}a", 4)),
        ((f"{x}r", 1), (f"{x}b", 2)),
        ((f"{x}s", 1),),
    ]
    assert element_lines(content, wanted) == {
        wanted[0]: 1,
        wanted[1]: 4,
        wanted[2]: 5,
        wanted[3]: 9,
    }


def test_a_latin_1_message_is_read_the_same_with_the_tree_released(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Saxon gets a re-serialised copy of a message not in UTF-8, made before the release."""
    rules = tmp_path / "r.sch"
    rules.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">'
        '<pattern><rule context="b"><report test="true()">b <value-of select="."/></report>'
        "</rule></pattern></schema>"
    )
    message = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<a>\n<b>Zoë</b>\n</a>'.encode("latin-1")
    kept, released = both_ways(monkeypatch, lambda: run(rules, message))
    assert found(released) == found(kept)
    assert [(line, text) for _, _, line, _, text in found(released)] == [(3, "b Zoë")]
