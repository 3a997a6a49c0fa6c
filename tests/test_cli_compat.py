"""`nif compat OLD NEW`: real schema pairs (the demo registry's, and small ones written here),
both output formats, every exit status, and every counterexample re-checked by the validators."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from nif.cli import cli
from nif.compat import compare_files, render_text
from nif.registry import Registry
from nif.report import Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from nif.validate import Profile, validate
from tests.conftest import ROOT
from tests.test_cli import one_line

DEMO = ROOT / "registry" / "interfaces"
COMPANY_1 = DEMO / "busreg-company" / "schemas" / "1.0.0" / "company.xsd"
COMPANY_2 = DEMO / "busreg-company" / "schemas" / "2.0.0" / "company.xsd"
INCOME_1 = DEMO / "tax-income-statement" / "schemas" / "1.0.0" / "income-statement.schema.json"
INCOME_2 = DEMO / "tax-income-statement" / "schemas" / "2.0.0" / "income-statement.schema.json"
CATALOG_DATA = ROOT / "tests" / "validate" / "data" / "catalog"
COMPANY = "{urn:nif:demo:busreg:company}CompanyExtract"
REQUEST = "{urn:nif:demo:busreg:company}CompanyExtractRequest"

ORDER = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
    targetNamespace="urn:example:order" xmlns="urn:example:order">
  <xs:element name="order">
    <xs:complexType><xs:sequence>
      <xs:element name="qty" type="xs:positiveInteger"/>{extra}
    </xs:sequence></xs:complexType>
  </xs:element>{more}
</xs:schema>
"""
NOTE = '\n      <xs:element name="note" type="xs:string" minOccurs="0"/>'
ORDER_ROOT = "{urn:example:order}order"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, ["compat", *(str(a) for a in args)])


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def order(tmp_path: Path) -> dict[str, Path]:
    """`old`; `optional`: an optional child added (backward compatible, forward not);
    `same`: a copy; `fewer`: without OLD's second global element `receipt`."""
    receipt = '\n  <xs:element name="receipt" type="xs:string"/>'
    return {
        "old": write(tmp_path, "old.xsd", ORDER.format(extra="", more=receipt)),
        "optional": write(tmp_path, "optional.xsd", ORDER.format(extra=NOTE, more=receipt)),
        "same": write(tmp_path, "same.xsd", ORDER.format(extra="", more=receipt)),
        "fewer": write(tmp_path, "fewer.xsd", ORDER.format(extra="", more="")),
    }


def as_json(result: Result) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def message(payload: dict[str, Any], root: str) -> dict[str, Any]:
    found = [m for m in payload["messages"] if m["root"] == root]
    assert len(found) == 1, [m["root"] for m in payload["messages"]]
    return found[0]


def check_counterexample(text: str, accepting: Path, rejecting: Path, kind: str) -> None:
    """The message is valid under the schema that must accept it, invalid under the other."""

    def profile(schema: Path) -> Profile:
        if kind == "xsd":
            return Profile.from_files(xsd=schema)
        return Profile.from_files(json_schema=schema)

    content = text.encode("utf-8")
    assert validate(content, profile(accepting)).verdict is Verdict.VALID
    assert validate(content, profile(rejecting)).verdict is Verdict.INVALID


# -- real pairs, both formats ------------------------------------------------------------------


