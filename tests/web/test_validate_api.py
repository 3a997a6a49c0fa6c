"""`POST /api/validate` and `/api/validate/batch` through a real server."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from pathlib import Path

import httpx
import pytest
from lxml import etree
from starlette.datastructures import FormData

from tests.conftest import ROOT

DEMO = ROOT / "registry" / "interfaces"
EXAMPLES = sorted(
    p for p in DEMO.glob("*/examples/*/*/*") if p.name.startswith(("valid", "invalid"))
)
BIRTH = DEMO / "civreg-birth" / "examples" / "2.0.0" / "BirthNotification"
NEWBORN = BIRTH / "valid-newborn.xml"
MOTHER_AFTER_CHILD = BIRTH / "invalid-mother-born-after-child.xml"
ADDRESS = DEMO / "civreg-address" / "examples" / "1.0.0" / "AddressLookupRequest"


RETIRED = {("civreg-birth", "1.0.0")}
"""Demo versions past their end date: every message to them gets verdict error (the lifecycle,
tests/registry/test_lifecycle.py and tests/web/test_lifecycle_pages.py)."""


def _expected(example: Path) -> tuple[str, str, str, str]:
    interface, _, version, message_type, name = example.parts[-5:]
    verdict = "valid" if name.startswith("valid") else "invalid"
    if (interface, version) in RETIRED:
        verdict = "error"
    return interface, version, message_type, verdict


def _error(answer: httpx.Response, status: int, *words: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status and body["error"] and body["message"]
    for word in words:
        assert word in body["message"], body["message"]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: "/".join(p.parts[-4:]))
def test_each_demo_example_by_detection(client: httpx.Client, example: Path) -> None:
    interface, version, message_type, verdict = _expected(example)
    answer = client.post("/api/validate", content=example.read_bytes())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    named = {k: report["context"][k] for k in ("interface", "version", "message_type")}
    assert named == {"interface": interface, "version": version, "message_type": message_type}
    assert report["context"]["status"] in {"Completed", "Deprecated", "UnderDevelopment"}
    assert report["verdict"] == verdict, report["findings"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: "/".join(p.parts[-4:]))
def test_each_demo_example_by_naming_the_interface(client: httpx.Client, example: Path) -> None:
    interface, version, message_type, verdict = _expected(example)
    answer = client.post(
        "/api/validate",
        params={"interface": f"{interface}@{version}", "message_type": message_type},
        files={"file": (example.name, example.read_bytes())},
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["source"] == example.name
    assert report["profile"] == f"{interface}@{version}/{message_type}"
    assert report["verdict"] == verdict, report["findings"]


def test_multipart_and_raw_body_give_the_same_report(client: httpx.Client) -> None:
    content = MOTHER_AFTER_CHILD.read_bytes()
    raw = client.post("/api/validate", content=content).json()
    form = client.post(
        "/api/validate",
        files={"file": ("mine.xml", content, "application/xml")},
        data={"interface": "civreg-birth", "version": "2.0.0"},
    ).json()
    assert raw["source"] == "request body" and form["source"] == "mine.xml"
    for key in ("sha256", "verdict", "profile", "counts"):
        assert raw[key] == form[key]
    assert [f["rule_id"] for f in raw["findings"]] == [f["rule_id"] for f in form["findings"]]


def test_a_multipart_form_is_closed_answered_or_refused(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = threading.Semaphore(0)
    close = FormData.close

    async def closing(form: FormData) -> None:
        await close(form)
        closed.release()

    monkeypatch.setattr(FormData, "close", closing)
    message = {"file": ("mine.xml", NEWBORN.read_bytes(), "application/xml")}
    answered = client.post("/api/validate", files=message)
    assert answered.status_code == 200, answered.text
    assert closed.acquire(timeout=10)
    conflict = {"interface": "civreg-birth", "version": "1.0.0"}
    refused = client.post("/api/validate/batch?version=2.0.0", files=message, data=conflict)
    assert refused.status_code == 400, refused.text
    assert closed.acquire(timeout=10)


def test_the_json_report_points_at_the_offending_line(client: httpx.Client) -> None:
    report = client.post("/api/validate", content=MOTHER_AFTER_CHILD.read_bytes()).json()
    assert report["verdict"] == "invalid"
    errors = [f for f in report["findings"] if f["severity"] in ("error", "fatal")]
    assert errors and all(f["location"].get("line") for f in errors)


@pytest.mark.parametrize(
    ("how", "media"),
    [
        ({"params": {"format": "junit"}}, "application/xml"),
        ({"headers": {"Accept": "application/xml"}}, "application/xml"),
        ({"params": {"format": "text"}}, "text/plain"),
        ({"headers": {"Accept": "text/plain"}}, "text/plain"),
        ({"params": {"format": "html"}}, "text/html"),
        ({"headers": {"Accept": "text/html,application/xhtml+xml;q=0.9"}}, "text/html"),
        ({"headers": {"Accept": "image/png;q=1, application/json;q=0.5"}}, "application/json"),
        ({"params": {"format": "json"}, "headers": {"Accept": "text/html"}}, "application/json"),
    ],
)
def test_each_format_by_query_or_accept(
    client: httpx.Client, how: dict[str, dict[str, str]], media: str
) -> None:
    answer = client.post("/api/validate", content=MOTHER_AFTER_CHILD.read_bytes(), **how)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media)
    text = answer.text
    if media == "application/xml":
        root = etree.fromstring(answer.content)
        assert root.tag == "testsuites" and int(root.get("failures")) >= 1
        verdict = root.find("testsuite/properties/property[@name='verdict']")
        assert verdict is not None and verdict.get("value") == "invalid"
    elif media == "text/plain":
        assert (text.startswith("INVALID") and "BR-" in text) or "schematron" in text
    elif media == "text/html":
        assert text.startswith("<!DOCTYPE html>") and "INVALID" in text
        assert "<script" not in text and "http" not in text.split("<main>")[0]
    else:
        assert json.loads(text)["verdict"] == "invalid"


def test_html_escapes_everything_the_message_controls(client: httpx.Client) -> None:
    hostile = "<script>alert(1)</script>.xml"
    answer = client.post(
        "/api/validate",
        params={"format": "html"},
        files={"file": (hostile, b"<Birth><b>&amp;</Birth>")},
    )
    assert answer.status_code == 200
    assert "<script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.xml" in answer.text


def test_an_unacceptable_accept_is_406(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate", content=NEWBORN.read_bytes(), headers={"Accept": "image/png"}
    )
    _error(answer, 406, "image/png", "?format=")


def test_json_messages_too(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        content=(ADDRESS / "invalid-unknown-purpose.json").read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    report = answer.json()
    assert report["media_type"] == "application/json" and report["verdict"] == "invalid"
    assert any(f["location"].get("pointer") for f in report["findings"])


@pytest.mark.parametrize(
    ("request_kwargs", "status", "words"),
    [
        ({"content": b""}, 400, ["empty"]),
        ({"files": {"other": ("x.xml", b"<a/>")}}, 400, ["'file'"]),
        ({"params": {"interface": "civreg-brith"}, "content": b"<a/>"}, 404, ["civreg-brith"]),
        (
            {"params": {"interface": "civreg-birth", "version": "9.9.9"}, "content": b"<a/>"},
            404,
            ["9.9.9", "versions:"],
        ),
        (
            {
                "params": {"interface": "civreg-birth@2.0.0", "message_type": "Nope"},
                "content": b"<a/>",
            },
            404,
            ["Nope", "BirthNotification"],
        ),
        (
            {"params": {"interface": "civreg-birth@2.0.0", "version": "1.0.0"}, "content": b"<a/>"},
            400,
            ["2.0.0", "1.0.0"],
        ),
        ({"params": {"version": "1.0.0"}, "content": b"<a/>"}, 400, ["without an interface"]),
        ({"params": {"interface": "civreg-birth@"}, "content": b"<a/>"}, 400, ["ID@VERSION"]),
        ({"params": {"format": "pdf"}, "content": b"<a/>"}, 400, ["format"]),
        (
            {
                "params": {"interface": "civreg-birth"},
                "data": {"interface": "civreg-address"},
                "files": {"file": ("x.xml", b"<a/>")},
            },
            400,
            ["given twice", "civreg-address"],
        ),
        ({"content": b"<Unknown xmlns='urn:x'/>"}, 422, ["{urn:x}Unknown"]),
    ],
)
def test_bad_requests_say_what_is_wrong(
    client: httpx.Client, request_kwargs: dict[str, object], status: int, words: list[str]
) -> None:
    _error(client.post("/api/validate", **request_kwargs), status, *words)  # type: ignore[arg-type]


def test_no_detection_match_lists_the_candidates(client: httpx.Client) -> None:
    content = NEWBORN.read_bytes().replace(b"<Version>2.0</Version>", b"<Version>7.0</Version>")
    assert content != NEWBORN.read_bytes()
    body = _error(client.post("/api/validate", content=content), 422, "candidates")
    assert "civreg-birth@" in str(body["message"])


@pytest.mark.parametrize(
    "content", [b"<BirthNotification><Child></BirthNotification>", b"plain text", b"{]"]
)
def test_a_message_that_is_not_well_formed_is_an_invalid_report(
    client: httpx.Client, content: bytes
) -> None:
    answer = client.post("/api/validate", content=content)
    assert answer.status_code == 200
    report = answer.json()
    assert report["verdict"] == "invalid"
    assert report["findings"][0]["severity"] == "fatal"


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<BirthNotification xmlns="urn:nif:demo:civreg:birth">&lol4;</BirthNotification>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<BirthNotification xmlns="urn:nif:demo:civreg:birth">&xxe;</BirthNotification>"""
DEEP = b"<a>" * 100_000 + b"</a>" * 100_000


