"""The `nif` command, through click's runner and as a real process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from nif import __version__
from nif.cli import cli
from nif.report import SVRL_NS
from tests.conftest import EN16931, ROOT, UBL_INVOICE_XSD

XSD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
    targetNamespace="urn:example:order" xmlns="urn:example:order">
  <xs:element name="order">
    <xs:complexType><xs:sequence>
      <xs:element name="qty" type="xs:positiveInteger"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
"""
RULES = """<schema xmlns="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2">
  <ns prefix="o" uri="urn:example:order"/>
  <phase id="size"><active pattern="size"/></phase>
  <pattern id="size">
    <rule context="o:qty">
      <assert id="Q-LARGE" flag="warning" test=". &lt; 100">quantity <value-of select="."/></assert>
    </rule>
  </pattern>
  <pattern id="parity">
    <rule context="o:qty">
      <assert id="Q-ODD" flag="error" test=". mod 2 = 0">odd quantity</assert>
    </rule>
  </pattern>
</schema>
"""
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"qty": {"type": "integer", "minimum": 1}},
    "required": ["qty"],
}


def order(qty: str) -> str:
    return f'<order xmlns="urn:example:order">\n  <qty>{qty}</qty>\n</order>\n'


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A schema, rules, and messages: `even` valid, `odd` breaks Q-ODD, `zero` breaks the XSD."""
    contents = {
        "order.xsd": XSD,
        "rules.sch": RULES,
        "even.xml": order("2"),
        "odd.xml": order("3"),
        "big.xml": order("200"),
        "zero.xml": order("0"),
        "broken.xml": "<order>\n<qty></order>",
        "schema.json": json.dumps(SCHEMA),
        "ok.json": '{"qty": 2}',
        "bad.json": '{\n  "qty": 0\n}',
    }
    paths = {}
    for name, text in contents.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def fill(args: list[str], files: dict[str, Path]) -> list[str]:
    """`{name}` in `args` becomes the path of that file; `{dir}` their folder."""
    values = {name: str(path) for name, path in files.items()}
    values["dir"] = str(files["even.xml"].parent)
    out = []
    for arg in args:
        for name, value in values.items():
            arg = arg.replace(f"{{{name}}}", value)
        out.append(arg)
    return out


def one_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nif: error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_valid_message_exits_0(files: dict[str, Path]) -> None:
    result = run("validate", files["even.xml"], "--xsd", files["order.xsd"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID")


def test_invalid_message_exits_1_and_says_why(files: dict[str, Path]) -> None:
    result = run("validate", files["zero.xml"], "--xsd", files["order.xsd"])
    assert result.exit_code == 1
    assert "INVALID" in result.stdout and "positiveInteger" in result.stdout
    assert re.search(r"\s2(:\d+)? /", result.stdout), "the line of the finding"


@pytest.mark.slow
def test_schematron_findings_and_severity_overrides(files: dict[str, Path]) -> None:
    args = ["validate", files["odd.xml"], "--schematron", files["rules.sch"], "--format", "json"]
    result = run(*args)
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert (finding["rule_id"], finding["severity"]) == ("Q-ODD", "error")
    assert finding["location"]["line"] == 2
    lowered = run(*args, "--severity", "Q-ODD=warning")
    assert lowered.exit_code == 0
    assert json.loads(lowered.stdout)["findings"][0]["severity"] == "warning"
    switched_off = run(*args, "--severity", "Q-ODD=off")
    assert json.loads(switched_off.stdout)["findings"] == []


@pytest.mark.slow
def test_fail_on_warning(files: dict[str, Path]) -> None:
    args = ["validate", files["big.xml"], "--schematron", f"{files['rules.sch']}#size"]
    assert run(*args).exit_code == 0
    assert run(*args, "--fail-on", "warning").exit_code == 1


def test_a_phase_picks_the_patterns(files: dict[str, Path]) -> None:
    result = run("validate", files["odd.xml"], "--schematron", f"{files['rules.sch']}#size")
    assert result.exit_code == 0, result.output
    assert "phase size" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["validate", "{dir}/missing.xml"], "missing.xml: no such file or directory"),
        (["validate", "{even.xml}", "--format", "pdf"], "'pdf' is not one of"),
        (["validate", "{even.xml}", "--schematron", "{dir}/nope.sch#p"], "no such file"),
        (["validate", "{even.xml}", "--schematron", "{rules.sch}#fast"], "no phase 'fast'"),
        (["validate", "{even.xml}", "--xsd", "{dir}/missing.xsd"], "missing.xsd"),
        (["validate", "{even.xml}", "--severity", "Q-ODD"], "RULE=warning"),
        (["validate", "{even.xml}", "--severity", "Q-ODD=loud"], "unknown severity"),
        (["validate", "{even.xml}", "--bogus"], "No such option"),
        (["validate"], "Missing argument"),
        (["validate", "{even.xml}", "--well-formed", "--format", "svrl"], "needs at least one --schematron"),
        (["validate", "{even.xml}", "--well-formed", "--max-bytes", "10"], "more than the limit of 10"),
        (["validate", "{even.xml}", "--well-formed", "--xsd", "{order.xsd}"], "--well-formed checks no schema"),
        (["validate", "{even.xml}", "--well-formed", "--interface", "x"], "do not combine it"),
        (["validate", "{even.xml}", "-o", "{dir}/none/out.txt"], "no such directory"),
        (["validate", "{even.xml}", "--timeout", "-1"], "--timeout"),
        (["validate", "{even.xml}", "--json-schema", "{schema.json}", "--xsd", "{order.xsd}"],
         "either XML or JSON"),
        (["schematron", "compile", "{dir}/nope.sch"], "nope.sch"),
        (["frobnicate"], "No such command"),
    ],
)  # fmt: skip
def test_usage_and_input_errors_exit_2_with_one_line(
    files: dict[str, Path], args: list[str], says: str
) -> None:
    result = run(*fill(args, files))
    assert result.exit_code == 2, result.output
    assert says in one_line(result)


def test_bad_environment_setting_is_a_usage_error(files: dict[str, Path]) -> None:
    result = run("validate", files["even.xml"], env={"NIF_STEP_TIMEOUT": "soon"})
    assert result.exit_code == 2
    assert "NIF_STEP_TIMEOUT" in one_line(result)


@pytest.mark.slow
def test_flags_override_config_file_and_environment(files: dict[str, Path], tmp_path: Path) -> None:
    config = tmp_path / "nif.toml"
    config.write_text("[nif]\nmax_message_bytes = 5\n", encoding="utf-8")
    message = files["even.xml"]
    assert run("validate", message, "--well-formed", "--config", config).exit_code == 2
    env = {"NIF_MAX_MESSAGE_BYTES": "5"}
    assert run("validate", message, "--well-formed", env=env).exit_code == 2
    assert run("validate", message, "--well-formed", "--max-bytes", "1000", env=env).exit_code == 0
    assert (
        run(
            "validate", message, "--well-formed", "--config", config, "--max-bytes", "1000"
        ).exit_code
        == 0
    )


@pytest.mark.slow
def test_directories_expand_sorted_without_hidden_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for name in ("b/2.xml", "a/1.xml", "c.xml", ".hidden/3.xml", "a/.4.xml"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("<x/>", encoding="utf-8")
    result = run("validate", folder, "--well-formed", "--format", "json")
    assert result.exit_code == 0, result.output
    sources = [Path(r["source"]).relative_to(folder).as_posix() for r in json.loads(result.stdout)]
    assert sources == ["a/1.xml", "b/2.xml", "c.xml"]


def test_an_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("validate", tmp_path / "empty")
    assert result.exit_code == 2
    assert "holds no message file" in one_line(result)


@pytest.mark.slow
def test_several_messages_on_two_workers_keep_input_order(files: dict[str, Path]) -> None:
    names = ["zero.xml", "even.xml", "odd.xml", "broken.xml", "big.xml", "even.xml"]
    args = ["--xsd", files["order.xsd"], "--schematron", files["rules.sch"], "--format", "json"]
    result = run("validate", *[files[n] for n in names], *args, "--jobs", "2")
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert [Path(r["source"]).name for r in reports] == names
    verdicts = [r["verdict"] for r in reports]
    assert verdicts == ["invalid", "valid", "invalid", "invalid", "valid", "valid"]
    single = run("validate", *[files[n] for n in names], *args, "--jobs", "1")
    assert [r["findings"] for r in json.loads(single.stdout)] == [r["findings"] for r in reports]


def test_one_message_gives_a_json_object(files: dict[str, Path]) -> None:
    result = run("validate", files["even.xml"], "--well-formed", "--format", "json")
    assert json.loads(result.stdout)["verdict"] == "valid"


def test_output_writes_a_file(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    result = run("validate", files["odd.xml"], files["even.xml"], "--schematron",
                 files["rules.sch"], "--format", "junit", "--output", out)  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == ""
    root = etree.parse(str(out)).getroot()
    assert root.get("failures") == "1"
    assert len(root.findall("testsuite")) == 2


def test_text_lists_every_message(files: dict[str, Path]) -> None:
    result = run(
        "validate", files["odd.xml"], files["even.xml"], "--schematron", files["rules.sch"]
    )
    assert "Q-ODD" in result.stdout
    assert "2 messages: 1 valid, 1 invalid, 0 error" in result.stdout


def test_svrl_format(files: dict[str, Path]) -> None:
    result = run(
        "validate", files["odd.xml"], "--schematron", files["rules.sch"], "--format", "svrl"
    )
    assert result.exit_code == 1
    root = etree.fromstring(result.stdout.encode())
    assert root.find(f"{{{SVRL_NS}}}failed-assert").get("id") == "Q-ODD"


def test_svrl_of_a_message_no_rule_could_check(files: dict[str, Path]) -> None:
    args = ["--schematron", files["rules.sch"], "--format", "svrl"]
    result = run("validate", files["broken.xml"], *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no Schematron step produced SVRL" in result.stderr


@pytest.mark.slow
def test_json_messages_with_a_schema(files: dict[str, Path]) -> None:
    args = ["--json-schema", files["schema.json"], "--format", "json"]
    assert run("validate", files["ok.json"], *args).exit_code == 0
    result = run("validate", files["bad.json"], *args)
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["location"]["pointer"] == "/qty"
    assert finding["location"]["line"] == 2


@pytest.mark.slow
def test_en16931_invoice_with_ubl_xsd_and_rules() -> None:
    invoice = EN16931 / "ubl/examples/ubl-tc434-example1.xml"
    rules = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
    result = run("validate", invoice, "--xsd", UBL_INVOICE_XSD, "--schematron", rules)
    assert result.exit_code == 0, result.output
    assert "schematron:EN16931-UBL-validation.sch" in result.stdout


def test_schematron_compile(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "rules.xsl"
    result = run("schematron", "compile", files["rules.sch"], "--phase", "size", "-o", out)
    assert result.exit_code == 0, result.output
    stylesheet = etree.parse(str(out)).getroot()
    assert stylesheet.tag == "{http://www.w3.org/1999/XSL/Transform}stylesheet"
    text = out.read_text(encoding="utf-8")
    assert "Q-LARGE" in text and "Q-ODD" not in text
    to_stdout = run("schematron", "compile", f"{files['rules.sch']}#size")
    assert to_stdout.stdout == text
    clash = run("schematron", "compile", f"{files['rules.sch']}#size", "--phase", "parity")
    assert clash.exit_code == 2 and "two phases" in one_line(clash)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"nif {__version__}"


def nif_process(
    *args: object, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m nif` in a fresh interpreter, as a user's shell would run it; `timeout` only
    stops code that would hang."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NIF_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "nif", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


@pytest.mark.slow
def test_process_exit_codes(files: dict[str, Path]) -> None:
    xsd = ["--xsd", files["order.xsd"]]
    assert nif_process("validate", files["even.xml"], *xsd).returncode == 0
    assert nif_process("validate", files["zero.xml"], *xsd).returncode == 1
    several = nif_process("validate", files["even.xml"], files["zero.xml"], *xsd, "--jobs", "2")
    assert several.returncode == 1
    assert several.stderr == "", "no progress bar when stderr is not a terminal"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["validate", "missing.xml"], "missing.xml: no such file or directory"),
        (["validate", "{even.xml}", "--format", "yaml"], "'yaml' is not one of"),
        (["validate", "{even.xml}", "--schematron", "{rules.sch}#nope"], "no phase 'nope'"),
        (["validate", "{even.xml}", "--schematron", "absent.sch#size"], "absent.sch"),
    ],
)
def test_process_usage_errors_are_one_line_on_stderr(
    files: dict[str, Path], args: list[str], says: str
) -> None:
    done = nif_process(*fill(args, files), cwd=files["even.xml"].parent)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nif: error: ") and says in lines[0]


@pytest.mark.slow
def test_progress_bar_only_on_a_terminal(files: dict[str, Path]) -> None:
    pty = pytest.importorskip("pty")
    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    names = ["even.xml", "odd.xml", "big.xml"] * 20
    command = [sys.executable, "-m", "nif", "validate", *[str(files[n]) for n in names]]
    with subprocess.Popen(
        [*command, "--schematron", str(files["rules.sch"]), "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=env,
    ) as process:
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        assert process.wait(timeout=300) == 1
    os.close(controller)
    assert b"validating" in seen and b"/60" in seen


@pytest.mark.slow
def test_console_script_when_installed(files: dict[str, Path]) -> None:
    script = Path(sys.executable).parent / "nif"
    if not script.exists():
        pytest.skip("nif is not installed in this environment (pip install -e .)")
    done = subprocess.run(
        [str(script), "validate", files["zero.xml"], "--xsd", files["order.xsd"]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "INVALID" in done.stdout


CATALOG_DATA = ROOT / "tests" / "validate" / "data" / "catalog"


def test_validate_with_a_catalog_reads_schemas_imported_by_url_offline() -> None:
    d = CATALOG_DATA
    args = ["--xsd", d / "order.xsd", "--schematron", d / "order.sch", "--catalog"]
    good = run("validate", d / "order-valid.xml", *args, d / "catalog.xml", "--format", "json")
    assert good.exit_code == 0, good.output
    assert "https://schemas.example.org/order/common/types.xsd" in good.stdout
    bad = run("validate", d / "order-invalid.xml", *args, d / "catalog-exact.xml")
    assert bad.exit_code == 2  # the exact catalog maps the schema, not the rules
    assert "'https://rules.example.org/common.sch'" in one_line(bad)
    assert "no catalog entry maps it" in one_line(bad)
    bad = run(
        "validate",
        d / "order-invalid.xml",
        *args,
        d / "catalog-exact.xml",
        "--catalog",
        d / "catalog.xml",
    )
    assert bad.exit_code == 1 and "ORD-1" in bad.stdout


def test_without_the_catalog_the_url_is_refused_as_written() -> None:
    d = CATALOG_DATA
    result = run("validate", d / "order-valid.xml", "--xsd", d / "order.xsd")
    assert result.exit_code == 2
    assert "references 'https://schemas.example.org/order/common/common.xsd'" in one_line(result)
    assert "no catalog entry maps it" in one_line(result)


def test_catalog_needs_a_schema_and_a_bad_catalog_names_file_and_line(tmp_path: Path) -> None:
    d = CATALOG_DATA
    result = run("validate", d / "order-valid.xml", "--well-formed", "--catalog", d / "catalog.xml")
    assert result.exit_code == 2 and "--catalog needs" in one_line(result)
    evil = tmp_path / "catalog.xml"
    evil.write_text(
        '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">\n'
        '  <uri name="https://schemas.example.org/order/common/common.xsd" uri="/etc/passwd"/>\n'
        "</catalog>\n"
    )
    result = run("validate", d / "order-valid.xml", "--xsd", d / "order.xsd", "--catalog", evil)
    assert result.exit_code == 2
    assert f"{evil}, line 2: <uri>" in one_line(result) and "outside" in one_line(result)


def test_schematron_compile_with_a_catalog(tmp_path: Path) -> None:
    d = CATALOG_DATA
    out = tmp_path / "order.xsl"
    result = run(
        "schematron", "compile", d / "order.sch", "--catalog", d / "catalog.xml", "-o", out
    )
    assert result.exit_code == 0, result.output
    assert "ORD-1" in out.read_text()
    refused = run("schematron", "compile", d / "order.sch")
    assert refused.exit_code == 2 and "no catalog entry maps it" in one_line(refused)
