"""Evidence zips and runs for the certification API tests: the demo evidence the civil
registry's and the tax office's systems produced, as sent by an agency, and edited to fail."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

import httpx

from tests.conftest import ROOT

EVIDENCE = ROOT / "registry" / "evidence"
BIRTH = ("civreg", "civreg-birth", "2.0.0")
VAT = ("tax", "tax-vat-return", "1.0.0")
BROKEN_REGISTRATION = ("<ChildPersonalID>240201007</ChildPersonalID>", "")
"""Drops the child's personal id from the produced registration: its profile requires it."""


def evidence_zip(
    agency: str, interface: str, version: str, edits: Sequence[tuple[str, str]] = ()
) -> bytes:
    """The demo evidence folder of `agency`'s implementation as a zip, `edits` applied to the
    produced registration."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted((EVIDENCE / agency / interface / version).iterdir()):
            content = path.read_text("utf-8")
            if path.name == "produce-registration.xml":
                for old, new in edits:
                    assert old in content, old
                    content = content.replace(old, new)
            zf.writestr(path.name, content)
    return buffer.getvalue()


def start_run(
    client: httpx.Client,
    subject: tuple[str, str, str] = BIRTH,
    *,
    agency: str | None = None,
    edits: Sequence[tuple[str, str]] = (),
) -> httpx.Response:
    """POST a run of `subject`'s demo evidence (for `agency`, default the subject's)."""
    owner, interface, version = subject
    return client.post(
        "/api/certification/runs",
        data={"agency": agency or owner, "interface": f"{interface}@{version}"},
        files={"evidence": ("evidence.zip", evidence_zip(*subject, edits), "application/zip")},
    )


def passed_run(client: httpx.Client, subject: tuple[str, str, str] = BIRTH) -> dict[str, Any]:
    """A certification run of `subject` that passed (the client's token: certifier or admin)."""
    answer = start_run(client, subject)
    assert answer.status_code == 201, answer.text
    run: dict[str, Any] = answer.json()
    assert run["passed"], run["failed_mandatory"]
    return run


def issued(client: httpx.Client, subject: tuple[str, str, str] = BIRTH) -> dict[str, Any]:
    """A certificate issued from a fresh passed run (the client's token: certifier or admin)."""
    run = passed_run(client, subject)
    answer = client.post("/api/certificates", json={"run": run["id"]})
    assert answer.status_code == 201, answer.text
    certificate: dict[str, Any] = answer.json()
    return certificate