def test_demo_xsd_pair_as_json_every_counterexample_verified() -> None:
    result = run(COMPANY_1, COMPANY_2, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = as_json(result)
    assert {m["root"] for m in payload["messages"]} == {COMPANY, REQUEST}
    assert payload["old"].endswith("1.0.0/company.xsd")
    counterexamples = 0
    for entry in payload["messages"]:
        assert entry["changes"], entry["root"]
        for direction, (accepting, rejecting) in (
            ("backward", (COMPANY_1, COMPANY_2)),
            ("forward", (COMPANY_2, COMPANY_1)),
        ):
            answer = entry[direction]
            assert answer["verdict"] in ("compatible", "incompatible", "unknown")
            if answer["verdict"] == "incompatible":
                check_counterexample(answer["counterexample"], accepting, rejecting, "xsd")
                counterexamples += 1
                # the reason names the schema that refuses the message as the user does
                refusing = "NEW" if direction == "backward" else "OLD"
                other = "OLD" if refusing == "NEW" else "NEW"
                assert f"refused by {other}" not in answer["reason"]
                assert f"not by {other}" not in answer["reason"]
            else:
                assert answer["counterexample"] is None
    # IncorporatedOn became required in 2.0.0: an old extract is refused by NEW
    assert message(payload, COMPANY)["backward"]["verdict"] == "incompatible"
    assert counterexamples >= 2


def test_demo_xsd_pair_as_text_is_the_json_in_words() -> None:
    text = run(COMPANY_1, COMPANY_2).stdout
    payload = as_json(run(COMPANY_1, COMPANY_2, "--format", "json"))
    assert text.startswith(f"OLD  {COMPANY_1}\nNEW  {COMPANY_2}\n")
    extract = message(payload, COMPANY)
    block = text.split(f"\n{COMPANY}\n", 1)[1].split(f"\n{REQUEST}\n", 1)[0]
    assert "  backward  incompatible  NEW rejects a message OLD accepts\n" in block
    assert "counterexample (valid under OLD, invalid under NEW):\n" in block
    # the counterexample is shown exactly, each line whole (stdout is not a terminal)
    for line in extract["backward"]["counterexample"].splitlines():
        assert f"\n      {line}\n" in block
    assert f"  changes ({len(extract['changes'])}):\n" in block
    lines = block.splitlines()
    for change in extract["changes"]:
        assert f"    {change['kind'].split(':')[0]}" in lines
        label = "safe both ways" if change["breaks"] == "none" else f"breaks {change['breaks']}"
        at = lines.index(f"      {label}  {change['detail']}")
        if change["message_path"]:
            at += 1
            assert lines[at] == f"        in the message: {change['message_path']}"
        for n, side in enumerate(("old", "new"), start=1):
            where = change[side]
            shown = lines[at + n]
            assert shown.startswith(f"        {side}: ")
            if where is None:
                assert shown.endswith(": -")
            else:  # the file as the path from the main schema's folder, then line and XPath
                line = f":{where['line']}" if where["line"] else ""
                name = where["file"].rsplit("/", 1)[1]
                assert shown.endswith(f"{name}{line} {where['path']}"), shown
    incorporated = [c for c in extract["changes"] if "IncorporatedOn" in c["detail"]]
    assert incorporated and all(c["breaks"] in ("backward", "both") for c in incorporated)
    assert "        in the message: /CompanyExtract/IncorporatedOn" in lines
    assert text.rstrip().splitlines()[-1].startswith("2 messages compared; backward ")


def test_demo_json_pair_across_files_both_formats() -> None:
    """2.0.0 takes its money type from common/money.schema.json by $ref."""
    payload = as_json(run(INCOME_1, INCOME_2, "--format", "json"))
    (entry,) = payload["messages"]
    assert entry["root"] == "$"
    for direction, (accepting, rejecting) in (
        ("backward", (INCOME_1, INCOME_2)),
        ("forward", (INCOME_2, INCOME_1)),
    ):
        assert entry[direction]["verdict"] == "incompatible"
        check_counterexample(
            entry[direction]["counterexample"], accepting, rejecting, "json_schema"
        )
    text = run(INCOME_1, INCOME_2).stdout
    assert "\nthe root schema ($)\n" in text
    for line in entry["forward"]["counterexample"].splitlines():
        assert f"\n      {line}\n" in text
    assert "1 message compared; backward 1 incompatible; forward 1 incompatible" in text


def test_open_content_is_said(tmp_path: Path) -> None:
    """Closing an open object breaks backward only through content the open part let in."""
    old = write(tmp_path, "old.json", '{"type": "object", "properties": {"a": {}}}')
    closed = '{"type": "object", "properties": {"a": {}}, "additionalProperties": false}'
    new = write(tmp_path, "new.json", closed)
    (entry,) = as_json(run(old, new, "--format", "json"))["messages"]
    assert entry["backward"]["verdict"] == "incompatible"
    assert entry["backward"]["open_content"] is True
    assert entry["forward"]["verdict"] == "compatible"
    check_counterexample(entry["backward"]["counterexample"], old, new, "json_schema")
    text = run(old, new).stdout
    assert "    open content: the verdict turns only on content an open part" in text


# -- --require and the exit status --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "requirement", "code"),
    [
        (("old", "optional"), None, 0),
        (("old", "optional"), "backward", 0),
        (("old", "optional"), "forward", 1),
        (("old", "optional"), "full", 1),
        (("optional", "old"), "backward", 1),
        (("optional", "old"), "forward", 0),
        (("old", "same"), "full", 0),
    ],
)
def test_require_sets_the_exit_status(
    order: dict[str, Path], pair: tuple[str, str], requirement: str | None, code: int
) -> None:
    extra = ["--require", requirement] if requirement else []
    result = run(order[pair[0]], order[pair[1]], *extra)
    assert result.exit_code == code, result.output
    if requirement:
        last = result.stdout.rstrip().splitlines()[-1]
        assert last == (
            f"require {requirement}: met"
            if code == 0
            else f"require {requirement}: NOT met for {ORDER_ROOT}"
        )
    payload = as_json(run(order[pair[0]], order[pair[1]], "--format", "json", *extra))
    assert tuple(m["root"] for m in payload["messages"]) == (
        ORDER_ROOT,
        "{urn:example:order}receipt",
    )


