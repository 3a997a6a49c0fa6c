"""The `nif` commands in client mode (`--server`, NIF_SERVER) against a real service, each
compared with the same command run locally on a copy of the same registry: same output, same
exit code. One process per command, as a user runs them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, Run, cli_runner
from tests.web.conftest import LiveServer, demo_home, make_server, server  # noqa: F401 (fixtures)

EXAMPLES = "registry/interfaces/civreg-birth/examples/2.0.0"
NOTIFICATION = f"{EXAMPLES}/BirthNotification"
EVIDENCE = "registry/evidence/civreg/civreg-birth/2.0.0"

Pair = tuple[Run, Run, LiveServer]


def _runners(live: LiveServer, demo: Path, where: Path) -> Pair:
    shutil.copytree(demo, where / "home")
    base = {k: v for k, v in os.environ.items() if not k.startswith("NIF_")}
    local = {**base, "NIF_HOME": str(where / "home"), "NIF_ACTOR": "tests"}
    remote = {
        **base,
        "NIF_HOME": str(where / "empty"),  # no registry here: everything comes from the service
        "NIF_SERVER": live.url,
        "NIF_TOKEN": live.token("admin"),
    }
    return cli_runner(ROOT, local, 600), cli_runner(ROOT, remote, 600), live


@pytest.fixture
def pair(make_server: Callable[..., LiveServer], demo_home: Path, tmp_path: Path) -> Pair:  # noqa: F811
    """(local, remote, service) for commands that write: `nif` on a copy of the demo home, and
    `nif` with NIF_SERVER and an admin NIF_TOKEN pointing at a service over another copy."""
    return _runners(make_server(), demo_home, tmp_path)


@pytest.fixture(scope="module")
def readers(server: LiveServer, demo_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Pair:  # noqa: F811
    """`pair` for commands that only read: one service for the module."""
    return _runners(server, demo_home, tmp_path_factory.mktemp("readers"))


_VARYING = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"), "TIME"),
    (re.compile(r"\d+\.\d+ ms"), "N ms"),
    (re.compile(r'"millis": [\d.e-]+'), '"millis": N'),
    (re.compile(r'time="[\d.]+"'), 'time="N"'),
    (re.compile(r"run-\d{8}-[0-9a-f]{8}"), "RUN"),
]
"""What differs between two validations of one message: when, and how long each step took."""


def same(local: subprocess.CompletedProcess[str], remote: subprocess.CompletedProcess[str]) -> None:
    """Same exit code, same output but for times."""

    def steady(text: str) -> str:
        for pattern, replacement in _VARYING:
            text = pattern.sub(replacement, text)
        return text

    assert remote.returncode == local.returncode, (local.stderr, remote.stderr)
    assert steady(remote.stdout) == steady(local.stdout)
    assert steady(remote.stderr) == steady(local.stderr)


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "html"])
def test_validate_prints_what_it_prints_locally(readers: Pair, fmt: str) -> None:
    """A folder of messages, each type detected: an array of reports, exit 1 (one invalid)."""
    local, remote, _ = readers
    command = ["validate", "--format", fmt, NOTIFICATION]
    same(local(*command, ok=1), remote(*command, ok=1))


def test_validate_an_interface_named_prints_what_it_prints_locally(readers: Pair) -> None:
    local, remote, _ = readers
    message = f"{NOTIFICATION}/invalid-missing-mother-id.xml"
    command = ["validate", "--format", "json", "--interface", "civreg-birth@2.0.0", message]
    same(local(*command, ok=1), remote(*command, ok=1))
    same(local("validate", "unknown.xml", ok=2), remote("validate", "unknown.xml", ok=2))


def test_validate_refuses_what_only_a_local_run_decides(readers: Pair) -> None:
    _, remote, _ = readers
    message = f"{NOTIFICATION}/valid-newborn.xml"
    jobs = remote("validate", "--jobs", "2", message, ok=2)
    assert "--jobs: not with --server" in jobs.stderr
    svrl = remote("validate", "--format", "svrl", message, ok=2)
    assert "--format svrl is not available with --server" in svrl.stderr
    # schemas given as files need no registry: checked here, whatever NIF_SERVER says
    xsd = "registry/interfaces/civreg-birth/schemas/2.0.0/birth.xsd"
    assert Path(ROOT / xsd).is_file()
    remote("validate", "--xsd", xsd, message, ok=0)


def test_registry_reads_print_what_they_print_locally(readers: Pair, tmp_path: Path) -> None:
    local, remote, _ = readers
    query = "SELECT ?s WHERE { ?s a <http://www.w3.org/ns/dcat#DataService> } ORDER BY ?s"
    for command in (
        ["registry", "list"],
        ["registry", "history", "civreg-birth", "--format", "json"],
        ["registry", "history", "civreg-birth", "--show", "1"],
        ["registry", "history", "no-such-record"],
        ["sparql", query, "--format", "csv"],
        ["sparql", "SELECT * WHERE {"],
    ):
        same(local(*command, ok=None), remote(*command, ok=None))
    pulled = local("registry", "pull", "civreg-birth", "--out", str(tmp_path / "here"))
    through = remote("registry", "pull", "civreg-birth", "--out", str(tmp_path / "there"))
    assert through.stdout == pulled.stdout.replace("/here/", "/there/")
    files = sorted(p.relative_to(tmp_path / "here") for p in (tmp_path / "here").rglob("*"))
    assert (
        sorted(p.relative_to(tmp_path / "there") for p in (tmp_path / "there").rglob("*")) == files
    )


def test_registry_writes_print_what_they_print_locally(pair: Pair, tmp_path: Path) -> None:
    local, remote, _ = pair
    bundle = tmp_path / "civreg-birth"
    shutil.copytree(ROOT / "registry/interfaces/civreg-birth", bundle)
    text = (bundle / "interface.ttl").read_text()
    (bundle / "interface.ttl").write_text(text.replace('"Birth registration"@en', '"Births"@en'))
    same(local("registry", "submit", str(bundle)), remote("registry", "submit", str(bundle)))
    same(
        local("registry", "withdraw", "tax-vat-return"),
        remote("registry", "withdraw", "tax-vat-return"),
    )
    same(
        local("registry", "withdraw", "tax-vat-return", ok=2),
        remote("registry", "withdraw", "tax-vat-return", ok=2),
    )
    broken = tmp_path / "civreg.ttl"
    agency = (ROOT / "registry/agencies/civreg.ttl").read_text()
    broken.write_text(re.sub(r"  skos:prefLabel [^\n]*\n", "", agency))
    refused = local("registry", "submit", str(broken), ok=1)
    through = remote("registry", "submit", str(broken), ok=1)
    assert through.stdout == refused.stdout  # the SHACL report, as locally
    assert "rejected, 1 violation(s) of the shapes" in through.stderr


def test_certify_prints_what_it_prints_locally(pair: Pair) -> None:
    local, remote, live = pair
    command = ["certify", "run", "--agency", "civreg", "--interface", "civreg-birth@2.0.0"]
    same(local(*command, "--evidence", EVIDENCE), remote(*command, "--evidence", EVIDENCE))
    same(local("certify", "list"), remote("certify", "list"))
    run_id = re.search(r"run-\d{8}-[0-9a-f]{8}", remote(*command, "--evidence", EVIDENCE).stdout)
    assert run_id is not None
    with live.client(live.token("admin")) as http:
        issued = http.post("/api/certificates", json={"run": run_id.group()})
    assert issued.status_code == 201, issued.text
    cert = issued.json()["id"]
    listed = remote("certify", "list", "--json")
    assert f'"id": "{cert}"' in listed.stdout and '"changes": []' in listed.stdout
    verified = remote("certify", "verify", cert)
    assert verified.stdout.endswith("pinned hashes: current\n  state: certified\nok\n")
    assert '"ok": true' in remote("certify", "verify", cert, "--json").stdout
    missing = remote("certify", "verify", "cert-20000101-00000000", ok=2)
    assert missing.stderr.startswith("nif: error: no certificate ")


def test_a_service_that_cannot_be_reached_is_named_without_secrets(readers: Pair) -> None:
    _, remote, _ = readers
    down = remote("registry", "list", "--server", "http://someone:hunter2@127.0.0.1:9", ok=2)
    assert (
        down.stderr
        == "nif: error: cannot reach the server at http://127.0.0.1:9: [Errno 111] Connection refused\n"
    )
    anonymous = remote("registry", "withdraw", "civreg-birth", "--token", "", ok=2)
    assert "give a token with --token or NIF_TOKEN" in anonymous.stderr


def test_the_token_is_never_printed(readers: Pair) -> None:
    _, remote, live = readers
    token = live.token("publisher", "tax")
    refused = remote("registry", "withdraw", "civreg-birth", "--token", token, ok=2)
    assert "nif: error:" in refused.stderr
    secret = token.split("_", 2)[2]  # nif_<id>_<secret>; the secret may hold "_" itself
    assert len(secret) >= 32
    assert secret not in refused.stderr and secret not in refused.stdout


def test_a_store_in_use_points_at_the_service(readers: Pair) -> None:
    """The served home's store is locked by the service: the local command says what to do."""
    local, _, live = readers
    busy = local("registry", "list", "--home", str(live.home), ok=2)
    assert "--server" in busy.stderr and "NIF_SERVER" in busy.stderr


def test_nif_serve_announces_its_url_for_the_store_in_use_error(tmp_path: Path) -> None:
    """While `nif serve` runs, NIF_HOME/service.json names its URL, and the error of a command
    that finds the store locked names it; once the service stops, the file is gone."""
    from nif.cli_client import announced, with_hint
    from nif.errors import StoreError

    busy = StoreError(f"the store at {tmp_path / 'store'} is in use by another process; ...")
    with announced(tmp_path, "0.0.0.0", 8123):
        assert (tmp_path / "service.json").is_file()
        assert with_hint(busy).endswith(
            "the service on it is at http://127.0.0.1:8123: e.g. `--server http://127.0.0.1:8123`"
        )
    assert not (tmp_path / "service.json").exists()
    assert with_hint(busy) == str(busy)
