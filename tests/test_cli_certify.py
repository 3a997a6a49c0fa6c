"""`nif certify ...` as a user runs it: a process per command on a demo NIF_HOME of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.certify._keys import SigningKey
from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.certify import endpoints
from tests.certify.endpoints import EndpointServer
from tests.certify.evidence import failing_evidence, passing_evidence
from tests.conftest import ROOT, Run, cli_runner
from tests.web.messages import heavy_company_extract

EVIDENCE = str(ROOT / "registry" / "evidence" / "civreg" / "civreg-birth" / "2.0.0")
BIRTH = "civreg-birth@2.0.0"
SECRET = "Bearer s3cr3t-value-never-shown"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A NIF_HOME with the demo registry loaded once, copied by each test."""
    home = tmp_path_factory.mktemp("demo") / "home"
    env = {**os.environ, "NIF_HOME": str(home), "NIF_ACTOR": "loader"}
    env.pop("NIF_STORE", None)
    done = subprocess.run(
        [sys.executable, "-m", "nif", "registry", "load", str(ROOT / "registry"), "--no-check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="module")
def conforming(loaded: Path) -> Iterator[EndpointServer]:
    """A conforming implementation of the demo interfaces, judging with `loaded`'s profiles."""
    settings = Settings(home=loaded, actor="endpoint")
    with Registry(EmbeddedStore(loaded / "store"), settings) as registry:
        profiles = endpoints.demo_profiles(registry)
    with endpoints.running(profiles, settings, conforming=True) as server:
        yield server


@pytest.fixture
def nif(loaded: Path, tmp_path: Path) -> Run:
    shutil.copytree(loaded, tmp_path / "home")
    env = {
        **os.environ,
        "NIF_HOME": str(tmp_path / "home"),
        "NIF_ACTOR": "cc-certifier",
        "NIF_ENDPOINT_ALLOW_HTTP": "true",
        "NIF_ENDPOINT_ALLOW_PRIVATE": "true",
    }
    env.pop("NIF_STORE", None)
    return cli_runner(tmp_path, env, 600)


def run_id(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("run run-"))
    return line.split()[1].rstrip(":")


def test_suites_are_listed_with_cases_and_checksums(nif: Run) -> None:
    suites = json.loads(nif("certify", "suites", "--json").stdout)
    birth = next(s for s in suites if (s["interface"], s["version"]) == ("civreg-birth", "2.0.0"))
    assert birth["cases"] >= birth["mandatory"] >= 1 and len(birth["sha256"]) == 64
    assert birth["sha256"] in nif("certify", "suites").stdout


def test_run_issue_list_verify_and_revoke(nif: Run, tmp_path: Path) -> None:
    done = nif("certify", "run", "--agency", "civreg", "--interface", BIRTH, "--evidence", EVIDENCE)
    assert done.stdout.startswith("passed")  # each case as it completes, then the summary
    assert "civreg civreg-birth@2.0.0 passed" in done.stdout
    run = run_id(done.stdout)
    assert run in nif("certify", "runs", "--agency", "civreg").stdout
    shown = json.loads(nif("certify", "show", run, "--json").stdout)
    assert shown["passed"] and shown["purpose"] == "certification"
    assert shown["actor"] == "cc-certifier"

    cert = json.loads(nif("certify", "issue", run, "--valid-days", "10", "--json").stdout)
    assert cert["run"] == run and cert["issued_by"] == "cc-certifier"
    listed = json.loads(nif("certify", "list", "--interface", BIRTH, "--json").stdout)
    assert [(c["id"], c["state"]) for c in listed] == [(cert["id"], "certified")]
    assert nif("certify", "list", "--agency", "tax").stdout == ""

    verified = nif("certify", "verify", cert["iri"]).stdout
    assert "signature: valid" in verified and "pinned hashes: current" in verified
    assert verified.rstrip().endswith("ok")

    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{cert['iri']}> {{ ?s ?p ?o }} }}"
    turtle = nif("sparql", query, "--format", "turtle").stdout
    copy = tmp_path / "certificate.ttl"
    copy.write_text(turtle, "utf-8")
    assert json.loads(nif("certify", "verify", str(copy), "--json").stdout)["ok"]

    copy.write_text(turtle.replace("civreg-birth@2.0.0", "civreg-birth@9.0.0"), "utf-8")
    edited = nif("certify", "verify", str(copy), ok=1).stdout
    assert "signature: mismatch" in edited and edited.rstrip().endswith("not ok")

    for syntax, suffix in (("turtle", "ttl"), ("json-ld", "jsonld"), ("rdf-xml", "rdf")):
        exported = tmp_path / f"exported.{suffix}"
        nif("certify", "export", cert["id"], "--format", syntax, "-o", str(exported))
        assert json.loads(nif("certify", "verify", str(exported), "--json").stdout)["ok"], syntax
    assert "dqv:QualityCertificate" in nif("certify", "export", cert["id"]).stdout
    nif("certify", "export", "cert-20200101-00000000", ok=2)

    copy.write_text(turtle, "utf-8")
    other = tmp_path / "other.pem"
    other.write_text(SigningKey.generate().public.pem(), "ascii")
    foreign = json.loads(
        nif("certify", "verify", str(copy), "--key", str(other), "--json", ok=1).stdout
    )
    assert foreign["signature"]["status"] == "unknown key"

    nif("certify", "revoke", cert["id"], "--reason", "withdrawn by the agency")
    listed = json.loads(nif("certify", "list", "--json").stdout)
    assert listed[0]["state"] == "revoked"
    assert "withdrawn by the agency" in listed[0]["reasons"][0]
    assert "state: revoked" in nif("certify", "verify", cert["id"], ok=1).stdout
    again = nif("certify", "revoke", cert["id"], "--reason", "again", ok=2)
    assert again.stderr.count("\n") == 1 and "already revoked" in again.stderr