def test_a_message_only_one_side_has_fails_the_direction_it_breaks(
    order: dict[str, Path],
) -> None:
    """NEW no longer declares `receipt`: OLD's receipts are refused by NEW (backward)."""
    backward = run(order["old"], order["fewer"], "--require", "backward")
    assert backward.exit_code == 1
    assert "only in OLD, not compared: {urn:example:order}receipt" in backward.stdout
    assert backward.stdout.rstrip().endswith("NOT met for {urn:example:order}receipt (only in OLD)")
    assert run(order["old"], order["fewer"], "--require", "forward").exit_code == 0
    assert run(order["fewer"], order["old"], "--require", "forward").exit_code == 1
    payload = as_json(run(order["old"], order["fewer"], "--format", "json"))
    assert payload["only_old"] == ["{urn:example:order}receipt"]
    assert payload["only_new"] == []


# -- --root ------------------------------------------------------------------------------------


def test_root_picks_one_message(order: dict[str, Path]) -> None:
    payload = as_json(
        run(order["old"], order["optional"], "--root", ORDER_ROOT, "--format", "json")
    )
    assert [m["root"] for m in payload["messages"]] == [ORDER_ROOT]
    assert payload["only_old"] == payload["only_new"] == []
    both = run(order["old"], order["optional"], "--root", ORDER_ROOT, "--require", "forward")
    assert both.exit_code == 1


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        ("ord:order", "expected Clark notation {namespace}local"),
        ("{urn:example:order}", "expected Clark notation"),
        ("{urn:example:order}9order", "expected Clark notation"),
        ("{urn:example:order}invoice", "neither schema declares a global element"),
        ("order", "neither schema declares a global element order"),
    ],
)
def test_a_bad_or_unknown_root_is_a_usage_error(
    order: dict[str, Path], root: str, expected: str
) -> None:
    result = run(order["old"], order["optional"], "--root", root)
    assert result.exit_code == 2
    assert expected in one_line(result)


def test_root_in_no_namespace(tmp_path: Path) -> None:
    old = write(
        tmp_path,
        "a.xsd",
        ORDER.replace(' targetNamespace="urn:example:order"', "").format(extra="", more=""),
    )
    new = write(
        tmp_path,
        "b.xsd",
        ORDER.replace(' targetNamespace="urn:example:order"', "").format(extra=NOTE, more=""),
    )
    for root in ("order", "{}order"):
        payload = as_json(run(old, new, "--root", root, "--format", "json"))
        assert [m["root"] for m in payload["messages"]] == ["order"]


# -- --catalog, --json-draft, --output ----------------------------------------------------------


def test_catalog_maps_imports_by_url(tmp_path: Path) -> None:
    """NEW makes the imported Amount optional: backward compatible, forward not."""
    old = CATALOG_DATA / "order.xsd"
    text = old.read_text("utf-8")
    optional = text.replace('ref="c:Amount"/>', 'ref="c:Amount" minOccurs="0"/>')
    assert optional != text
    new = write(tmp_path, "order.xsd", optional)
    catalog = CATALOG_DATA / "catalog.xml"
    without = run(old, new)
    assert without.exit_code == 2
    assert "no catalog entry maps it" in one_line(without)
    result = run(old, new, "--catalog", catalog, "--require", "backward", "--format", "json")
    assert result.exit_code == 0, result.output
    entry = message(as_json(result), "{urn:example:order}Order")
    assert entry["backward"]["verdict"] == "compatible"
    assert entry["forward"]["verdict"] == "incompatible"
    full = run(old, new, "--catalog", catalog, "--require", "full")
    assert full.exit_code == 1
    assert "NOT met for {urn:example:order}Order" in full.stdout