@pytest.mark.parametrize("hostile", [LAUGHS, EXTERNAL, DEEP], ids=["laughs", "xxe", "deep"])
@pytest.mark.parametrize("named", [False, True], ids=["detected", "named"])
def test_hostile_xml_gets_a_report_never_a_5xx(
    client: httpx.Client, hostile: bytes, named: bool
) -> None:
    params = {"interface": "civreg-birth@2.0.0", "message_type": "BirthNotification"}
    answer = client.post("/api/validate", content=hostile, params=params if named else None)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["verdict"] == "invalid"
    assert "root:" not in answer.text  # nothing of /etc/passwd
    assert any(f["severity"] == "fatal" for f in report["findings"])


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, content)
    return buffer.getvalue()


def test_batch_of_files_one_report_each_in_order(client: httpx.Client) -> None:
    chosen = [NEWBORN, MOTHER_AFTER_CHILD, ADDRESS / "valid-tax-assessment.json"]
    files = [("files", (p.name, p.read_bytes())) for p in chosen]
    files.append(("files", ("stranger.xml", b"<Stranger/>")))
    answer = client.post("/api/validate/batch", files=files)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [r["source"] for r in body["reports"]] == [
        NEWBORN.name,
        MOTHER_AFTER_CHILD.name,
        "valid-tax-assessment.json",
        "stranger.xml",
    ]
    assert [r["verdict"] for r in body["reports"]] == ["valid", "invalid", "valid", "error"]
    assert body["summary"] == {"valid": 2, "invalid": 1, "error": 1}


