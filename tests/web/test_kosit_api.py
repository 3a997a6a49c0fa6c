"""The validation API on an interface version imported from a KoSIT configuration."""

from __future__ import annotations

import base64
import io
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from lxml import etree

from nif.registry import (
    Chooser,
    KositImport,
    Registry,
    Target,
    Task,
    ValidationWorker,
    import_kosit,
    pinned_target,
)
from nif.report import Verdict, render_kosit
from nif.settings import Settings
from nif.validate import KOSIT, Profile, StepSpec, load_kosit, validate
from nif.web import create_app
from tests.conftest import ROOT
from tests.kosit_config import build_config
from tests.validate.kosit.conftest import CII_INVOICE as CII
from tests.validate.kosit.conftest import UBL_INVOICE as UBL
from tests.validate.kosit.conftest import bad_type_code
from tests.web.conftest import LiveServer, _serve

pytestmark = pytest.mark.slow

REP = "{http://www.xoev.de/de/validator/varl/1}"
NEWBORN = (
    ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification/valid-newborn.xml"
)


@pytest.fixture(scope="module")
def kosit_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A UBL + CII configuration as a zip (the folder beside it, without the suffix)."""
    return build_config(tmp_path_factory.mktemp("kosit-config") / "config", as_zip=True)


@pytest.fixture(scope="module")
def kosit_home(
    demo_home: Path, kosit_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo registry plus einvoice@1.0.0 imported from a UBL + CII configuration."""
    home = tmp_path_factory.mktemp("kosit-home")
    shutil.copytree(demo_home, home, dirs_exist_ok=True)
    spec = KositImport("einvoice", "1.0.0", "tax", endpoint="https://api.tax.example.gov/einvoice")
    with Registry.open(Settings(home=home)) as registry:
        import_kosit(registry, kosit_config, spec, actor="tests")
    return home


@pytest.fixture(scope="module")
def ubl_target(kosit_home: Path) -> Target:
    """The UBL invoice's type with its pins, read before the service holds the store."""
    with Registry.open(Settings(home=kosit_home)) as registry:
        chooser = Chooser(registry.store, registry.settings, None)
        return pinned_target(registry.store, chooser.choose(UBL.read_bytes()))


@pytest.fixture(scope="module")
def kosit_server(kosit_home: Path, ubl_target: Target) -> Iterator[LiveServer]:
    """The service over `kosit_home` (after `ubl_target`: the embedded store serves one
    process at a time)."""
    settings = Settings(home=kosit_home)
    uv, thread, port = _serve(create_app(settings))
    yield LiveServer(f"http://127.0.0.1:{port}", settings, kosit_home)
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


def _kosit_bundle(client: httpx.Client, kosit_config: Path) -> bytes:
    """The stored einvoice record with its configuration's files, as an agency sends it."""
    record = client.get("/api/records/einvoice", headers={"Accept": "text/turtle"}).text
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as out:
        out.writestr("interface.ttl", record)
        folder = kosit_config.with_suffix("")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out.write(path, "kosit/1.0.0/" + path.relative_to(folder).as_posix())
    return bundle.getvalue()


def _put(live: LiveServer, token: str | None, bundle: bytes) -> httpx.Response:
    with live.client(token) as writer:
        return writer.put(
            "/api/records/einvoice",
            content=bundle,
            headers={"Content-Type": "application/zip"},
        )


def test_an_agency_resubmits_the_record_as_a_bundle_over_http(
    kosit_server: LiveServer, kosit_config: Path, client: httpx.Client
) -> None:
    """No route of its own: the bundle PUT takes a KoSIT record with its configuration."""
    before = client.get("/api/records/einvoice/history").json()["versions"][-1]["sha256"]
    bundle = _kosit_bundle(client, kosit_config)
    answer = _put(kosit_server, kosit_server.token("publisher", "tax"), bundle)
    assert answer.status_code == 200, answer.text
    assert answer.json()["records"][0]["sha256"] == before


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), (("publisher", "civreg"), 403), (("certifier", None), 403)],
    ids=["anonymous", "another-agency", "certifier"],
)
def test_only_the_owner_may_submit_a_kosit_record(
    kosit_server: LiveServer,
    kosit_config: Path,
    client: httpx.Client,
    who: tuple[str, str | None] | None,
    status: int,
) -> None:
    """The authorisation matrix of the bundle PUT, for a record carrying a configuration."""
    history = client.get("/api/records/einvoice/history").json()["versions"]
    token = kosit_server.token(*who) if who else None
    answer = _put(kosit_server, token, _kosit_bundle(client, kosit_config))
    assert answer.status_code == status, answer.text
    assert client.get("/api/records/einvoice/history").json()["versions"] == history


