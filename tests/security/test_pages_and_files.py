"""Pages, files and restarts (issue 11, §5).

Links from record data are links only for http, https and mailto; every answer carries the
browser security headers; a form post from another site is refused and changes nothing.
NIF_HOME is private (folders 0700, files 0600, SQLite's -wal/-shm too). A `nif serve
--load-demo` killed between storing the demo records and issuing its certificates finishes the
demo at the next start; what a killed process left in the staging folder is removed at start,
refusals do not show server paths, and validation workers die with the service.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nif.certify._demo import demo_evidence
from tests.conftest import ROOT
from tests.web.certification import BIRTH, evidence_zip
from tests.web.conftest import LiveServer, demo_home, make_server  # noqa: F401 (fixtures)
from tests.web.messages import heavy_company_extract
from tests.web.test_pages import HTML

NIF = [sys.executable, "-m", "nif"]

EVIL_AGENCY = """\
@prefix dct: <http://purl.org/dc/terms/> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .

<https://registry.nif.example/agency/evil> a org:Organization, cv:PublicOrganisation, foaf:Agent ;
  dct:identifier "evil" ;
  skos:prefLabel "Evil Agency"@en ;
  foaf:name "Evil Agency"@en ;
  foaf:homepage <javascript:alert(document.domain)> ;
  dcat:contactPoint [ a vcard:Organization ;
                      vcard:fn "Evil contact" ;
                      vcard:hasURL <JavaScript:alert(2)> ;
                      vcard:hasEmail <mailto:evil@example.org> ] .