def test_json_draft_reads_a_schema_without_schema_keyword(tmp_path: Path) -> None:
    """Draft 4's boolean exclusiveMaximum: `maximum 10, exclusiveMaximum true` lets 10 out."""
    old = write(tmp_path, "old.json", '{"type": "integer", "maximum": 10}')
    new = write(
        tmp_path, "new.json", '{"type": "integer", "maximum": 10, "exclusiveMaximum": true}'
    )
    result = run(old, new, "--json-draft", "4", "--format", "json")
    (entry,) = as_json(result)["messages"]
    assert entry["backward"]["verdict"] == "incompatible"
    assert json.loads(entry["backward"]["counterexample"]) == 10
    assert entry["forward"]["verdict"] == "compatible"
    # under 2020-12 a boolean exclusiveMaximum is no schema at all
    refused = run(old, new)
    assert refused.exit_code == 2
    assert "new.json" in one_line(refused) and "not a valid JSON Schema" in one_line(refused)


def test_output_writes_the_file(order: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = run(order["old"], order["optional"], "--format", "json", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert as_json(run(order["old"], order["optional"], "--format", "json")) == json.loads(
        target.read_text("utf-8")
    )
    missing = run(order["old"], order["optional"], "--output", tmp_path / "no" / "out.txt")
    assert missing.exit_code == 2 and "no such directory" in one_line(missing)


# -- usage and input errors -----------------------------------------------------------------------


def test_usage_and_input_errors_are_one_line_and_exit_2(
    order: dict[str, Path], tmp_path: Path
) -> None:
    old = order["old"]
    bad = write(
        tmp_path, "bad.xsd", ORDER.format(extra="", more="").replace("xs:positiveInteger", "Nope")
    )
    broken = write(tmp_path, "broken.xsd", "<xs:schema")
    schema = write(tmp_path, "s.json", '{"type": "object"}')
    cases = [
        ((old, tmp_path / "missing.xsd"), "missing.xsd: no such file"),
        ((old, tmp_path), "a directory, not a schema file"),
        ((old, "busreg-company@2.0.0"), "must both be schema files or both ID@VERSION"),
        (("busreg-company@1.0.0", old), "must both be schema files or both ID@VERSION"),
        ((old, bad), "bad.xsd: XSD 1.0 does not compile"),
        ((broken, old), "broken.xsd"),
        ((old, schema), "not the same kind of schema"),
        ((schema, schema, "--root", "{urn:x}a"), "a JSON Schema has one root"),
        ((old, order["same"], "--json-draft", "7"), "--json-draft applies to JSON Schema files"),
        ((old, order["same"], "--require", "sideways"), "--require"),
        ((old, order["same"], "--format", "xml"), "--format"),
        (("a@1.0.0", "b@2.0.0"), "versions of one interface"),
        (("a@1.0.0", "a@2.0.0", "--json-draft", "7"), "--json-draft applies to schema files"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in one_line(result), args


# -- registered versions ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def busreg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NIF_HOME holding two demo interfaces, each with its agency, submitted through the
    registry as a publisher would: the company extract (XSD: 1.0.0, 2.0.0 and later) and the
    income statement (JSON Schema: 1.0.0, 2.0.0 and later)."""
    home = tmp_path_factory.mktemp("busreg") / "home"
    settings = Settings(home=home, actor="tester")
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        for agency, interface in (("busreg", "busreg-company"), ("tax", "tax-income-statement")):
            registry.submit(ROOT / "registry" / "agencies" / f"{agency}.ttl")
            registry.submit(DEMO / interface)
    return home


@pytest.mark.slow
def test_registered_versions_compare_every_message_type(busreg: Path) -> None:
    """The registry's pinned schemas give the verdicts the files give."""
    old, new = "busreg-company@1.0.0", "busreg-company@2.0.0"
    payload = as_json(run(old, new, "--home", busreg, "--format", "json"))
    assert (payload["old"], payload["new"]) == (old, new)
    files = compare_files(COMPANY_1, COMPANY_2)
    assert {m["root"] for m in payload["messages"]} == {m.root for m in files.messages}
    for expected in files.messages:
        entry = message(payload, expected.root)
        assert entry["name"] == expected.root.split("}")[1]
        for direction in ("backward", "forward"):
            assert entry[direction]["verdict"] == expected.answer(direction).verdict
            if entry[direction]["verdict"] == "incompatible":
                accepting, rejecting = (
                    (COMPANY_1, COMPANY_2) if direction == "backward" else (COMPANY_2, COMPANY_1)
                )
                check_counterexample(
                    entry[direction]["counterexample"], accepting, rejecting, "xsd"
                )
    text = run(old, new, "--home", busreg).stdout
    head = text.splitlines()[:2]
    assert head[0].startswith(f"OLD  {old}  (schemas in https://")
    assert head[0].endswith("/busreg-company/schemas/1.0.0/)")
    assert head[1].startswith(f"NEW  {new}  (schemas in https://")
    assert f"\n{COMPANY}  message type CompanyExtract\n" in text
    # locations from the version's schema folder, as for files
    assert "        new: common/types.xsd:" in text
    required = run(old, new, "--home", busreg, "--require", "backward")
    assert required.exit_code == 1
    assert required.stdout.rstrip().splitlines()[-1].startswith("require backward: NOT met for ")


@pytest.mark.slow
def test_registered_json_versions(busreg: Path) -> None:
    old, new = "tax-income-statement@1.0.0", "tax-income-statement@2.0.0"
    payload = as_json(run(old, new, "--home", busreg, "--format", "json"))
    (entry,) = payload["messages"]
    (expected,) = compare_files(INCOME_1, INCOME_2).messages
    assert entry["root"] == "$" and entry["name"]
    for direction in ("backward", "forward"):
        assert entry[direction]["verdict"] == expected.answer(direction).verdict
    assert run(old, new, "--home", busreg, "--require", "full").exit_code == 1
    refused = run(old, new, "--home", busreg, "--root", "$")
    assert refused.exit_code == 2 and "expected Clark notation" in one_line(refused)


@pytest.mark.slow
def test_registered_versions_root_and_errors(busreg: Path) -> None:
    old, new = "busreg-company@1.0.0", "busreg-company@2.0.0"
    payload = as_json(run(old, new, "--home", busreg, "--root", REQUEST, "--format", "json"))
    assert [m["root"] for m in payload["messages"]] == [REQUEST]
    cases = [
        ((old, new, "--root", "{urn:x}Nothing"), "no message type compared between"),
        ((old, "busreg-company@9.9.9"), "has no version 9.9.9"),
        (("nothing@1.0.0", "nothing@2.0.0"), "'nothing'"),
        ((old, new, "--catalog", CATALOG_DATA / "catalog.xml"), "--catalog applies to schema"),
    ]
    for args, expected in cases:
        result = run(*args, "--home", busreg)
        assert result.exit_code == 2, (args, result.output)
        assert expected in one_line(result), args


def test_registered_versions_need_a_store(tmp_path: Path) -> None:
    result = run("busreg-company@1.0.0", "busreg-company@2.0.0", "--store", tmp_path / "none")
    assert result.exit_code == 2
    assert "no registry store at" in one_line(result)


# -- the text rendering itself -------------------------------------------------------------------


def test_long_counterexamples_are_cut_with_a_note() -> None:
    comparison = compare_files(COMPANY_1, COMPANY_2)
    whole = comparison.messages[0].backward.counterexample
    assert whole is not None and len(whole) > 300
    text = render_text(comparison, max_chars=120)
    assert f"[cut: {len(whole) - 120:,} more characters of {len(whole):,}; --format json" in text
    assert whole not in text.replace("\n      ", "\n")
    lines = render_text(comparison, max_lines=1)
    assert "\n      <?xml version='1.0' encoding='UTF-8'?>\n      [cut: " in lines


def test_width_wraps_prose_never_without_one() -> None:
    comparison = compare_files(COMPANY_1, COMPANY_2)
    unwrapped = render_text(comparison)
    reason = comparison.messages[0].backward.reason
    assert reason is not None and len(reason) > 60
    assert f"    reason: {reason}\n" in unwrapped
    wrapped = render_text(comparison, 60)
    assert f"    reason: {reason}\n" not in wrapped
    # prose lines fit; only counterexample lines (never wrapped) may be longer
    witnesses = {
        line
        for m in comparison.messages
        for a in (m.backward, m.forward)
        for line in (a.counterexample or "").splitlines()
    }
    # the OLD and NEW paths are not wrapped either
    long = [line for line in wrapped.splitlines()[2:] if len(line) > 60]
    assert long and all(line.strip() in witnesses for line in long)
    assert wrapped.splitlines()[:2] == [f"OLD  {COMPANY_1}", f"NEW  {COMPANY_2}"]


def test_color_only_when_asked() -> None:
    comparison = compare_files(COMPANY_1, COMPANY_2)
    assert "\x1b[" not in render_text(comparison)
    assert "\x1b[" in render_text(comparison, color=True)


def test_registered_version_ids_that_are_files_are_files(
    order: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing file named like ID@VERSION is read as a file."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(order["old"], tmp_path / "order@1.0.0")
    result = run("order@1.0.0", order["same"], "--require", "full")
    assert result.exit_code == 0, result.output
