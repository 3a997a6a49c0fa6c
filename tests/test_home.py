"""`nif.home`: NIF_HOME and what nif makes in it are private to its user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nif.home import ensure_home, private_file


def test_a_private_file_is_made_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a lax umask: the file is private all the same
    try:
        path = private_file(tmp_path / "sub" / "x.sqlite")
    finally:
        os.umask(old)
    assert path.read_bytes() == b""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_private_file_keeps_its_content_and_loses_others_access(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    path.write_bytes(b"kept")
    path.chmod(0o644)
    private_file(path)
    assert path.read_bytes() == b"kept"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ensure_home_tightens_what_an_older_nif_left_open(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "blobs" / "ab").mkdir(parents=True)
    (home / "blobs" / "ab" / "cd").write_bytes(b"x")
    for path in (home, home / "blobs", home / "blobs" / "ab"):
        path.chmod(0o755)
    (home / "blobs" / "ab" / "cd").chmod(0o644)
    ensure_home(home)
    modes = {
        p.relative_to(home).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in home.rglob("*")
    }
    assert modes == {"blobs": 0o700, "blobs/ab": 0o700, "blobs/ab/cd": 0o600}
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
