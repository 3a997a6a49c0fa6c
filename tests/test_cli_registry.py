"""`nif registry ...` and `nif sparql` end to end, as a user runs them (one process per command)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT, Run, cli_runner

DEMO = ROOT / "registry"


@pytest.fixture
def nif(tmp_path: Path) -> Run:
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home"), "NIF_ACTOR": "cli-tester"}
    env.pop("NIF_STORE", None)
    return cli_runner(tmp_path, env, 600)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NIF_HOME with the demo registry loaded once, copied by the tests that change it."""
    home = tmp_path_factory.mktemp("demo") / "home"
    env = {**os.environ, "NIF_HOME": str(home), "NIF_ACTOR": "loader"}
    done = subprocess.run(
        [sys.executable, "-m", "nif", "registry", "load", str(DEMO), "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "stored 13 record(s)" in done.stderr
    return home


@pytest.fixture
def demo(loaded: Path, tmp_path: Path, nif):
    import shutil

    shutil.copytree(loaded, tmp_path / "home")
    return nif


def test_list_and_sparql_show_the_demo_registry(demo) -> None:
    listed = demo("registry", "list", "--format", "json")
    kinds = [r["kind"] for r in json.loads(listed.stdout)]
    assert kinds.count("agency") == 5 and kinds.count("interface") == 8
    query = (
        "PREFIX dct: <http://purl.org/dc/terms/> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
        "SELECT ?id WHERE { ?i a dcat:DataService ; dct:identifier ?id ; dct:publisher ?a . "
        "?a dct:identifier 'tax' } ORDER BY ?id"
    )
    rows = list(csv.reader(io.StringIO(demo("sparql", query, "--format", "csv").stdout)))
    assert rows == [["id"], ["tax-income-statement"], ["tax-vat-return"]]
    turtle = demo(
        "sparql",
        "CONSTRUCT { ?a ?p ?o } WHERE { ?a ?p ?o FILTER(?a = <https://registry.nif.example/agency/tax>) }",
        "--format",
        "turtle",
    ).stdout
    assert "registry.nif.example/agency/tax" in turtle


def test_sparql_refuses_updates_and_bad_queries(demo) -> None:
    done = demo("sparql", "DROP ALL", ok=2)
    assert done.stderr.startswith("nif: error: not a SPARQL 1.1 query")
    done = demo("sparql", "SELECT WHERE {", ok=2)
    assert "not a SPARQL 1.1 query" in done.stderr
    done = demo("sparql", "SELECT * { ?s ?p ?o } LIMIT 1", "--format", "turtle", ok=2)
    assert "use json, xml, csv or tsv" in done.stderr
    assert demo("sparql", "ASK { ?s ?p ?o }", "--format", "json").stdout.count("true") == 1


def test_sparql_has_the_service_limits(demo) -> None:
    done = demo("sparql", "SELECT * WHERE { ?s ?p ?o }", "--max-rows", "3", ok=2)
    assert "more than 3 rows" in done.stderr and "LIMIT" in done.stderr
    cross_join = "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"
    done = demo("sparql", cross_join, "--timeout", "0.2", "--max-rows", "0", ok=2)
    assert "time limit of 0.2 s" in done.stderr
    rdfxml = demo("sparql", "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2", "--format", "rdfxml").stdout
    assert rdfxml.startswith("<?xml") and "rdf:RDF" in rdfxml


def test_submit_reject_history_withdraw(demo, tmp_path: Path) -> None:
    record = tmp_path / "tax.ttl"
    text = (DEMO / "agencies" / "tax.ttl").read_text("utf-8")
    record.write_text(text.replace('dct:identifier "tax"', 'dct:identifier "Tax Office"'), "utf-8")
    refused = demo("registry", "submit", str(record), ok=1)
    assert "rejected, 1 violation" in refused.stderr
    assert "http://purl.org/dc/terms/identifier" in refused.stdout
    turtle = demo("registry", "submit", str(record), "--report", "turtle", ok=1).stdout
    assert "sh:ValidationReport" in turtle
    record.write_text(text.replace("Tax Administration", "Tax and Customs Administration"), "utf-8")
    stored = demo("registry", "submit", str(record), "--as", "alice")
    assert stored.stdout.startswith("stored agency tax")
    history = json.loads(demo("registry", "history", "tax", "--format", "json").stdout)
    assert [(v["action"], v["actor"]) for v in history] == [("load", "loader"), ("submit", "alice")]
    assert "Tax and Customs" in demo("registry", "history", "tax", "--show", "2").stdout
    assert "Tax and Customs" not in demo("registry", "history", "tax", "--show", "1").stdout
    refused = demo("registry", "withdraw", "tax", ok=2)
    assert "withdraw those interfaces first" in refused.stderr
    demo("registry", "withdraw", "tax-vat-return")
    assert (
        json.loads(demo("registry", "history", "tax-vat-return", "--format", "json").stdout)[-1][
            "action"
        ]
        == "withdraw"
    )


def test_check_export_import(demo, tmp_path: Path) -> None:
    first = demo("registry", "check", "--workers", "2")
    assert "conforms" in first.stdout and " unchanged" in first.stderr
    again = demo("registry", "check", "--workers", "1")
    assert again.stdout == first.stdout and "0 record(s) checked" in again.stderr
    full = demo("registry", "check", "--workers", "1", "--full")
    assert full.stdout == first.stdout and full.stderr.endswith(", 0 unchanged\n")
    backup = tmp_path / "backup.nq"
    demo("registry", "export", "-o", str(backup), "--blobs", str(tmp_path / "blobs"))
    assert backup.read_text("utf-8").count("\n") > 500
    fresh = tmp_path / "fresh"
    env_home = {"NIF_HOME": str(fresh)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nif",
            "registry",
            "import",
            str(backup),
            "--blobs",
            str(tmp_path / "blobs"),
        ],
        env={**os.environ, **env_home},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "imported 13 record(s)" in done.stderr and "missing" not in done.stderr


def test_bad_inputs_are_one_line_errors(nif, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix a: <http://a/> .\na:x a:y", "utf-8")
    done = nif("registry", "submit", str(bad), ok=2)
    assert done.stderr.count("\n") == 1 and "line 2" in done.stderr
    done = nif("registry", "history", "nope", ok=2)
    assert "nope" in done.stderr
    done = nif("registry", "load", str(tmp_path), ok=2)
    assert "not a registry folder" in done.stderr


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_command_that_reads_the_registry_takes_home() -> None:
    from nif.cli import cli

    registry_readers = {
        name
        for name, command in _commands(cli)
        if any("--store" in option.opts for option in command.params)
    }
    assert {"validate", "sparql", "registry list", "certify run"} <= registry_readers
    without_home = [
        name
        for name, command in _commands(cli)
        if name in registry_readers and not any("--home" in o.opts for o in command.params)
    ]
    assert without_home == []


def test_home_points_the_commands_at_another_data_directory(
    loaded: Path, nif: Run, tmp_path: Path
) -> None:
    import shutil

    home = tmp_path / "elsewhere"
    shutil.copytree(loaded, home)
    listed = nif("registry", "list", "--format", "json", "--home", str(home))
    assert len(json.loads(listed.stdout)) == 13
    assert "true" in nif("sparql", "ASK { ?s ?p ?o }", "--home", str(home)).stdout
    message = DEMO / "interfaces/civreg-birth/examples/2.0.0/BirthNotification/valid-newborn.xml"
    checked = nif("validate", str(message), "--format", "json", "--home", str(home))
    assert json.loads(checked.stdout)["verdict"] == "valid"
    assert not (tmp_path / "home").exists()  # NIF_HOME was not touched


@pytest.mark.slow
def test_import_kosit_then_validate_with_it(nif, tmp_path: Path) -> None:
    from tests.conftest import EN16931
    from tests.kosit_config import ScenarioSpec, build_config

    config = build_config(
        tmp_path / "config", scenarios=[ScenarioSpec("EN16931 CII", "cii")], as_zip=True
    )
    args = ("registry", "import-kosit", str(config), "--interface", "einvoice")
    args += ("--version", "1.0.0", "--publisher", "tax")
    refused = nif(*args, ok=2)
    assert refused.stderr.startswith("nif: error: publisher 'tax' is not an agency")
    nif("registry", "submit", str(DEMO / "agencies" / "tax.ttl"))
    refused = nif(*args, ok=2)
    assert "interface einvoice is new: give its --endpoint" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    endpoint = ("--endpoint", "https://api.tax.example.gov/einvoice")
    stored = nif(*args, *endpoint, "--as", "alice")
    assert stored.stdout.startswith("stored interface einvoice <")
    assert "scenario 'EN16931 CII' -> einvoice@1.0.0/EN16931-CII" in stored.stdout
    again = nif(*args)
    assert "einvoice@1.0.0 already holds this configuration: unchanged" in again.stderr
    assert again.stdout == stored.stdout.split("\n", 1)[1]  # the scenarios, nothing stored
    message = EN16931 / "cii/examples/CII_business_example_01.xml"
    done = nif("validate", str(message), "--interface", "einvoice@1.0.0", "--format", "json")
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    assert (report["verdict"], report["profile"]) == ("valid", "einvoice@1.0.0/EN16931-CII")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = nif("registry", "import-kosit", str(empty), *args[3:], ok=2)
    assert f"{empty}: no scenarios.xml there" in missing.stderr


def test_new_version_scaffolds_a_version_the_registry_accepts(nif, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "registry"
    shutil.copytree(DEMO / "interfaces" / "busreg-company", folder / "interfaces/busreg-company")
    record = folder / "interfaces/busreg-company/interface.ttl"
    before = record.read_text("utf-8")
    args = ("registry", "new-version", "busreg-company", "--folder", str(folder))
    done = nif(*args, "--from", "2.1.0", "--version", "2.2.0", "--notes", "Adds nothing yet.")
    iri = "https://registry.nif.example/interface/busreg-company/2.2.0"
    assert done.stdout.splitlines()[0] == f"added <{iri}> to {record}"
    after = record.read_text("utf-8")
    assert after.startswith(before)  # appended: the publisher's comments and layout stay
    assert '"Adds nothing yet."@en' in after
    schemas = folder / "interfaces/busreg-company/schemas"
    assert (schemas / "2.2.0/common/types.xsd").read_bytes() == (
        schemas / "2.1.0/common/types.xsd"
    ).read_bytes()
    nif("registry", "submit", str(DEMO / "agencies" / "busreg.ttl"))
    stored = nif("registry", "submit", str(record.parent))
    assert stored.stdout.startswith("stored interface busreg-company <")
    listed = nif("sparql", "--format", "csv", f"SELECT ?s WHERE {{ <{iri}> ?p ?s }} LIMIT 1")
    assert len(listed.stdout.splitlines()) == 2

    again = nif(*args, "--from", "2.1.0", "--version", "2.2.0", ok=2)
    assert "nif: error: interface busreg-company already has a version 2.2.0" in again.stderr
    assert record.read_text("utf-8") == after  # a refusal writes nothing
    bad = nif(*args, "--from", "2.1.0", "--version", "2.3", ok=2)
    assert "expected a semantic version" in bad.stderr


def test_pull_writes_a_bundle_folder_that_submits_back(demo, tmp_path: Path) -> None:
    out = tmp_path / "pulled"
    done = demo("registry", "pull", "civreg-birth", "--out", str(out))
    folder = out / "civreg-birth"
    assert done.stdout == f"wrote interface civreg-birth to {folder} (15 file(s))\n"
    source = DEMO / "interfaces" / "civreg-birth"
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert files == {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    assert (folder / "schemas/2.0.0/birth.xsd").read_bytes() == (
        source / "schemas/2.0.0/birth.xsd"
    ).read_bytes()
    before = demo("registry", "history", "civreg-birth", "--format", "json").stdout
    stored = demo("registry", "submit", str(folder))
    assert stored.stdout.split()[-1] == json.loads(before)[-1]["sha256"], "the same record"

    refused = demo("registry", "pull", "civreg-birth", "--out", str(out), ok=2)
    assert refused.stderr == (
        f"nif: error: {folder}: the folder is not empty; pass --force to replace it\n"
    )
    (folder / "stale.txt").write_text("left over", "utf-8")
    demo("registry", "pull", "civreg-birth", "--out", str(out), "--force")
    assert not (folder / "stale.txt").exists()
    agency = demo("registry", "pull", "civreg", "--out", str(out))
    assert agency.stdout.startswith("wrote agency civreg") and (out / "civreg/agency.ttl").is_file()
    unknown = demo("registry", "pull", "nope", "--out", str(out), ok=2)
    assert unknown.stderr.count("\n") == 1 and "'nope'" in unknown.stderr
