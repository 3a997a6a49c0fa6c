"""A record reaches only its own graph and its own nodes (issue 11, section 2).

A publisher of civreg (agency A) attacks the tax office (agency B): it submits an "interface"
whose IRI is one of the graphs only nif writes (B's certificate, its revocation, a run, a suite,
a certificate of its own), or a record that says `<B's message type> nif:rules <A's artefact>`.
Both are refused, naming the IRI, and nothing changes. Statements written around the gate
(straight into the store) change no profile, detection or catalogue answer, and
`nif registry check` reports them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from nif import catalogue
from nif.errors import DetectionError, RejectedError
from nif.registry import Registry, reserved
from nif.registry._detect import Detector
from nif.registry._message_types import pick_version, resolve_message_types
from nif.registry._ownership import CONSTRAINT
from nif.registry._profiles import artefacts_of, version_checksums
from nif.settings import Settings
from nif.web.pages._selftest import targets as selftest_targets
from tests.conftest import ROOT, cli_runner
from tests.registry.conftest import (  # noqa: F401
    make_registry,
    pytest_generate_tests,
    registry,
    settings,
    store_kind,
)
from tests.web.certification import VAT, issued
from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401
from tests.web.test_records_api import BIRTH, NEW, bundle, put

BASE = "https://registry.nif.example/"
NIF = "https://w3id.org/nif/ns#"
TAX = f"{BASE}agency/tax"
VAT_RETURN = f"{BASE}interface/tax-vat-return"
VAT_MESSAGE = f"{VAT_RETURN}/1.0.0/VatReturn"
ADDRESS = f"{BASE}interface/civreg-address"
BIRTH_RULES = f"{BASE}interface/civreg-birth/2.0.0/artefact/birth.sch"
VAT_EXAMPLE = ROOT / "registry/interfaces/tax-vat-return/examples/1.0.0/VatReturn/valid-monthly.xml"
PLANTED = f"{BASE}certificate/cert-20990101-0badc0de"

MakeServer = Callable[..., LiveServer]


def as_graph(iri: str) -> bytes:
    """A new civreg interface whose IRI (so its graph) is `iri`."""
    return bundle(
        "civreg-address",
        [
            ("civreg-address", NEW),
            ("gov/address", "gov/marriage"),
            (f"<{BASE}interface/{NEW}>", f"<{iri}>"),
        ],
    )


FOREIGN_RULES = [
    (
        'dct:identifier "civreg-birth" ;',
        f'dct:identifier "civreg-birth" ;\n  rdfs:seeAlso <{VAT_MESSAGE}> ;',
    ),
    (
        "@prefix nif:",
        f"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<{VAT_MESSAGE}> <{NIF}rules> <{BIRTH_RULES}> .\n@prefix nif:",
    ),
]
"""civreg-birth, which also says that tax's VAT return message has civreg's rules."""


def foreign_rules() -> bytes:
    return bundle(BIRTH, FOREIGN_RULES)


def certificate(client: httpx.Client, cert_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/certificates/{cert_id}")
    assert answer.status_code == 200, answer.text
    shown: dict[str, Any] = answer.json()
    return shown


def verified(client: httpx.Client, cert_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/certificates/{cert_id}/verify")
    assert answer.status_code == 200, answer.text
    checked: dict[str, Any] = answer.json()
    return checked


@pytest.mark.slow
def test_a_record_cannot_replace_or_plant_what_only_nif_writes(make_server: MakeServer) -> None:  # noqa: F811
    live = make_server(validation_workers=1)
    with live.client(live.token("certifier", name="competence centre")) as certifier:
        kept = issued(certifier, VAT)
        gone = issued(certifier, VAT)
        revoked = certifier.post(f"/api/certificates/{gone['id']}/revoke", json={"reason": "test"})
        assert revoked.status_code == 200, revoked.text
    targets = {
        "certificate": kept["iri"],
        "forged revocation": f"{kept['iri']}/revocation",
        "real revocation": f"{gone['iri']}/revocation",
        "run": kept["run_iri"],
        "suite": kept["suite_iri"],
        "planted certificate": PLANTED,
    }
    publisher = live.token("publisher", "civreg", name="civreg CI")
    with live.client(publisher) as attacker, live.client() as reader:
        for what, iri in targets.items():
            assert reserved(iri, live.settings), what
            answer = put(attacker, NEW, as_graph(iri), "application/zip")
            assert answer.status_code == 422, (what, answer.text)
            assert iri in answer.json()["message"], what
            assert iri in {r["focus"] for r in answer.json()["details"]}, what
            assert reader.get(f"/api/records/{NEW}").status_code == 404, what
            shown = certificate(reader, kept["id"])
            assert (shown["state"], shown["revocation"]) == ("certified", None), what
            assert verified(reader, kept["id"])["ok"], what
            assert certificate(reader, gone["id"])["state"] == "revoked", what
            listed = reader.get("/api/certificates").json()["certificates"]
            assert PLANTED not in {c["iri"] for c in listed}, what
            assert reader.get(f"/api/certificates/{PLANTED.rsplit('/', 1)[1]}").status_code == 404
        with live.client(live.token("admin", name="auditor")) as admin:
            entries = admin.get("/api/audit", params={"limit": 100}).json()["entries"]
    refused = [e for e in entries if e["action"] == "submit" and e["outcome"] == "refused"]
    assert len(refused) == len(targets)
    assert {iri for iri in targets.values() if any(iri in e["detail"] for e in refused)} == set(
        targets.values()
    )


def test_a_record_cannot_give_rules_to_another_agencys_message(make_server: MakeServer) -> None:  # noqa: F811
    live = make_server(validation_workers=1)
    with live.client(live.token("publisher", "civreg", name="civreg CI")) as attacker:
        before = attacker.get("/api/records/tax-vat-return", params={"format": "ntriples"}).text
        mine = attacker.get(f"/api/records/{BIRTH}", params={"format": "ntriples"}).text
        answer = put(attacker, BIRTH, foreign_rules(), "application/zip")
        assert answer.status_code == 422, answer.text
        assert VAT_MESSAGE in answer.json()["message"]
        assert [r["focus"] for r in answer.json()["details"]] == [VAT_MESSAGE]
        assert attacker.get(f"/api/records/{BIRTH}", params={"format": "ntriples"}).text == mine
        after = attacker.get("/api/records/tax-vat-return", params={"format": "ntriples"}).text
        assert after == before
        validated = attacker.post(
            "/api/validate",
            content=VAT_EXAMPLE.read_bytes(),
            headers={"Content-Type": "application/xml"},
        )
    assert validated.status_code == 200, validated.text
    used = [a for s in validated.json()["steps"] for a in s["artefacts"]]
    assert used and not [a for a in used if "civreg" in str(a)], used


# --- foreign statements in the store, written around the gate -----------------------------

FOREIGN = (
    f"<{VAT_MESSAGE}> <{NIF}rules> <{BIRTH_RULES}> .\n"
    f"<{VAT_RETURN}/1.0.0> <{NIF}messageType> <{BASE}interface/civreg-birth/2.0.0/BirthNotification> .\n"
    f'<{VAT_MESSAGE}> <{NIF}rootName> "Forged" .\n'
    f'<{VAT_MESSAGE}> <{NIF}rootNamespace> "urn:forged" .\n'
    f'<{VAT_RETURN}> <http://purl.org/dc/terms/title> "Hacked"@en .\n'
    f'<{TAX}> <http://purl.org/dc/terms/identifier> "civreg" .\n'
)
"""What civreg-address's graph says about tax's nodes, written straight into the store."""


def views(reg: Registry) -> dict[str, object]:
    """What profiles, detection and the catalogue answer about tax's VAT return."""
    store = reg.store
    refs = resolve_message_types(store, "tax-vat-return")
    return {
        "version": pick_version(store, "tax-vat-return", None),
        "checksums": version_checksums(store, refs[0].version_iri),
        "refs": refs,
        "artefacts": [artefacts_of(store, r) for r in refs],
        "detected": Detector(store).detect(VAT_EXAMPLE.read_bytes()).name,
        "interface": catalogue.interface(store, "tax-vat-return"),
        "listed": catalogue.interfaces(store, limit=200).items,
        "civreg's": [i.identifier for i in catalogue.interfaces(store, agency="civreg").items],
        "tax's": [i.identifier for i in catalogue.interfaces(store, agency="tax").items],
        "self-test": selftest_targets(store),
    }


