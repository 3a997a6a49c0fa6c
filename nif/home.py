"""NIF_HOME is private: the folder 0700, everything in it 0600.

It holds the store, token hashes, the audit log, certification runs and evidence, and the
certificate key. Rather than a chmod beside every file that some library creates (RocksDB's
files, SQLite's `-wal` and `-shm`, temporary files), nif's processes create files private to
their user from the start (`private_files`: umask 077), and SQLite databases are made 0600
before SQLite opens them, since SQLite gives its `-wal`/`-shm` files the database's own mode.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
"""What a nif process masks: no access for group and others."""


def private_files() -> None:
    """From now on, this process creates files 0600 and folders 0700 (the CLI and the service
    call it at start; validation workers inherit it)."""
    os.umask(PRIVATE_UMASK)


def ensure_home(home: Path) -> Path:
    """NIF_HOME, created 0700; what an older nif left open to others in it is tightened."""
    home.mkdir(parents=True, exist_ok=True)
    _tighten(home)
    for root, folders, files in os.walk(home):
        for name in folders + files:
            _tighten(Path(root, name))
    return home


def private_file(path: Path) -> Path:
    """`path` created empty and 0600 if it does not exist (and made 0600 if it does), so what
    opens it next (SQLite, with its journal files) keeps it private."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    _tighten(path)
    return path


def open_database(path: Path, schema: str) -> sqlite3.Connection:
    """The private SQLite database at `path`, `schema` applied: WAL (readers do not wait for
    the writer), a wait of up to 10 s for a lock instead of an error, and no implicit
    transactions (callers write their BEGIN). Shareable between threads: callers hold a lock."""
    db = sqlite3.connect(private_file(path), isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=10000")
    db.executescript(schema)
    return db


def _tighten(path: Path) -> None:
    """Take group and others' access away (0644 becomes 0600, 0755 becomes 0700)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:  # removed meanwhile (a temporary file)
        return
    if mode & 0o077 and not stat.S_ISLNK(mode):
        path.chmod(mode & 0o700)