def test_batch_as_a_zip_skips_directories_hidden_files_and_macosx(client: httpx.Client) -> None:
    archive = _zip(
        {
            "messages/": b"",
            "messages/a.xml": NEWBORN.read_bytes(),
            "messages/.hidden.xml": b"not a message",
            "__MACOSX/messages/._a.xml": b"resource fork",
            ".git/config": b"[core]",
            "messages/b.xml": MOTHER_AFTER_CHILD.read_bytes(),
        }
    )
    raw = client.post(
        "/api/validate/batch", content=archive, headers={"Content-Type": "application/zip"}
    )
    assert raw.status_code == 200, raw.text
    reports = raw.json()["reports"]
    assert [(r["source"], r["verdict"]) for r in reports] == [
        ("messages/a.xml", "valid"),
        ("messages/b.xml", "invalid"),
    ]
    uploaded = client.post(
        "/api/validate/batch",
        files={"files": ("all.zip", archive, "application/zip")},
        params={"interface": "civreg-birth@2.0.0"},
    )
    assert [r["verdict"] for r in uploaded.json()["reports"]] == ["valid", "invalid"]


def test_batch_as_junit(client: httpx.Client) -> None:
    files = [("files", (p.name, p.read_bytes())) for p in (NEWBORN, MOTHER_AFTER_CHILD)]
    answer = client.post("/api/validate/batch", files=files, headers={"Accept": "application/xml"})
    root = etree.fromstring(answer.content)
    assert [s.get("name") for s in root.iter("testsuite")] == [
        NEWBORN.name,
        MOTHER_AFTER_CHILD.name,
    ]
    assert int(root.get("failures")) >= 1


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        ({"ok.xml": b"<a/>", "../../etc/evil.xml": b"<a/>"}, ["../../etc/evil.xml", "outside"]),
        ({"/abs/evil.xml": b"<a/>"}, ["/abs/evil.xml", "outside"]),
        ({"dir/": b"", ".hidden": b"x"}, ["holds no file"]),
    ],
    ids=["dot-dot", "absolute", "empty"],
)
def test_batch_zip_refusals(
    client: httpx.Client, entries: dict[str, bytes], words: list[str]
) -> None:
    answer = client.post(
        "/api/validate/batch",
        content=_zip(entries),
        headers={"Content-Type": "application/zip"},
    )
    _error(answer, 400, *words)