# --- the KoSIT report: ?format=kosit ----------------------------------------------------------

_TIMESTAMP = re.compile(r"<rep:timestamp>[^<]*</rep:timestamp>")
_NIF_COMMENT = re.compile(r"<!-- nif [^>]*-->\n")


def _untimed(text: str) -> str:
    """The report without the parts that differ between two runs: when it was written, and
    nif's comment before the root (when, and the registered version the service names)."""
    return _TIMESTAMP.sub("<rep:timestamp/>", _NIF_COMMENT.sub("", text, count=1))


def _in_process(config: Path, content: bytes, scenario: str, source: str) -> str:
    """What the configuration's report XSLT writes for the message, run here, not by a service."""
    profile = Profile((StepSpec(KOSIT, load_kosit(config), scenario=scenario),))
    return render_kosit(validate(content, profile, source=source))


@pytest.mark.parametrize(
    ("content", "scenario", "accepted"),
    [
        (UBL.read_bytes, "EN16931 UBL Invoice", True),
        (bad_type_code, "EN16931 UBL Invoice", False),
        (CII.read_bytes, "EN16931 CII", True),
    ],
    ids=["ubl", "ubl-broken-rule", "cii-detected"],
)
def test_format_kosit_is_the_report_the_configuration_wrote(
    client: httpx.Client,
    kosit_config: Path,
    content: Callable[[], bytes],
    scenario: str,
    accepted: bool,
) -> None:
    message = content()
    params = {"format": "kosit"}
    if scenario != "EN16931 CII":  # the CII message's type is detected
        params["interface"] = "einvoice@1.0.0"
    answer = client.post("/api/validate", params=params, content=message)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml"
    # the report may copy message text: served as data, never run (no script, no sniffing)
    assert "script-src 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    root = etree.fromstring(answer.content)
    assert root.tag == f"{REP}report"
    assert (root.find(f"{REP}assessment/{REP}accept") is not None) is accepted
    expected = _in_process(kosit_config, message, scenario, "request body")
    assert _untimed(answer.text) == _untimed(expected)
    assert "; interface einvoice 1.0.0, message type " in answer.text.split("<rep:report", 1)[0]


def test_the_form_field_asks_for_the_kosit_report_too(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        data={"interface": "einvoice@1.0.0", "format": "kosit"},
        files={"file": ("invoice.xml", UBL.read_bytes(), "application/xml")},
    )
    assert answer.status_code == 200, answer.text
    assert etree.fromstring(answer.content).tag == f"{REP}report"


def test_accept_application_xml_is_still_junit(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        params={"interface": "einvoice@1.0.0"},
        content=UBL.read_bytes(),
        headers={"Accept": "application/xml"},
    )
    assert answer.status_code == 200, answer.text
    assert etree.fromstring(answer.content).tag == "testsuites"


def test_a_version_that_is_not_a_kosit_configuration_is_406(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        params={"interface": "civreg-birth@2.0.0", "format": "kosit"},
        content=NEWBORN.read_bytes(),
    )
    assert answer.status_code == 406, answer.text
    body = answer.json()
    assert body["error"] == "not_acceptable"
    assert "civreg-birth@2.0.0/BirthNotification" in body["message"]
    assert "not validated by a KoSIT configuration" in body["message"]


