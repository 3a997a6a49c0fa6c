"""The self-test page takes a zip of messages: each message's report, the tally, and every
download named after its message (or, for the whole batch, after the zip)."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import httpx
import pytest
from lxml import etree

from nif.web.pages import _selftest
from tests.report.conftest import handmade
from tests.web.test_pages import HTML, INVALID, TARGET, VALID, check_accessible, t

SUFFIXES = (".junit.xml", ".html", ".txt")
DATA_LINK = re.compile(
    r'href="data:([^;]+);charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"'
)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(client: httpx.Client, name: str, content: bytes, target: str = "") -> httpx.Response:
    return client.post(
        "/self-test",
        data={"target": target},
        files={"file": (name, content, "application/zip")},
        headers=HTML,
    )


def links(body: str) -> dict[str, tuple[str, bytes]]:
    """download name -> (media type, content) of every data link of the page."""
    return {name: (media, base64.b64decode(data)) for media, data, name in DATA_LINK.findall(body)}


def test_every_message_of_the_zip_gets_its_report(client: httpx.Client) -> None:
    messages = {
        "birth/valid-newborn.xml": VALID.read_bytes(),
        "birth/mother-after-child.xml": INVALID.read_bytes(),
        "notes.xml": b"<unknown xmlns='urn:x'/>",
    }
    answer = upload(client, "birth-batch.zip", zipped(messages), TARGET)
    assert answer.status_code == 200, answer.text
    check_accessible(answer.text, "en")
    sections = re.findall(r'<section class="message" id="message-(\d+)"', answer.text)
    assert sections == ["1", "2", "3"]
    body = answer.text
    for name in messages:
        assert f"<code>{name}</code>" in body
    assert t("en", "self_test.batch.tally", n=3) in body
    found = links(body)
    report = json.loads(found["valid-newborn.json"][1])
    assert report["source"] == "birth/valid-newborn.xml" and report["verdict"] == "valid"
    invalid = json.loads(found["mother-after-child.json"][1])
    assert invalid["verdict"] == "invalid"
    assert any(f["rule_id"] == "BIRTH-02" for f in invalid["findings"])
    assert found["mother-after-child.html"][0] == "text/html"
    assert b"BIRTH-02" in found["mother-after-child.html"][1]
    every = json.loads(found["birth-batch.json"][1])
    assert [r["source"] for r in every] == list(messages)
    assert [r["verdict"] for r in every] == ["valid", "invalid", "invalid"]
    junit = etree.fromstring(found["birth-batch.junit.xml"][1])
    assert len(junit.findall("testsuite")) == 3
    text = found["birth-batch.txt"][1].decode()
    assert text.rstrip().endswith("3 messages: 1 valid, 2 invalid, 0 error")


def test_a_zip_without_a_chosen_type_detects_each_message(client: httpx.Client) -> None:
    answer = upload(client, "mixed.zip", zipped({"a.xml": VALID.read_bytes()}))
    assert answer.status_code == 200, answer.text
    assert json.loads(links(answer.text)["a.json"][1])["profile"] == TARGET


def test_one_message_downloads_are_named_after_it_in_every_format(client: httpx.Client) -> None:
    answer = client.post(
        "/self-test",
        data={"target": TARGET},
        files={"file": ("birth-2.xml", INVALID.read_bytes(), "application/xml")},
    )
    assert answer.status_code == 200
    found = links(answer.text)
    assert set(found) == {"birth-2.json", "birth-2.junit.xml", "birth-2.html", "birth-2.txt"}
    assert "nif-report.json" not in answer.text
    assert found["birth-2.txt"][1].decode().startswith("INVALID  birth-2.xml")


@pytest.mark.parametrize(
    ("source", "names"),
    [
        ("order.json", ["order.report.json", "order.junit.xml", "order.html", "order.txt"]),
        ("in/birth-2.xml", ["birth-2.json", "birth-2.junit.xml", "birth-2.html", "birth-2.txt"]),
        ("C:\\ci\\a b<c>.xml", ["a_b_c.json", "a_b_c.junit.xml", "a_b_c.html", "a_b_c.txt"]),
        ("pasted message", ["pasted_message.json", *(f"pasted_message{s}" for s in SUFFIXES)]),
        ("../.../", ["message.json", *(f"message{s}" for s in SUFFIXES)]),
    ],
)
def test_download_names_follow_the_message(source: str, names: list[str]) -> None:
    """A JSON message's JSON report is `order.report.json` (saving it keeps the message);
    folders, unsafe characters and empty names never reach the file name."""
    assert [d.filename for d in _selftest.downloads(handmade(source))] == names