@pytest.fixture
def demo(registry: Registry) -> Registry:  # noqa: F811
    registry.load_folder(ROOT / "registry", check=False, actor="tests")
    return registry


def test_foreign_statements_in_the_store_change_nothing_and_are_reported(demo: Registry) -> None:
    before = views(demo)
    demo.store.replace_graph(ADDRESS, demo.store.read_graph(ADDRESS) + FOREIGN.encode())
    assert views(demo) == before
    with pytest.raises(DetectionError):
        Detector(demo.store).detect(b'<Forged xmlns="urn:forged"/>')
    report = demo.check(workers=1)
    foreign = [r for r in report.violations if r.constraint == CONSTRAINT]
    assert {r.focus for r in foreign} == {VAT_MESSAGE, f"{VAT_RETURN}/1.0.0", VAT_RETURN, TAX}
    assert all(ADDRESS in r.message for r in foreign)
    assert not report.conforms


def test_a_record_in_nifs_space_is_reported(demo: Registry) -> None:
    """An unsigned "certificate" that is a record, left by older data or an import."""
    nt = (
        f"<{PLANTED}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://www.w3.org/ns/dcat#DataService> .\n"
        f'<{PLANTED}> <http://purl.org/dc/terms/identifier> "planted" .\n'
    )
    demo.store.replace_graph(PLANTED, nt.encode())
    report = demo.check(workers=1)
    assert PLANTED in {r.focus for r in report.violations if r.constraint == CONSTRAINT}