def test_a_failed_run_exits_1_and_cannot_be_certified(nif: Run, tmp_path: Path) -> None:
    folder = tmp_path / "failing"
    for name, content in failing_evidence("civreg-birth/2.0.0").items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    done = nif(
        "certify",
        "run",
        "--agency",
        "civreg",
        "--interface",
        BIRTH,
        "--evidence",
        str(folder),
        ok=1,
    )
    assert "did not pass" in done.stdout and "mandatory cases not passed:" in done.stdout
    refused = nif("certify", "issue", run_id(done.stdout), ok=2)
    assert "did not pass: mandatory case(s)" in refused.stderr
    assert nif("certify", "list").stdout == ""


def test_a_step_past_its_time_limit_is_killed_not_awaited(loaded: Path, tmp_path: Path) -> None:
    """A message whose Schematron check takes Saxon half a minute, with step_timeout 1 s: the
    run's worker is killed at the limit, the case cannot tell and the run does not pass."""
    folder = tmp_path / "evidence"
    evidence = passing_evidence("busreg-company/2.0.0")
    evidence["produce-extract.xml"] = heavy_company_extract(20_000)
    for name, content in evidence.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    shutil.copytree(loaded, tmp_path / "home")
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home"), "NIF_STEP_TIMEOUT": "1"}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 120)
    done = nif(
        "certify", "run", "--agency", "busreg", "--interface", "busreg-company@2.0.0",
        "--evidence", str(folder), ok=1,
    )  # fmt: skip
    line = next(line for line in done.stdout.splitlines() if " produce-extract:" in line)
    assert line.startswith("cantTell") and "time limit exceeded" in line
    assert "the worker was stopped" in line and "step_timeout 1 s" in line
    assert "mandatory cases not passed: produce-extract" in done.stdout
    others = [line for line in done.stdout.splitlines() if line.startswith("passed ")]
    assert len(others) == len(evidence) - 1  # the next messages ran on a fresh worker


def test_endpoint_runs_never_show_header_values(nif: Run, conforming: EndpointServer) -> None:
    url = conforming.endpoint("civreg-birth", "2.0.0")
    done = nif(
        "certify",
        "run",
        "--agency",
        "civreg",
        "--interface",
        BIRTH,
        "--endpoint",
        url,
        "--header",
        f"Authorization: {SECRET}",
        "--json",
    )
    run = json.loads(done.stdout)
    assert run["passed"] and run["mode"] == "endpoint"
    kept = nif("certify", "show", run["id"], "--json").stdout
    for output in (done.stdout, done.stderr, kept):
        assert "s3cr3t" not in output


def test_usage_errors_are_one_line_with_exit_2(nif: Run) -> None:
    both = nif(
        "certify", "run", "--agency", "civreg", "--interface", BIRTH,
        "--evidence", EVIDENCE, "--endpoint", "https://example.org/", ok=2,
    )  # fmt: skip
    assert "not both and not neither" in both.stderr
    header = nif(
        "certify", "run", "--agency", "civreg", "--interface", BIRTH,
        "--endpoint", "https://example.org/", "--header", f"Authorization {SECRET}", ok=2,
    )  # fmt: skip
    assert "no ':'" in header.stderr and "s3cr3t" not in header.stderr
    unknown = nif("certify", "issue", "run-20260101-00000000", ok=2)
    assert unknown.stderr.startswith("nif: error:") and unknown.stderr.count("\n") == 1
    assert "no certificate" in nif("certify", "verify", "cert-20260101-00000000", ok=2).stderr
    assert "no such file" in nif("certify", "verify", "missing/cert.ttl", ok=2).stderr
    agency = nif("certify", "run", "--agency", "nobody", "--interface", BIRTH,
                 "--evidence", EVIDENCE, ok=2)  # fmt: skip
    assert "nobody" in agency.stderr


def test_the_public_key_as_pem_and_jwk(nif: Run) -> None:
    pem = nif("certify", "key").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    jwk = json.loads(nif("certify", "key", "--jwk").stdout)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert "PRIVATE" not in pem
