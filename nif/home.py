"""NIF_HOME is private: the folder 0700, everything in it 0600.

It holds the store, token hashes, the audit log, certification runs and evidence, and the
certificate key. Rather than a chmod beside every file that some library creates (RocksDB's
files, SQLite's `-wal` and `-shm`, temporary files), nif's processes create files private to
their user from the start (`private_files`: umask 077), and SQLite databases are made 0600
before SQLite opens them (`private_file`, which the embedded state calls), since SQLite gives
its `-wal`/`-shm` files the database's own mode.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
"""What a nif process masks: no access for group and others."""


@dataclasses.dataclass(frozen=True)
class Home:
    """Where each thing lives in NIF_HOME: the one place the folder's layout is spelled.

    Only paths: opening, creating and locking stay with the code that owns each file (the
    embedded state, `nif.state`, for the databases, blobs, key and lock). With a PostgreSQL
    state, only the store, the staging folder and the blob cache are used."""

    root: Path

    @property
    def store(self) -> Path:
        """The embedded store (Oxigraph), when the `store` setting names no other."""
        return self.root / "store"

    @property
    def blobs(self) -> Path:
        """Pinned artefacts and examples, by sha256."""
        return self.root / "blobs"

    @property
    def blob_cache(self) -> Path:
        """Copies of blobs kept in PostgreSQL, for the validation workers to read by path."""
        return self.root / "blob-cache"

    @property
    def history(self) -> Path:
        """Every record version and the audit log (SQLite)."""
        return self.root / "registry.sqlite"

    @property
    def secrets(self) -> Path:
        """The service's token hashes (SQLite)."""
        return self.root / "secrets.sqlite"

    @property
    def staging(self) -> Path:
        """Bundles being unpacked and pinned; what a killed process left is removed."""
        return self.root / "staging"

    @property
    def lock(self) -> Path:
        """The registry's write lock: one writer at a time per NIF_HOME."""
        return self.root / "registry.lock"

    @property
    def certification(self) -> Path:
        """Certification runs (SQLite)."""
        return self.root / "certification.sqlite"

    @property
    def evidence(self) -> Path:
        """The evidence of certification runs, by sha256."""
        return self.root / "evidence"

    @property
    def signing_key(self) -> Path:
        """The private key that signs certificates and revocations (PEM)."""
        return self.root / "certificate-key.pem"

    @property
    def demo_pending(self) -> Path:
        """Present while the demo registry's certificates are still to be issued."""
        return self.root / "demo-pending"


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


def _tighten(path: Path) -> None:
    """Take group and others' access away (0644 becomes 0600, 0755 becomes 0700)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:  # removed meanwhile (a temporary file)
        return
    if mode & 0o077 and not stat.S_ISLNK(mode):
        path.chmod(mode & 0o700)