# --- the command line: submit and load refuse, check reports ------------------------------


@pytest.mark.slow
def test_cli_refuses_foreign_nodes_and_check_reports_them(tmp_path: Path) -> None:
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home"), "NIF_ACTOR": "cli-tester"}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 600)
    nif("registry", "load", str(ROOT / "registry"), "--no-check")
    attack = tmp_path / "attack" / BIRTH
    shutil.copytree(ROOT / "registry" / "interfaces" / BIRTH, attack)
    text = (attack / "interface.ttl").read_text("utf-8")
    for old, new in FOREIGN_RULES:
        text = text.replace(old, new)
    (attack / "interface.ttl").write_text(text, "utf-8")
    submitted = nif("registry", "submit", str(attack), ok=1)
    assert VAT_MESSAGE in submitted.stderr + submitted.stdout
    folder = tmp_path / "folder"
    shutil.copytree(ROOT / "registry", folder)
    shutil.copy(attack / "interface.ttl", folder / "interfaces" / BIRTH / "interface.ttl")
    loaded = nif("registry", "load", str(folder), "--no-check", ok=1)
    assert f"refused 1: {BIRTH}" in loaded.stderr
    assert VAT_MESSAGE in loaded.stdout
    assert nif("registry", "check", "--workers", "1").returncode == 0
    with Registry.open(Settings(home=tmp_path / "home")) as reg:
        store = reg.store
        store.replace_graph(ADDRESS, store.read_graph(ADDRESS) + FOREIGN.encode())
    checked = nif("registry", "check", "--workers", "1", ok=1)
    assert VAT_MESSAGE in checked.stdout and ADDRESS in checked.stdout


def test_the_gate_at_the_registry(registry: Registry, tmp_path: Path) -> None:  # noqa: F811
    """The same refusal without the service, in both stores."""
    registry.load_folder(ROOT / "registry", check=False, actor="tests")
    for iri in (PLANTED, f"{BASE}conformance/x/1/manifest.ttl", f"{BASE}files/x/a.xsd"):
        with pytest.raises(RejectedError) as caught:
            registry.submit(as_graph(iri), name="attack.zip")
        assert iri in str(caught.value)
    with pytest.raises(RejectedError) as caught:
        registry.submit(foreign_rules(), name="attack.zip")
    assert [r.focus for r in caught.value.report.violations] == [VAT_MESSAGE]  # type: ignore[attr-defined]
    assert NEW not in {r.identifier for r in registry.records()}
