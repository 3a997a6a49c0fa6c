"""`nif.home`: the private SQLite databases nif keeps in NIF_HOME."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from nif.home import open_database


def test_open_database_is_private_in_wal_mode_with_its_schema(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a lax umask: the file is private all the same
    try:
        db = open_database(tmp_path / "sub" / "x.sqlite", "CREATE TABLE t (a); CREATE TABLE u (b);")
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE((tmp_path / "sub" / "x.sqlite").stat().st_mode) == 0o600
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA busy_timeout").fetchone() == (10000,)
        tables = db.execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
        assert tables == [("t",), ("u",)]
        assert db.in_transaction is False
        db.execute("INSERT INTO t VALUES (1)")
        assert db.in_transaction is False  # no implicit transaction: callers write BEGIN
    finally:
        db.close()
