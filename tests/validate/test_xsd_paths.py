"""XSD findings point at the element with the line and a readable path: the message's own
prefixes (bare names in a default namespace), positions only among same-named siblings."""

from __future__ import annotations

import pytest
from lxml import etree

from nif.report import Finding
from nif.validate._paths import Paths
from nif.validate._step import Document
from nif.validate._xsd import compile_xsd, load_xsd
from tests.conftest import ROOT

BIRTH = ROOT / "registry" / "interfaces" / "civreg-birth"
SCHEMA = BIRTH / "schemas" / "2.0.0" / "birth.xsd"
NEWBORN = (BIRTH / "examples" / "2.0.0" / "BirthNotification" / "valid-newborn.xml").read_text()
NS = "urn:nif:demo:civreg:birth:2"


def findings(text: str, version: str | None) -> list[Finding]:
    step = compile_xsd(load_xsd(SCHEMA), version)
    tree = etree.fromstring(text.encode()).getroottree()
    return step.check(Document(text.encode(), tree=tree)).findings


def prefixed(text: str) -> str:
    """The message with its default namespace written as prefix `b` instead."""
    tree = etree.fromstring(text.encode())
    out = etree.Element(f"{{{NS}}}{etree.QName(tree).localname}", nsmap={"b": NS})
    out[:] = tree[:]
    for element in out.iter():
        element.tag = f"{{{NS}}}{etree.QName(element).localname}"
    etree.cleanup_namespaces(out, top_nsmap={"b": NS})
    return etree.tostring(out, pretty_print=True).decode()


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_default_namespace_message_gets_bare_names(version: str) -> None:
    bad = NEWBORN.replace("<Sex>M</Sex>", "<Sex>X</Sex>")
    (finding,) = findings(bad, version)
    assert finding.location.xpath == "/BirthNotification/Child/Sex"
    assert finding.location.line == line_of(bad, "<Sex>X")


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_prefixed_message_gets_its_own_prefixes_and_positions(version: str) -> None:
    text = prefixed(NEWBORN)
    given = "<b:GivenName>Jonas</b:GivenName>"
    bad = text.replace(given, given + "<b:GivenName></b:GivenName>", 1)
    (finding,) = findings(bad, version)
    assert finding.location.xpath == "/b:BirthNotification/b:Child/b:GivenName[2]"
    assert finding.location.line == line_of(bad, given)
    (element,) = (
        etree.fromstring(bad.encode())
        .getroottree()
        .xpath(finding.location.xpath, namespaces={"b": NS})
    )
    assert element.text is None


def test_paths_count_positions_among_same_named_siblings_only() -> None:
    tree = etree.fromstring(
        b'<r xmlns="urn:x" xmlns:p="urn:p"><a/><p:b/><a/><c><p:b/></c></r>'
    ).getroottree()
    paths = Paths(tree)
    root = tree.getroot()
    assert [paths.of(e) for e in root.iter()] == [
        "/r",
        "/r/a[1]",
        "/r/p:b",
        "/r/a[2]",
        "/r/c",
        "/r/c/p:b",
    ]
    assert paths.rewrite("/*/*[3]") == "/r/a[2]"
    assert paths.rewrite("/*/*[9]") == "/*/*[9]"  # selects nothing: kept as the engine said
    assert paths.rewrite("/p:r") == "/p:r"