def test_no_kosit_report_is_a_422_with_nifs_report(client: httpx.Client) -> None:
    """A message that is not well-formed reaches no KoSIT step: nothing to hand back."""
    answer = client.post(
        "/api/validate",
        params={"interface": "einvoice@1.0.0", "format": "kosit"},
        content=UBL.read_bytes()[:-40],
    )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "no_kosit_report"
    assert "no KoSIT report" in body["message"] and "invalid" in body["message"]
    assert body["details"]["verdict"] == "invalid"
    assert "line" in body["message"]


@pytest.mark.parametrize(
    "how",
    [{"params": {"format": "kosit"}}, {"data": {"format": "kosit"}}],
    ids=["query", "form"],
)
def test_a_batch_cannot_have_the_kosit_report(
    client: httpx.Client, how: dict[str, dict[str, str]]
) -> None:
    answer = client.post(
        "/api/validate/batch",
        files=[("files", ("a.xml", UBL.read_bytes())), ("files", ("b.xml", CII.read_bytes()))],
        **how,  # type: ignore[arg-type]
    )
    assert answer.status_code == 400, answer.text
    message = answer.json()["message"]
    assert "'kosit' is one message's report" in message and "POST /api/validate" in message


def test_the_openapi_document_lists_format_kosit_for_one_message(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def formats(path: str) -> tuple[set[str], set[str]]:
        operation = paths[path]["post"]
        (query,) = [p for p in operation["parameters"] if p["name"] == "format"]
        schema = query["schema"]
        listed = schema.get("enum") or [e for a in schema["anyOf"] for e in a.get("enum", [])]
        form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
        return set(listed), set(form["properties"]["format"]["enum"])

    assert formats("/api/validate") == ({"json", "junit", "text", "html", "kosit"},) * 2
    assert formats("/api/validate/batch") == ({"json", "junit", "text"},) * 2
    single = paths["/api/validate"]["post"]
    assert "format=kosit" in single["description"] and "406" in single["responses"]


def test_the_self_test_page_offers_the_kosit_report(client: httpx.Client) -> None:
    page = client.post(
        "/self-test",
        data={"target": "einvoice@1.0.0/EN16931-UBL-Invoice"},
        files={"file": ("invoice.xml", UBL.read_bytes(), "application/xml")},
    )
    assert page.status_code == 200, page.text
    links = re.findall(
        r'href="data:application/xml;charset=utf-8;base64,([^"]+)" download="([^"]+)"', page.text
    )
    found = {name: base64.b64decode(data) for data, name in links}
    assert set(found) == {"invoice.junit.xml", "invoice.kosit.xml"}
    assert etree.fromstring(found["invoice.kosit.xml"]).tag == f"{REP}report"
    other = client.post(
        "/self-test",
        data={"target": "civreg-birth@2.0.0/BirthNotification"},
        files={"file": ("newborn.xml", NEWBORN.read_bytes(), "application/xml")},
    )
    assert other.status_code == 200, other.text
    assert "newborn.kosit.xml" not in other.text and "newborn.junit.xml" in other.text


def test_the_worker_hands_back_the_kosit_report_only_when_asked(
    kosit_server: LiveServer, ubl_target: Target
) -> None:
    """Memory stays bounded: the raw KoSIT report crosses the worker's pipe for a request that
    asks for it, and the SVRL never does."""
    content = UBL.read_bytes()
    with ValidationWorker(kosit_server.settings) as worker:
        plain = worker.run(Task(content, "a.xml", ubl_target))
        asked = worker.run(Task(content, "b.xml", ubl_target, keep_kosit_report=True))
    assert plain.verdict == asked.verdict == Verdict.VALID
    assert [(s.svrl, s.kosit_report) for s in plain.steps] == [(None, None)] * len(plain.steps)
    assert [s.svrl for s in asked.steps] == [None] * len(asked.steps)
    assert etree.fromstring(render_kosit(asked).encode()).tag == f"{REP}report"


def test_a_message_no_scenario_matches_is_not_detected(client: httpx.Client) -> None:
    """The service picks the scenario as it detects a message type: none matching is the 422
    of any message no registered type matches, before the configuration runs."""
    answer = client.post(
        "/api/validate",
        params={"interface": "einvoice@1.0.0", "format": "kosit"},
        content=b"<Order xmlns='urn:x'/>",
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "not_detected"
