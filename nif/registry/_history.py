"""History and audit, in the state: never in the SPARQL-visible store.

Every version a record ever had is a row here (who, when, content hash); the content itself is a
blob, the record's sorted N-Triples. The audit log keeps every write attempt, accepted or not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterator

from nif.errors import NifError
from nif.state import Database, Migration, Schema

log = logging.getLogger("nif.registry")

HISTORY_SCHEMA = Schema(
    "history",
    ("versions", "audit"),
    (
        Migration(
            1,
            """
CREATE TABLE IF NOT EXISTS versions (
  id {serial},
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
  id {serial},
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
)
""",
        ),
        # every write looks for pending entries a dead writer left (`_recovery`): an index of
        # those few rows, so the look costs the same however long the audit log grows
        Migration(
            2, "CREATE INDEX IF NOT EXISTS audit_pending ON audit(id) WHERE outcome = 'pending'"
        ),
    ),
)
"""Every record version and the audit log (`registry.sqlite` on the embedded state)."""


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
    """The versions table and the audit log of one registry, in a state `Database` (each call
    one transaction of its own, so one thread's audit entry never rides on another's)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, versions: list[RecordVersion]) -> None:
        with self._db.session() as session:
            session.executemany(
                "INSERT INTO versions"
                " (record, identifier, kind, action, actor, at, sha256, triples)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [dataclasses.astuple(v) for v in versions],
            )

    def latest(self) -> str | None:
        """When the last version of any record was stored (the catalogue's `dct:modified`)."""
        rows = self._db.query("SELECT max(at) FROM versions")
        return rows[0][0] if rows else None

    def versions(self, key: str) -> list[RecordVersion]:
        """A record's versions, oldest first, by record IRI or identifier."""
        rows = self._db.query(
            "SELECT record, identifier, kind, action, actor, at, sha256, triples FROM versions"
            " WHERE record = ? OR identifier = ? ORDER BY id",
            (key, key),
        )
        return [RecordVersion(*row) for row in rows]

    def audit(self, actor: str, action: str, target: str, outcome: str, detail: str = "") -> None:
        self._db.query(
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

    def pending(self, actor: str, action: str, target: str, detail: str) -> int:
        """Audit a write about to touch the store (outcome `pending`, `_recovery`): its id."""
        rows = self._db.query(
            "INSERT INTO audit (at, actor, action, target, outcome, detail)"
            " VALUES (?, ?, ?, ?, 'pending', ?) RETURNING id",
            (utc_now(), actor, action, target, detail),
        )
        return int(rows[0][0])

    def settle(self, entry: int, outcome: str | None = None, detail: str = "") -> None:
        """End a pending entry: removed (None: its write's own entry says how it went) or
        given the `outcome` a later writer found."""
        if outcome is None:
            self._db.query("DELETE FROM audit WHERE id = ? AND outcome = 'pending'", (entry,))
        else:
            self._db.query(
                "UPDATE audit SET outcome = ?, detail = detail || '; ' || ? WHERE id = ?",
                (outcome, detail[:2000], entry),
            )

    def unsettled(self) -> list[tuple[int, AuditEntry]]:
        """The pending entries, oldest first (under the write lock: their writers died)."""
        rows = self._db.query(
            "SELECT id, at, actor, action, target, outcome, detail FROM audit"
            " WHERE outcome = 'pending' ORDER BY id"
        )
        return [(row[0], AuditEntry(*row[1:])) for row in rows]

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._db.query(
            "SELECT at, actor, action, target, outcome, detail FROM audit ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [AuditEntry(*row) for row in rows]

    def close(self) -> None:
        """Nothing of its own: the database closes with its state."""
