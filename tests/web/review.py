"""What the review tests share: busreg's new version 2.2.0 of busreg-company as a bundle zip,
and proposing it over HTTP as busreg's publisher."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from nif.registry import scaffold_version
from nif.settings import Settings
from tests.conftest import ROOT
from tests.web.conftest import LiveServer

BUSREG = "busreg-company"
NEW_VERSION = "2.2.0"
NEW_VERSION_IRI = f"https://registry.nif.example/interface/{BUSREG}/{NEW_VERSION}"


def new_version_bundle(version: str = NEW_VERSION, *edits: tuple[str, str]) -> bytes:
    """busreg-company with `version` scaffolded from 2.1.0 (`nif registry new-version`), its
    interface.ttl then edited by `edits` (old, new) pairs."""
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        shutil.copytree(ROOT / "registry/interfaces" / BUSREG, root / "interfaces" / BUSREG)
        scaffold_version(root, BUSREG, "2.1.0", version, Settings(home=root / "home"))
        record = root / "interfaces" / BUSREG / "interface.ttl"
        text = record.read_text("utf-8")
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        record.write_text(text, "utf-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            for path in sorted((root / "interfaces" / BUSREG).rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(root / "interfaces" / BUSREG).as_posix())
        return buffer.getvalue()


def propose(
    live: LiveServer, token: str, version: str = NEW_VERSION, *edits: tuple[str, str]
) -> dict[str, Any]:
    """PUT the new version as `token` (a busreg publisher): the 202's body."""
    with live.client(token) as client:
        answer = client.put(
            f"/api/records/{BUSREG}",
            content=new_version_bundle(version, *edits),
            headers={"Content-Type": "application/zip"},
        )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body
