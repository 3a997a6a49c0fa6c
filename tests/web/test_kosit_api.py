"""The validation API on an interface version imported from a KoSIT configuration."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nif.registry import KositImport, Registry, import_kosit
from nif.settings import Settings
from nif.web import create_app
from tests.kosit_config import build_config
from tests.validate.kosit.conftest import CII_INVOICE as CII
from tests.validate.kosit.conftest import UBL_INVOICE as UBL
from tests.validate.kosit.conftest import bad_type_code
from tests.web.conftest import LiveServer, _serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kosit_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A UBL + CII configuration as a zip (the folder beside it, without the suffix)."""
    return build_config(tmp_path_factory.mktemp("kosit-config") / "config", as_zip=True)


@pytest.fixture(scope="module")
def kosit_server(
    demo_home: Path, kosit_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo registry plus einvoice@1.0.0 imported from a UBL + CII configuration."""
    home = tmp_path_factory.mktemp("kosit-home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    settings = Settings(home=home)
    config = kosit_config
    spec = KositImport("einvoice", "1.0.0", "tax", endpoint="https://api.tax.example.gov/einvoice")
    with Registry.open(settings) as registry:
        import_kosit(registry, config, spec, actor="tests")
    uv, thread, port = _serve(create_app(settings))
    yield LiveServer(f"http://127.0.0.1:{port}", settings, home)
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def client(kosit_server: LiveServer) -> Iterator[httpx.Client]:
    with kosit_server.client() as c:
        yield c


def test_the_api_validates_with_the_scenario_whose_match_holds(client: httpx.Client) -> None:
    named = client.post(
        "/api/validate", params={"interface": "einvoice@1.0.0"}, content=UBL.read_bytes()
    )
    assert named.status_code == 200, named.text
    report = named.json()
    assert (report["verdict"], report["profile"]) == ("valid", "einvoice@1.0.0/EN16931-UBL-Invoice")
    kosit = [s for s in report["steps"] if s["name"].startswith("kosit:")]
    assert [s.get("scenario") for s in kosit] == ["EN16931 UBL Invoice"]
    detected = client.post("/api/validate", content=CII.read_bytes()).json()
    assert (detected["verdict"], detected["profile"]) == ("valid", "einvoice@1.0.0/EN16931-CII")


def test_a_broken_rule_is_invalid_through_the_api(client: httpx.Client) -> None:
    report = client.post(
        "/api/validate", params={"interface": "einvoice@1.0.0"}, content=bad_type_code()
    ).json()
    assert report["verdict"] == "invalid"
    assert "BR-CL-01" in {f["rule_id"] for f in report["findings"]}


def test_the_catalogue_shows_the_configuration_and_its_scenarios(client: httpx.Client) -> None:
    answer = client.get("/api/interfaces/einvoice")
    assert answer.status_code == 200, answer.text
    text = answer.text
    assert "KoSITConfiguration" in text and "EN16931-UBL-Invoice" in text
    page = client.get("/interfaces/einvoice")
    assert page.status_code == 200 and "EN16931-CII" in page.text


def test_an_agency_resubmits_the_record_as_a_bundle_over_http(
    kosit_server: LiveServer, kosit_config: Path, client: httpx.Client
) -> None:
    """No route of its own: the bundle PUT takes a KoSIT record with its configuration."""
    record = client.get("/api/records/einvoice", headers={"Accept": "text/turtle"}).text
    before = client.get("/api/records/einvoice/history").json()["versions"][-1]["sha256"]
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as out:
        out.writestr("interface.ttl", record)
        folder = kosit_config.with_suffix("")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out.write(path, "kosit/1.0.0/" + path.relative_to(folder).as_posix())
    with kosit_server.client(kosit_server.token("publisher", "tax")) as writer:
        answer = writer.put(
            "/api/records/einvoice",
            content=bundle.getvalue(),
            headers={"Content-Type": "application/zip"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["records"][0]["sha256"] == before