"""


@pytest.fixture
def live(make_server) -> LiveServer:  # noqa: F811 (the fixture imported above)
    return make_server(validation_workers=1)


# links


def test_a_javascript_homepage_from_a_record_is_not_a_link(live: LiveServer) -> None:
    with live.client(live.token("admin")) as api:
        stored = api.put(
            "/api/records/evil", content=EVIL_AGENCY, headers={"Content-Type": "text/turtle"}
        )
        assert stored.status_code == 201, stored.text
        page = api.get("/agencies/evil", headers=HTML)
        busreg = api.get("/agencies/busreg", headers=HTML).text
    assert page.status_code == 200
    hrefs = re.findall(r'href="([^"]*)"', page.text)
    assert not [h for h in hrefs if not h.startswith(("/", "#", "http:", "https:", "mailto:"))]
    assert "javascript:alert(document.domain)" in page.text  # shown as text
    assert 'href="mailto:evil@example.org"' in page.text  # mailto stays a link
    assert 'href="https://busreg.example.gov/"' in busreg  # so does https


# headers


PAGES = (
    "/",
    "/agencies",
    "/agencies/busreg",
    "/interfaces/civreg-birth",
    "/self-test",
    "/query",
    "/certification/civreg-birth/2.0.0",
    "/no-such-page",
    "/static/nif.css",
)
API = ("/api/agencies", "/health", "/sparql?query=ASK%7B%7D", "/openapi.json", "/api/nothing")
FEEDS = ("/interfaces/civreg-birth/feed.atom", "/agencies/busreg/feed.atom")


def _policy(answer: httpx.Response) -> dict[str, str]:
    policy = answer.headers.get("content-security-policy", "")
    directives = (d.strip().split(None, 1) for d in policy.split(";") if d.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def test_every_answer_carries_the_browser_security_headers(live: LiveServer) -> None:
    with live.client() as client:
        answers = {p: client.get(p, headers=HTML) for p in PAGES}
        answers |= {p: client.get(p) for p in (*API, *FEEDS)}
        answers["/docs"] = client.get("/docs")
        answers["/redoc"] = client.get("/redoc")
        answers["POST /query"] = client.post("/query", data={"query": "ASK {}"}, headers=HTML)
    for what, answer in answers.items():
        assert answer.headers.get("x-content-type-options") == "nosniff", what
        assert answer.headers.get("x-frame-options") == "DENY", what
        assert answer.headers.get("referrer-policy") == "same-origin", what
        policy = _policy(answer)
        assert policy.get("frame-ancestors") == "'none'", (what, policy)
        script = policy.get("script-src", policy.get("default-src"))
        assert script is not None and "'unsafe-inline'" not in script, (what, policy)
    for path in (*PAGES[:-1], *FEEDS):  # nif's own pages run no script at all
        assert _policy(answers[path])["script-src"] == "'none'", path
        assert "<script" not in answers[path].text and " style=" not in answers[path].text
    assert answers["/docs"].status_code == 200 and "swagger-ui" in answers["/docs"].text


# cross-site forms


def _runs(live: LiveServer) -> int:
    with sqlite3.connect(live.home / "certification.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])


CROSS_SITE = (
    {"Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null"},
)


def test_a_cross_site_form_post_is_refused_and_changes_nothing(live: LiveServer) -> None:
    token = live.token("certifier")
    form = {"mode": "evidence", "agency": "civreg", "token": token}
    files = {"evidence": ("evidence.zip", evidence_zip(*BIRTH), "application/zip")}
    page = "/certification/civreg-birth/2.0.0/run"
    with live.client() as client:
        for sent_from in CROSS_SITE:
            refused = client.post(page, data=form, files=files, headers={**HTML, **sent_from})
            assert refused.status_code == 403, (sent_from, refused.text[:500])
            assert "another site" in refused.text and "<h1>" in refused.text  # the HTML page
            revoked = client.post(
                "/certificates/cert-20260101-00000000/revoke",
                data={"token": token, "reason": "x"},
                headers=sent_from,
            )
            assert revoked.status_code == 403 and revoked.json()["error"] == "forbidden"
        assert _runs(live) == 0
        own = {"Sec-Fetch-Site": "same-origin", "Origin": live.url}
        accepted = client.post(page, data=form, files=files, headers={**HTML, **own})
    assert accepted.status_code == 200, accepted.text[:500]
    assert _runs(live) == 1


# a real `nif serve`, to kill


class Service:
    """`nif serve` in its own process over `home`: its URL, and the process to kill."""

    def __init__(self, home: Path, *args: str, workers: int = 1, **env: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = home.parent / f"serve-{port}.log"
        environment = {**os.environ, "NIF_VALIDATION_WORKERS": str(workers), **env}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*NIF, "serve", "--home", str(home), "--port", str(port), *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=home.parent,
            )

    def wait_ready(self, limit: float = 300) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"nif serve ended: {self.log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"nif serve did not answer: {self.log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        self.process.wait(60)

    def workers(self) -> list[int]:
        """The validation workers' process ids (children spawned by multiprocessing)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat_line = (entry / "stat").read_text()
                ppid = int(stat_line.rsplit(")", 1)[1].split()[1])
                if ppid == self.process.pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
        return found


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop(signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat_file:  # a dead child not yet reaped is a zombie
            return stat_file.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _copy_of_demo(demo_home: Path, tmp_path: Path) -> Path:  # noqa: F811 (the fixture)
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    return home


# NIF_HOME


def test_everything_in_nif_home_is_private(
    demo_home: Path,  # noqa: F811 (the fixture)
    tmp_path: Path,
    services: list[Service],
) -> None:
    home = _copy_of_demo(demo_home, tmp_path)  # made by this process: 0644 files, 0755 folders
    subprocess.run(
        [*NIF, "token", "create", "--name", "t", "--role", "admin", "--home", str(home)],
        check=True,
        capture_output=True,
    )
    token = subprocess.run(
        [*NIF, "token", "create", "--name", "c", "--role", "certifier", "--home", str(home)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    services.append(service := Service(home))
    service.wait_ready()
    newborn = ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification"
    with httpx.Client(base_url=service.url, timeout=120) as client:
        checked = client.post("/api/validate", content=(newborn / "valid-newborn.xml").read_bytes())
        assert checked.status_code == 200, checked.text
        ran = client.post(
            "/certification/civreg-birth/2.0.0/run",
            data={"mode": "evidence", "agency": "civreg", "token": token},
            files={"evidence": ("evidence.zip", evidence_zip(*BIRTH), "application/zip")},
        )
        assert ran.status_code == 200, ran.text[:500]
        agency = (ROOT / "registry/agencies/tax.ttl").read_text()
        stored = client.put(
            "/api/records/tax",
            content=agency.replace("Tax", "Tax and Customs", 1),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
        )
        assert stored.status_code in (401, 403)  # a certifier may not: audited all the same
    names = {p.name for p in home.rglob("*")}
    for expected in ("secrets.sqlite-wal", "registry.sqlite-wal", "certification.sqlite-shm"):
        assert expected in names
    assert (home / "evidence").is_dir()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    loose = [
        f"{stat.filemode(p.lstat().st_mode)} {p.relative_to(home)}"
        for p in home.rglob("*")
        if stat.S_IMODE(p.lstat().st_mode) != (0o700 if p.is_dir() else 0o600)
    ]
    assert not loose, loose


# restarts


def _audit(home: Path, action: str) -> list[tuple[str, str]]:
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(
            sqlite3.connect(f"file:{home / 'registry.sqlite'}?mode=ro", uri=True, timeout=1)
        ) as db,
    ):
        return db.execute("SELECT actor, outcome FROM audit WHERE action = ?", (action,)).fetchall()
    return []


def _runs_in(home: Path) -> int:
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(
            sqlite3.connect(f"file:{home / 'certification.sqlite'}?mode=ro", uri=True, timeout=1)
        ) as db,
    ):
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])
    return 0


