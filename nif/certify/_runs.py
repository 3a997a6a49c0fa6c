"""The private store of runs: every run kept, its evidence as blobs, none of it SPARQL-visible.

Self-test runs and the evidence of any run are the agency's business until a certificate is
issued (and even then only the evidence hashes are published), so runs live in a SQLite file
and evidence files under `evidence/` in NIF_HOME, stored once by content (sha256).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from nif.certify._evidence import Evidence
from nif.certify._model import Run
from nif.errors import NifError, NotFoundError
from nif.home import Home, open_database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  agency TEXT NOT NULL,
  interface TEXT NOT NULL,
  version TEXT NOT NULL,
  purpose TEXT NOT NULL,
  mode TEXT NOT NULL,
  started TEXT NOT NULL,
  passed INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_version ON runs (interface, version, started);
CREATE INDEX IF NOT EXISTS runs_by_agency ON runs (agency, started);
CREATE TABLE IF NOT EXISTS evidence (
  run TEXT NOT NULL REFERENCES runs (id),
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run, path)
);
"""


class RunStore:
    """Runs in `home/certification.sqlite`, evidence blobs in `home/evidence/`.

    One connection shared between threads (the service's), serialised by a lock.
    """

    def __init__(self, home: Path) -> None:
        self._blobs = Home(home).evidence
        self._lock = threading.RLock()
        self._db = open_database(Home(home).certification, _SCHEMA)

    def save(self, run: Run, evidence: Evidence | None = None) -> None:
        """Keep `run` and its evidence files (blobs first, so a saved run never lacks one)."""
        if evidence is not None:
            for content in evidence.files.values():
                self._put(content)
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT OR REPLACE INTO runs"
                " (id, agency, interface, version, purpose, mode, started, passed, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.agency,
                    run.interface,
                    run.version,
                    str(run.purpose),
                    str(run.mode),
                    run.started,
                    int(run.passed),
                    json.dumps(run.to_dict(), ensure_ascii=False),
                ),
            )
            self._db.execute("DELETE FROM evidence WHERE run = ?", (run.id,))
            if evidence is not None:
                self._db.executemany(
                    "INSERT INTO evidence (run, path, sha256) VALUES (?, ?, ?)",
                    [(run.id, path, sha256) for path, sha256 in evidence.sha256s()],
                )

    def get(self, run_id: str) -> Run:
        """The run `run_id`; `NotFoundError`."""
        with self._lock:
            row = self._db.execute("SELECT data FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no certification run {run_id!r}")
        return Run.from_dict(json.loads(row[0]))

    def list(
        self,
        agency: str | None = None,
        interface: str | None = None,
        version: str | None = None,
        limit: int = 100,
    ) -> list[Run]:
        """Runs, newest first, filtered by agency, interface and version identifiers."""
        where, values = [], []
        for column, value in (("agency", agency), ("interface", interface), ("version", version)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT data FROM runs{clause} ORDER BY started DESC, rowid DESC LIMIT ?",
                (*values, max(0, limit)),
            ).fetchall()
        return [Run.from_dict(json.loads(row[0])) for row in rows]

    def evidence(self, run_id: str) -> Evidence:
        """The evidence files of run `run_id` as judged (empty for an endpoint run)."""
        self.get(run_id)
        with self._lock:
            rows = self._db.execute(
                "SELECT path, sha256 FROM evidence WHERE run = ? ORDER BY path", (run_id,)
            ).fetchall()
        return Evidence({path: self._read(sha256) for path, sha256 in rows})

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _blob(self, sha256: str) -> Path:
        return self._blobs / sha256[:2] / sha256

    def _put(self, content: bytes) -> None:
        path = self._blob(hashlib.sha256(content).hexdigest())
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, path)

    def _read(self, sha256: str) -> bytes:
        content = self._blob(sha256).read_bytes()
        if hashlib.sha256(content).hexdigest() != sha256:
            raise NifError(f"the evidence blob {sha256} is damaged (its content no longer matches)")
        return content