@pytest.mark.parametrize(
    ("request_kwargs", "status", "words"),
    [
        ({"content": b""}, 400, ["empty"]),
        ({"content": b"<a/>"}, 400, ["neither"]),
        (
            {"content": b"PK\x03\x04broken", "headers": {"Content-Type": "application/zip"}},
            400,
            ["zip"],
        ),
        ({"files": {"file": ("a.xml", b"<a/>")}}, 400, ["'files'"]),
        ({"files": {"files": ("a.xml", b"<a/>")}, "params": {"format": "html"}}, 400, ["format"]),
        ({"files": {"files": ("a.xml", b"<a/>")}, "params": {"interface": "nope"}}, 404, ["nope"]),
    ],
)
def test_batch_bad_requests(
    client: httpx.Client, request_kwargs: dict[str, object], status: int, words: list[str]
) -> None:
    _error(client.post("/api/validate/batch", **request_kwargs), status, *words)  # type: ignore[arg-type]


def test_the_openapi_documents_both_endpoints(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    single = spec["paths"]["/api/validate"]["post"]
    batch = spec["paths"]["/api/validate/batch"]["post"]
    for operation in (single, batch):
        assert operation["summary"] and operation["description"]
        assert "multipart/form-data" in operation["requestBody"]["content"]
        names = {p["name"]: p for p in operation["parameters"]}
        assert {"interface", "version", "message_type", "format"} <= set(names)
        assert all(p.get("description") for p in names.values())
        assert {"200", "400", "404", "413", "422", "429"} <= set(operation["responses"])
    assert "application/zip" in batch["requestBody"]["content"]
    assert single["responses"]["200"]["content"]["application/json"]["example"]["verdict"]
