"""UBL 2.1, a multi-file standard, against edited copies of itself: each edit gives the right
verdicts for the document types it reaches, and only for those.

Four edits of a copy of the schema set (in tmp_path, never committed):
- an optional element added to the Invoice document itself (CreditNote's DiscrepancyResponse);
- an element made required in an aggregate every document reaches (cac:AddressType/CityName);
- an enumeration narrowed on a code only Invoice names (cbc:InvoiceTypeCodeType: UBL ships no
  enumerations, so the OLD copy lists five codes and the NEW one three);
- a type changed in the basic components every document type imports (cbc:IssueDateType, a
  date becoming a date and time).
Each document type is compared with its own schema file (as the registry pins it). An edit of
a common component reaches CreditNote even when only Invoice names it: UBL's extension point
admits the signature elements, whose xmldsig and XAdES wildcards (`##other`, strict) admit every
declared UBL element, so a CreditNote may carry a cbc:InvoiceTypeCode there, and the verified
counterexample shows one. Only the edit of the Invoice document leaves CreditNote alone. Every
counterexample is checked again here with nif's validator. Slow: eight comparisons of about
13 s of CPU each (half of it xmlschema loading both sets), shared by the module's tests.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from nif.compat import Answer, Comparison, MessageComparison, compare_files
from nif.report import Verdict
from nif.validate import Profile, validate

pytestmark = pytest.mark.slow

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "external"
UBL = EXTERNAL / "ubl-2.1" / "xsd"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
MAINDOC = {INVOICE: "maindoc/UBL-Invoice-2.1.xsd", CREDIT_NOTE: "maindoc/UBL-CreditNote-2.1.xsd"}
CAC = "common/UBL-CommonAggregateComponents-2.1.xsd"
CBC = "common/UBL-CommonBasicComponents-2.1.xsd"

_CODE_TYPE = """<xsd:complexType name="InvoiceTypeCodeType">
      <xsd:simpleContent>
         <xsd:extension base="udt:CodeType"/>
      </xsd:simpleContent>
   </xsd:complexType>"""


def _codes(*codes: str) -> str:
    listed = "".join(f'<xsd:enumeration value="{code}"/>' for code in codes)
    return (
        '<xsd:complexType name="InvoiceTypeCodeType"><xsd:simpleContent>'
        f'<xsd:restriction base="udt:CodeType">{listed}</xsd:restriction>'
        "</xsd:simpleContent></xsd:complexType>"
    )


@dataclass(frozen=True)
class Edit:
    """A textual edit of one file of the copy: `old` (which must occur once after `anchor`)
    becomes `new`. `base`, when set, is applied to both sides first (the OLD of the pair)."""

    file: str
    anchor: str
    old: str
    new: str
    base: tuple[str, str] | None = None


EDITS = {
    "optional-added": Edit(
        MAINDOC[INVOICE],
        '<xsd:element ref="cbc:BuyerReference"',
        '<xsd:element ref="cac:InvoicePeriod"',
        '<xsd:element ref="cac:DiscrepancyResponse" minOccurs="0" maxOccurs="unbounded"/>'
        '<xsd:element ref="cac:InvoicePeriod"',
    ),
    "made-required": Edit(
        CAC,
        '<xsd:complexType name="AddressType">',
        '<xsd:element ref="cbc:CityName" minOccurs="0" maxOccurs="1">',
        '<xsd:element ref="cbc:CityName" minOccurs="1" maxOccurs="1">',
    ),
    "enumeration-narrowed": Edit(
        CBC,
        "",
        _codes("380", "381", "383", "384", "386"),
        _codes("380", "381", "383"),
        base=(_CODE_TYPE, _codes("380", "381", "383", "384", "386")),
    ),
    "type-changed": Edit(
        CBC,
        '<xsd:complexType name="IssueDateType">',
        '<xsd:extension base="udt:DateType"/>',
        '<xsd:extension base="udt:DateTimeType"/>',
    ),
}

COMPATIBLE = ("compatible", "compatible")
EXPECTED = {
    # (backward, forward): backward = NEW accepts every OLD message
    ("optional-added", INVOICE): ("compatible", "incompatible"),
    ("optional-added", CREDIT_NOTE): COMPATIBLE,
    ("made-required", INVOICE): ("incompatible", "compatible"),
    ("made-required", CREDIT_NOTE): ("incompatible", "compatible"),
    ("enumeration-narrowed", INVOICE): ("incompatible", "compatible"),
    ("enumeration-narrowed", CREDIT_NOTE): ("incompatible", "compatible"),
    ("type-changed", INVOICE): ("incompatible", "incompatible"),
    ("type-changed", CREDIT_NOTE): ("incompatible", "incompatible"),
}


def _replace_once(path: Path, anchor: str, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    start = text.index(anchor)
    if not anchor:
        assert text.count(old) == 1, f"{old!r} is not once in {path.name}"
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old) :], "utf-8")


def _copy(target: Path, *edits: tuple[str, str, str, str]) -> Path:
    shutil.copytree(UBL, target)
    for file, anchor, old, new in edits:
        _replace_once(target / file, anchor, old, new)
    return target


@dataclass(frozen=True)
class Pair:
    old: Path
    new: Path
    comparisons: dict[str, Comparison]

    def message(self, root: str) -> MessageComparison:
        [found] = self.comparisons[root].messages
        assert found.root == root
        return found


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pair]:
    if not UBL.is_dir():
        pytest.skip("UBL 2.1 not in /work/shared/external")
    folder = tmp_path_factory.mktemp("ubl")
    original = _copy(folder / "original")
    found = {}
    for name, edit in EDITS.items():
        old = original
        before = []
        if edit.base is not None:
            before = [(edit.file, "", *edit.base)]
            old = _copy(folder / f"{name}-old", *before)
        new = _copy(folder / name, *before, (edit.file, edit.anchor, edit.old, edit.new))
        comparisons = {
            root: compare_files(old / MAINDOC[root], new / MAINDOC[root], roots=[root])
            for root in (INVOICE, CREDIT_NOTE)
        }
        found[name] = Pair(old, new, comparisons)
    return found


def _valid(schema_set: Path, root: str, message: str) -> bool:
    profile = Profile.from_files(xsd=schema_set / MAINDOC[root], name=root)
    report = validate(message.encode("utf-8"), profile)
    assert report.verdict in (Verdict.VALID, Verdict.INVALID), report.findings
    return report.verdict is Verdict.VALID


@pytest.mark.parametrize(("edit", "root"), list(EXPECTED), ids=lambda v: v.rsplit("}", 1)[-1])
def test_each_edit_gives_the_right_verdicts(pairs: dict[str, Pair], edit: str, root: str) -> None:
    message = pairs[edit].message(root)
    got = (message.backward.verdict, message.forward.verdict)
    reasons = (message.backward.reason, message.forward.reason)
    assert got == EXPECTED[edit, root], reasons


@pytest.mark.parametrize(("edit", "root"), list(EXPECTED), ids=lambda v: v.rsplit("}", 1)[-1])
def test_counterexamples_hold_under_nifs_validator(
    pairs: dict[str, Pair], edit: str, root: str
) -> None:
    """A backward counterexample is valid under OLD and invalid under NEW; forward the reverse,
    each judged again by nif's validator against the document type's schema file."""
    pair = pairs[edit]
    message = pair.message(root)
    sides: list[tuple[Answer, Path, Path]] = [
        (message.backward, pair.old, pair.new),
        (message.forward, pair.new, pair.old),
    ]
    for answer, accepts, refuses in sides:
        if answer.verdict != "incompatible":
            assert answer.counterexample is None
            continue
        assert answer.counterexample is not None
        assert _valid(accepts, root, answer.counterexample), answer.counterexample
        assert not _valid(refuses, root, answer.counterexample), answer.counterexample


def _edited_lines(edit: Edit) -> range:
    """The lines of the edited component in the NEW copy: from its anchor to the edit."""
    text = (UBL / edit.file).read_text("utf-8")
    if edit.base is not None:
        text = text.replace(*edit.base)
    at = text.index(edit.old, text.index(edit.anchor))
    first = text.count("\n", 0, text.index(edit.anchor) if edit.anchor else at) + 1
    return range(first, text.count("\n", 0, at) + 2)


@pytest.mark.parametrize("edit", list(EDITS))
def test_changes_point_at_the_edit_and_spare_the_other_document(
    pairs: dict[str, Pair], edit: str
) -> None:
    pair, lines = pairs[edit], _edited_lines(EDITS[edit])
    for root in (INVOICE, CREDIT_NOTE):
        changes = pair.message(root).changes
        if EXPECTED[edit, root] == COMPATIBLE:
            assert changes == (), root
            continue
        at = [
            where.line
            for change in changes
            for where in (change.old, change.new)
            if where and where.file and where.file.endswith(EDITS[edit].file)
        ]
        assert any(line in lines for line in at if line), (root, at, lines)


def test_a_code_only_invoice_names_reaches_creditnote_through_its_extensions(
    pairs: dict[str, Pair],
) -> None:
    """The narrowed cbc:InvoiceTypeCode breaks CreditNote too: its counterexample carries the
    code inside ext:UBLExtensions, under the signature's strict `##other` wildcards."""
    answer = pairs["enumeration-narrowed"].message(CREDIT_NOTE).backward
    assert answer.counterexample is not None and answer.reason is not None
    assert "UBLExtensions" in answer.reason and "InvoiceTypeCode" in answer.reason
    body = answer.counterexample
    assert body.index("UBLExtensions") < body.index("InvoiceTypeCode")
