"""The publisher forms over HTTP, on a real service over a copy of the demo registry: a new
version with uploads, metadata, status and deprecation, a new interface; who may use them
(the authorisation matrix of the forms) and hostile inputs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph, URIRef

from nif.registry import (
    ADMS,
    DCAT,
    DCTERMS,
    NIF,
    STATUS,
    Registry,
    scaffold_version,
    sorted_ntriples,
)
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT
from tests.web.conftest import LiveServer
from tests.web.test_records_api import WHO, credentials

MakeServer = Callable[..., LiveServer]
DEMO = ROOT / "registry"
BUSREG = "https://registry.nif.example/interface/busreg-company"
ADDRESS = "https://registry.nif.example/interface/civreg-address"
SCHEMAS = DEMO / "interfaces/busreg-company/schemas/2.1.0"
EXAMPLE = DEMO / "interfaces/busreg-company/examples/2.1.0/CompanyExtract/valid-active-company.xml"


def record(live: LiveServer, identifier: str) -> Graph:
    with live.client() as client:
        answer = client.get(f"/api/records/{identifier}", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200, answer.text
    return Graph().parse(data=answer.text, format="turtle")


def post(
    live: LiveServer,
    path: str,
    data: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
) -> httpx.Response:
    with live.client() as client:
        return client.post(path, data=data, files=files or [], headers={"Accept": "text/html"})


def new_version_form(token: str | None, version: str = "2.2.0") -> dict[str, Any]:
    data = {"from": "2.1.0", "version": version, "notes_en": "Same as 2.1.0, one more example."}
    data |= {"example_type": "CompanyExtract", "token": token or ""}
    files = [
        ("files", ("company.xsd", (SCHEMAS / "company.xsd").read_bytes(), "application/xml")),
        ("valid_examples", ("uploaded-company.xml", EXAMPLE.read_bytes(), "application/xml")),
    ]
    return {"data": data, "files": files}


@pytest.fixture
def live(make_server: MakeServer) -> LiveServer:
    return make_server(validation_workers=1)


def test_the_forms_are_linked_and_shown(live: LiveServer) -> None:
    with live.client() as client:
        interface = client.get("/interfaces/busreg-company").text
        assert 'href="/interfaces/busreg-company/publish"' in interface
        assert 'href="/agencies/busreg/publish"' in client.get("/agencies/busreg").text
        forms = client.get("/interfaces/busreg-company/publish")
        assert forms.status_code == 200
        for action in ("version", "metadata", "status", "deprecate"):
            assert f'action="/interfaces/busreg-company/publish/{action}"' in forms.text
        assert forms.text.count('type="password"') == 4
        assert 'value="https://ws.busreg.example.gov/company"' in forms.text  # prefilled
        german = client.get("/agencies/busreg/publish?lang=de")
        assert "Eine neue Schnittstelle von" in german.text
        assert client.get("/interfaces/nope/publish").status_code == 404
        assert client.get("/agencies/nope/publish").status_code == 404


def test_a_publishers_new_version_is_proposed_an_admins_stored(live: LiveServer) -> None:
    publisher = live.token("publisher", "busreg")
    proposed = post(
        live, "/interfaces/busreg-company/publish/version", **new_version_form(publisher)
    )
    assert proposed.status_code == 202, proposed.text
    assert "Proposed, awaiting review" in proposed.text
    assert (URIRef(BUSREG), DCAT.hasVersion, URIRef(f"{BUSREG}/2.2.0")) not in record(
        live, "busreg-company"
    )

    admin = live.token("admin")
    stored = post(live, "/interfaces/busreg-company/publish/version", **new_version_form(admin))
    assert stored.status_code == 200, stored.text
    graph = record(live, "busreg-company")
    new = URIRef(f"{BUSREG}/2.2.0")
    assert graph.value(new, ADMS.status) == STATUS.UnderDevelopment
    assert graph.value(new, DCAT.previousVersion) == URIRef(f"{BUSREG}/2.1.0")
    example = URIRef(f"{new}/CompanyExtract/example/uploaded-company.xml")
    assert str(graph.value(example, NIF.expectedVerdict)) == "valid"
    assert str(graph.value(example, DCAT.downloadURL)).endswith(
        "/files/busreg-company/examples/2.2.0/CompanyExtract/uploaded-company.xml"
    )
    copied = URIRef(f"{new}/CompanyExtractRequest/example/valid-as-of.xml")
    assert str(graph.value(copied, DCAT.downloadURL)).endswith(
        "examples/2.2.0/CompanyExtractRequest/valid-as-of.xml"
    )
    again = post(live, "/interfaces/busreg-company/publish/version", **new_version_form(admin))
    assert again.status_code == 400
    assert "already has a version 2.2.0" in again.text
    assert 'value="2.2.0"' in again.text  # what was typed stays


def test_metadata_status_and_deprecation_are_stored(live: LiveServer) -> None:
    token = live.token("publisher", "civreg")
    base = "/interfaces/civreg-address/publish/"
    data = {
        "title_en": "Address lookup",
        "title_de": "Adressabfrage",
        "title_fr": "Recherche postale",
        "description_en": "Agencies look up a registered address.",
        "endpoint": "https://api.civreg.example.gov/address",
        "token": token,
    }
    assert post(live, base + "metadata", data).status_code == 200
    graph = record(live, "civreg-address")
    titles = {t.language: str(t) for t in graph.objects(URIRef(ADDRESS), DCTERMS.title)}
    assert titles == {"en": "Address lookup", "de": "Adressabfrage", "fr": "Recherche postale"}

    done = post(
        live,
        base + "deprecate",
        {"version": "1.0.0", "end_date": "2027-06-30", "successor": "2.0.0", "token": token},
    )
    assert done.status_code == 200, done.text
    graph = record(live, "civreg-address")
    old = URIRef(f"{ADDRESS}/1.0.0")
    assert graph.value(old, ADMS.status) == STATUS.Deprecated
    assert graph.value(old, DCTERMS.isReplacedBy) == URIRef(f"{ADDRESS}/2.0.0")
    period = graph.value(old, DCTERMS.temporal)
    assert str(graph.value(period, DCAT.endDate)) == "2027-06-30"

    bad = post(
        live, base + "deprecate", {"version": "1.0.0", "end_date": "30.06.2027", "token": token}
    )
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.text and 'value="30.06.2027"' in bad.text

    withdrawn = post(
        live, base + "status", {"version": "1.0.0", "status": "Withdrawn", "token": token}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert record(live, "civreg-address").value(old, ADMS.status) == STATUS.Withdrawn


def test_a_new_interface_with_its_first_version(live: LiveServer) -> None:
    xsd = DEMO / "interfaces/civreg-birth/schemas/1.0.0/birth.xsd"
    valid = DEMO / "interfaces/civreg-birth/examples/1.0.0/BirthNotification/valid-newborn.xml"
    data = {
        "identifier": "civreg-birth-notice",
        "title_en": "Birth notice",
        "title_fr": "Avis de naissance",
        "description_en": "Hospitals notify births.",
        "endpoint": "https://api.civreg.example.gov/notice",
        "transport": "rest",
        "version": "1.0.0",
        "mt_identifier": "BirthNotification",
        "mt_title": "Birth notification",
        "mt_schema": "birth.xsd",
        "mt_root_namespace": "urn:nif:demo:civreg:birth:1",
        "mt_root_name": "BirthNotification",
        "token": live.token("admin"),
    }
    files = [
        ("files", ("birth.xsd", xsd.read_bytes(), "application/xml")),
        ("valid_examples", ("valid-newborn.xml", valid.read_bytes(), "application/xml")),
    ]
    done = post(live, "/agencies/civreg/publish", data, files)
    assert done.status_code == 200, done.text
    graph = record(live, "civreg-birth-notice")
    version = URIRef("https://registry.nif.example/interface/civreg-birth-notice/1.0.0")
    assert graph.value(version, DCAT.version) is not None
    taken = post(live, "/agencies/civreg/publish", data, files)
    assert taken.status_code == 400 and "is taken" in taken.text


FORM_OPS = ["form-version", "form-metadata", "form-status", "form-deprecate", "form-interface"]
"""Each form as an operation of the matrix: all on civreg's records (publisher-A's)."""
CIVREG_OK = {"form-version": 202, "form-metadata": 200, "form-status": 200}
CIVREG_OK |= {"form-deprecate": 200, "form-interface": 202}
ADMIN_OK = {**CIVREG_OK, "form-version": 200, "form-interface": 200}
FORM_EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": dict.fromkeys(FORM_OPS, 401),
    "publisher-A": CIVREG_OK,
    "publisher-B": dict.fromkeys(FORM_OPS, 403),
    "certifier": dict.fromkeys(FORM_OPS, 403),
    "admin": ADMIN_OK,
    "revoked": dict.fromkeys(FORM_OPS, 401),
    "unknown": dict.fromkeys(FORM_OPS, 401),
    "malformed": dict.fromkeys(FORM_OPS, 401),
}


def form_operation(live: LiveServer, op: str, token: str | None) -> httpx.Response:
    base = "/interfaces/civreg-address/publish/"
    match op:
        case "form-version":
            return post(
                live, base + "version", {"from": "2.0.0", "version": "2.1.0", "token": token or ""}
            )
        case "form-metadata":
            data = {"title_en": "Address lookup (revised)", "token": token or ""}
            return post(
                live,
                base + "metadata",
                data | {"endpoint": "https://api.civreg.example.gov/address"},
            )
        case "form-status":
            return post(
                live,
                base + "status",
                {"version": "2.0.0", "notes_de": "Geändert.", "token": token or ""},
            )
        case "form-deprecate":
            return post(
                live,
                base + "deprecate",
                {"version": "1.0.0", "successor": "2.0.0", "token": token or ""},
            )
        case _:
            xsd = DEMO / "interfaces/civreg-birth/schemas/1.0.0/birth.xsd"
            data = {
                "identifier": "civreg-marriage",
                "title_en": "Marriage",
                "endpoint": "https://api.civreg.example.gov/marriage",
                "token": token or "",
            }
            return post(
                live,
                "/agencies/civreg/publish",
                data,
                [("files", (xsd.name, xsd.read_bytes(), "application/xml"))],
            )


@pytest.mark.parametrize("who", WHO)
def test_authorisation_matrix_of_the_forms(make_server: MakeServer, who: str) -> None:
    """Each form as `who`: the status, the translated refusal, nothing stored when refused,
    the audit entry, and the token never shown back."""
    live = make_server(validation_workers=1)
    token = credentials(live, who)
    for op in FORM_OPS:
        before = sorted_ntriples(record(live, "civreg-address"))
        answer = form_operation(live, op, token)
        expected = FORM_EXPECTED[who][op]
        assert answer.status_code == expected, (op, answer.text[:2000])
        assert answer.headers["content-type"].startswith("text/html")
        if expected >= 400:
            assert 'role="alert"' in answer.text
            assert sorted_ntriples(record(live, "civreg-address")) == before, op
        if token:
            assert token not in answer.text and token.split("_")[-1] not in answer.text
        with live.client(live.token("admin", name="auditor")) as client:
            entry = client.get("/api/audit").json()["entries"][0]
        assert entry["action"] == ("propose" if expected == 202 else "submit"), (op, entry)
        if expected >= 400:
            assert entry["outcome"] == "refused", (op, entry)


def test_the_form_stores_the_record_the_cli_scaffold_gives(
    live: LiveServer, tmp_path: Path
) -> None:
    """A new version from the form and from `new-version` + submit: the same record."""
    data = {"from": "2.1.0", "version": "2.2.0", "token": live.token("admin")}
    assert post(live, "/interfaces/busreg-company/publish/version", data).status_code == 200
    from_form = record(live, "busreg-company")

    folder = tmp_path / "registry"
    shutil.copytree(DEMO / "interfaces/busreg-company", folder / "interfaces/busreg-company")
    settings = Settings(home=tmp_path / "home")
    scaffold_version(folder, "busreg-company", "2.1.0", "2.2.0", settings)
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        registry.submit(DEMO / "agencies/busreg.ttl")
        registry.submit(folder / "interfaces/busreg-company")
        from_cli = registry.read("busreg-company").graph
    assert sorted_ntriples(from_form) == sorted_ntriples(from_cli)


def test_a_publishers_move_to_completed_is_proposed(live: LiveServer) -> None:
    token = live.token("publisher", "busreg")
    data = {"version": "3.0.0-beta.1", "status": "Completed", "current": "1", "token": token}
    answer = post(live, "/interfaces/busreg-company/publish/status", data)
    assert answer.status_code == 202, answer.text[:2000]
    assert 'href="/proposals/' in answer.text
    graph = record(live, "busreg-company")
    beta = URIRef(f"{BUSREG}/3.0.0-beta.1")
    assert graph.value(beta, ADMS.status) == STATUS.UnderDevelopment  # until accepted
    assert graph.value(URIRef(BUSREG), DCAT.hasCurrentVersion) == URIRef(f"{BUSREG}/2.1.0")


def test_a_json_interface_with_a_discriminator_and_both_kinds_of_example(
    live: LiveServer,
) -> None:
    """A JSON message type told apart by a JSON Pointer; its schema's `$ref` to a second
    uploaded file is pinned too; an example uploaded as valid that is invalid is refused."""
    schemas = DEMO / "interfaces/civreg-address/schemas/1.0.0"
    examples = DEMO / "interfaces/civreg-address/examples/1.0.0/AddressLookupResponse"
    data = {
        "identifier": "civreg-address-lite",
        "title_en": "Address lookup (lite)",
        "endpoint": "https://api.civreg.example.gov/address-lite",
        "mt_identifier": "AddressLookupResponse",
        "mt_direction": "response",
        "mt_media": "application/json",
        "mt_schema": "address-lookup-response.schema.json",
        "mt_disc_path": "/messageType",
        "mt_disc_value": "AddressLookupResponse",
        "token": live.token("admin"),
    }

    def upload(field: str, path: Path) -> tuple[str, tuple[str, bytes, str]]:
        return (field, (path.name, path.read_bytes(), "application/json"))

    files = [upload("files", schemas / n) for n in sorted(p.name for p in schemas.iterdir())]
    wrong = [*files, upload("valid_examples", examples / "invalid-bad-postcode.json")]
    refused = post(live, "/agencies/civreg/publish", data, wrong)
    assert refused.status_code == 422, refused.text[:2000]
    assert "invalid-bad-postcode.json" in refused.text
    with live.client() as client:
        assert client.get("/api/records/civreg-address-lite").status_code == 404

    files += [
        upload("valid_examples", examples / "valid-no-address.json"),
        upload("invalid_examples", examples / "invalid-bad-postcode.json"),
    ]
    stored = post(live, "/agencies/civreg/publish", data, files)
    assert stored.status_code == 200, stored.text[:2000]
    graph = record(live, "civreg-address-lite")
    message = URIRef(
        "https://registry.nif.example/interface/civreg-address-lite/1.0.0/AddressLookupResponse"
    )
    verdicts = {
        str(graph.value(e, DCTERMS.title)): str(graph.value(e, NIF.expectedVerdict))
        for e in graph.objects(message, NIF.example)
    }
    assert verdicts == {"valid-no-address.json": "valid", "invalid-bad-postcode.json": "invalid"}
