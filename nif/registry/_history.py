"""History and audit, in SQLite under NIF_HOME: never in the SPARQL-visible store.

Every version a record ever had is a row here (who, when, content hash); the content itself is a
blob, the record's sorted N-Triples. The audit log keeps every write attempt, accepted or not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from nif.errors import NifError
from nif.home import open_database

log = logging.getLogger("nif.registry")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL,
  identifier TEXT NOT NULL,
  kind TEXT NOT NULL,
  action TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL,
  sha256 TEXT,
  triples INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS versions_record ON versions(record);
CREATE INDEX IF NOT EXISTS versions_identifier ON versions(identifier);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
"""


@dataclasses.dataclass(frozen=True)
class RecordVersion:
    """One entry of a record's history; `sha256` names the stored content (None: withdrawn)."""

    record: str
    identifier: str
    kind: str
    action: str
    actor: str
    at: str
    sha256: str | None
    triples: int

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    at: str
    actor: str
    action: str
    target: str
    outcome: str
    detail: str

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class History:
    """The versions table and the audit log of one registry.

    The service shares one connection between threads; the lock keeps one thread's transaction
    from taking in (and rolling back with it) another thread's audit entry.
    """

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        self._db = open_database(path, _SCHEMA)

    def add(self, versions: list[RecordVersion]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO versions"
                " (record, identifier, kind, action, actor, at, sha256, triples)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [dataclasses.astuple(v) for v in versions],
            )

    def latest(self) -> str | None:
        """When the last version of any record was stored (the catalogue's `dct:modified`)."""
        with self._lock:
            row = self._db.execute("SELECT max(at) FROM versions").fetchone()
        return row[0] if row else None

    def versions(self, key: str) -> list[RecordVersion]:
        """A record's versions, oldest first, by record IRI or identifier."""
        with self._lock:
            rows = self._db.execute(
                "SELECT record, identifier, kind, action, actor, at, sha256, triples FROM versions"
                " WHERE record = ? OR identifier = ? ORDER BY id",
                (key, key),
            ).fetchall()
        return [RecordVersion(*row) for row in rows]

    def audit(self, actor: str, action: str, target: str, outcome: str, detail: str = "") -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO audit (at, actor, action, target, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (utc_now(), actor, action, target, outcome, detail[:2000]),
            )

    def audit_error(self, actor: str, action: str, target: str, exc: BaseException) -> None:
        """Audit a write attempt that failed with an unexpected error (outcome `error`), naming
        only the error's kind: its text may hold server paths. An audit that cannot be written
        is logged instead, so the original error is the one that surfaces."""
        try:
            self.audit(actor, action, target, "error", f"internal error ({type(exc).__name__})")
        except Exception:
            log.exception("could not audit a failed %s of %s by %s", action, target or "-", actor)

    @contextlib.contextmanager
    def audited(self, actor: str, action: str, target: str) -> Iterator[None]:
        """Audit a write attempt that fails, as the error passes: refused (a nif error, with
        its message) or error (anything else, by kind only)."""
        try:
            yield
        except NifError as exc:
            self.audit(actor, action, target, "refused", str(exc))
            raise
        except Exception as exc:
            self.audit_error(actor, action, target, exc)
            raise

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT at, actor, action, target, outcome, detail FROM audit"
                " ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
