"""A submission killed while it writes leaves the previous version of the record intact."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nif.registry import Registry
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT
from tests.registry.conftest import DEMO

# The child submits a record far larger than the first one and kills itself while the store
# is writing it, the way a power cut or an OOM kill would.
CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading
    from pathlib import Path
    from nif.registry import Registry
    from nif.settings import Settings
    from nif.store import EmbeddedStore

    original = EmbeddedStore.update

    def update(self, text):
        if len(text) > 1_000_000:
            print("writing", flush=True)
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGKILL)).start()
        original(self, text)
        print("written", flush=True)

    EmbeddedStore.update = update
    settings = Settings(home=Path(sys.argv[1]), actor="child")
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    registry.submit(Path(sys.argv[2]))
    print("returned", flush=True)
    """
)


def _big_version(folder: Path, keywords: int) -> Path:
    record = folder / "agency.ttl"
    text = (DEMO / "agencies" / "civreg.ttl").read_text("utf-8")
    extra = " ;\n".join(
        f'  <http://www.w3.org/ns/dcat#keyword> "keyword number {i} of the civil registry"@en'
        for i in range(keywords)
    )
    text = text.rstrip().rstrip(".") + " ;\n" + extra + " .\n"
    record.write_text(text, "utf-8")
    return record


@pytest.mark.slow
def test_killed_submission_leaves_previous_version(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", actor="tester")
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        first = registry.submit(DEMO / "agencies" / "civreg.ttl").records[0]
    big = _big_version(tmp_path, 60_000)
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(settings.home), str(big)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -9, child.stderr
    assert "writing" in child.stdout and "written" not in child.stdout, child.stdout
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        assert registry.read("civreg").sha256() == first.sha256
        assert [v.sha256 for v in registry.versions("civreg")] == [first.sha256]
        # and the registry still takes writes
        again = registry.submit(DEMO / "agencies" / "civreg.ttl").records[0]
        assert again.sha256 == first.sha256
