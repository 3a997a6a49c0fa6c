"""A registry backup (`Registry.export` / `import_`) carries certificates: restored into an
empty store, with the competence centre's key, they verify and keep their state."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from nif.certify import find_certificates, revoke, standing, verify_certificate
from nif.certify._certificates import certificate_graph
from nif.home import Home
from nif.registry import Registry
from nif.settings import Settings
from nif.store import DumpFormat, EmbeddedStore
from tests.certify.certified import certified, key_of


@pytest.mark.parametrize("fmt", list(DumpFormat))
def test_a_backup_restores_certificates_that_still_verify(
    demo: Registry, tmp_path: Path, fmt: DumpFormat
) -> None:
    kept = certified(demo)
    revoked = revoke(demo, certified(demo).id, actor="certifier", reason="withdrawn")
    out = io.BytesIO()
    records, beside = demo.export(out, fmt, blobs=tmp_path / "blobs")
    assert records == len(demo.records())
    # two certificates, one revocation, two runs and the suite; and the compatibility
    # assessment of each of the 7 demo versions that have an earlier version
    assert beside == 6 + 7 == len(demo.graphs_beside_records())

    home = tmp_path / "restored"
    home.mkdir()
    shutil.copy(demo.settings.folder.signing_key, Home(home).signing_key)
    settings = Settings(home=home, actor="restorer")
    with Registry(EmbeddedStore(home / "store"), settings) as restored:
        stored, missing = restored.import_(out.getvalue(), fmt, blobs=tmp_path / "blobs")
        assert len(stored) == records and missing == []
        assert restored.graphs_beside_records() == demo.graphs_beside_records()
        found = {c.id: c for c in find_certificates(restored.store, settings)}
        assert set(found) == {kept.id, revoked.id}
        assert str(standing(restored.store, settings, found[kept.id]).state) == "certified"
        assert str(standing(restored.store, settings, found[revoked.id]).state) == "revoked"
        graph = certificate_graph(restored.store, settings, kept.id)
        check = verify_certificate(restored.store, settings, graph, [key_of(restored).public])
        assert check.ok, check.problems