@pytest.mark.slow
def test_a_demo_killed_after_its_records_finishes_at_the_next_start(
    tmp_path: Path, services: list[Service]
) -> None:
    home = tmp_path / "home"
    services.append(first := Service(home, "--load-demo"))
    deadline = time.monotonic() + 600
    while ("nif serve (demo registry)", "stored") not in _audit(home, "load"):
        assert first.process.poll() is None, first.log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the demo records were not stored"
        time.sleep(0.005)
    first.process.send_signal(signal.SIGSTOP)  # frozen between the records and the certificates
    assert _runs_in(home) == 0, "the demo's certificates were under way before the kill"
    first.stop(signal.SIGKILL)

    services.append(second := Service(home, "--load-demo"))
    second.wait_ready()
    with httpx.Client(base_url=second.url, timeout=60) as client:
        certificates = client.get("/api/certificates").json()["certificates"]
    held = {(c["agency"], c["interface"], c["version"], c["state"]) for c in certificates}
    assert held == {(a, i, v, "certified") for a, i, v, _ in demo_evidence()}
    assert len(_audit(home, "load")) == 1  # the records were not loaded twice


def test_staging_leftovers_of_a_killed_process_are_removed_at_start(
    demo_home: Path,  # noqa: F811 (the fixture)
    tmp_path: Path,
    services: list[Service],
) -> None:
    home = _copy_of_demo(demo_home, tmp_path)
    left = [home / "staging" / "staging-k1ll3d" / "ab", home / "staging" / "upload-k1ll3d"]
    for folder in left:
        folder.mkdir(parents=True)
        (folder / "bundle-secret.zip").write_bytes(b"PK left behind")
    services.append(service := Service(home))
    service.wait_ready()
    assert not [p for p in (home / "staging").iterdir()], "leftovers still there"


def test_a_refused_bundle_upload_names_no_server_path(live: LiveServer) -> None:
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("interface.ttl", "@prefix x: <urn:x#> .\nx:a x:b x:c .\ngarbage here .\n")
    with live.client(live.token("admin")) as api:
        refused = api.put(
            "/api/records/civreg-birth",
            content=bundle.getvalue(),
            headers={"Content-Type": "application/zip"},
        )
    assert refused.status_code == 400, refused.text
    message = refused.json()["message"]
    assert "interface.ttl: line 3" in message
    for server_side in (str(live.home), "/tmp", "nif-bundle", "staging", "upload-", "file:"):
        assert server_side not in message, message


@pytest.mark.slow
def test_validation_workers_end_with_a_killed_service(
    demo_home: Path,  # noqa: F811 (the fixture)
    tmp_path: Path,
    services: list[Service],
) -> None:
    home = _copy_of_demo(demo_home, tmp_path)
    services.append(service := Service(home, NIF_STEP_TIMEOUT="900"))
    service.wait_ready()
    [worker] = service.workers()
    heavy = heavy_company_extract(40_000)  # minutes of Schematron on this worker

    def send() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{service.url}/api/validate", content=heavy, timeout=900)

    threading.Thread(target=send, daemon=True).start()
    started = _cpu_seconds(worker)
    deadline = time.monotonic() + 120
    while _cpu_seconds(worker) < started + 2:  # busy checking, not waiting on its pipe
        assert time.monotonic() < deadline, "the worker never started the check"
        time.sleep(0.1)
    service.stop(signal.SIGKILL)
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the validation worker outlived the service it belonged to")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
