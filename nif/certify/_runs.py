"""The private store of runs: every run kept, its evidence as blobs, none of it SPARQL-visible.

Self-test runs and the evidence of any run are the agency's business until a certificate is
issued (and even then only the evidence hashes are published), so runs live in the state (a
SQLite file in NIF_HOME, or PostgreSQL) and evidence in its `evidence` blobs, stored once by
content (sha256) and re-hashed when read.
"""

from __future__ import annotations

import json
from pathlib import Path

from nif.certify._evidence import Evidence
from nif.certify._model import Run
from nif.errors import NotFoundError
from nif.settings import Settings
from nif.state import EmbeddedState, Migration, Schema, State, open_with_state

_COLUMNS = "id, agency, interface, version, purpose, mode, started, passed, data"

_RUNS = """
CREATE TABLE IF NOT EXISTS {name} (
  {seq}id TEXT {key},
  agency TEXT NOT NULL,
  interface TEXT NOT NULL,
  version TEXT NOT NULL,
  purpose TEXT NOT NULL,
  mode TEXT NOT NULL,
  started TEXT NOT NULL,
  passed INTEGER NOT NULL,
  data TEXT NOT NULL
)"""

_INDEXES = """
CREATE INDEX IF NOT EXISTS runs_by_version ON runs (interface, version, started);
CREATE INDEX IF NOT EXISTS runs_by_agency ON runs (agency, started)
"""

RUNS_SCHEMA = Schema(
    "runs",
    ("runs", "evidence"),
    (
        Migration(
            1,
            _RUNS.format(name="runs", seq="", key="PRIMARY KEY")
            + ";"
            + _INDEXES
            + """;
CREATE TABLE IF NOT EXISTS evidence (
  run TEXT NOT NULL REFERENCES runs (id),
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run, path)
)""",
        ),
        Migration(
            2,
            # SQLite: the table rebuilt with its rows numbered as they were made (`evidence`'s
            # reference names the table, so it holds again once the new one takes the name)
            _RUNS.format(name="runs_v2", seq="seq {serial},\n  ", key="NOT NULL UNIQUE")
            + f";\nINSERT INTO runs_v2 (seq, {_COLUMNS}) SELECT rowid, {_COLUMNS} FROM runs"
            " ORDER BY rowid;\nDROP TABLE runs;\nALTER TABLE runs_v2 RENAME TO runs;" + _INDEXES,
            postgres="ALTER TABLE runs ADD COLUMN seq BIGSERIAL",
        ),
    ),
)
"""The runs and the evidence files each names (`certification.sqlite` on the embedded
state); version 2 numbers the runs (`seq`), the order runs started at once are listed in."""


class RunStore:
    """Runs in the state's `runs` tables, evidence in its `evidence` blobs; safe to share
    between threads. Given a path (a NIF_HOME), it opens that folder's embedded state and
    closes it with itself."""

    def __init__(self, state: State | Path) -> None:
        self._own: State | None = None
        if isinstance(state, Path):
            state = self._own = EmbeddedState(state)
        self.state = state
        self._blobs = state.blobs("evidence")
        self._db = state.database(RUNS_SCHEMA)

    @classmethod
    def open(cls, settings: Settings) -> RunStore:
        """The runs of the state the settings name, which it opens and closes with itself."""
        store, state = open_with_state(settings, cls)
        store._own = state
        return store

    def save(self, run: Run, evidence: Evidence | None = None) -> None:
        """Keep `run` and its evidence files (blobs first, so a saved run never lacks one)."""
        if evidence is not None:
            for content in evidence.files.values():
                self._blobs.put(content)
        with self._db.session() as session:
            session.execute(
                f"INSERT INTO runs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET agency = excluded.agency,"
                " interface = excluded.interface, version = excluded.version,"
                " purpose = excluded.purpose, mode = excluded.mode, started = excluded.started,"
                " passed = excluded.passed, data = excluded.data",
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
            session.execute("DELETE FROM evidence WHERE run = ?", (run.id,))
            if evidence is not None:
                session.executemany(
                    "INSERT INTO evidence (run, path, sha256) VALUES (?, ?, ?)",
                    [(run.id, path, sha256) for path, sha256 in evidence.sha256s()],
                )

    def get(self, run_id: str) -> Run:
        """The run `run_id`; `NotFoundError`."""
        rows = self._db.query("SELECT data FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise NotFoundError(f"no certification run {run_id!r}")
        return Run.from_dict(json.loads(rows[0][0]))

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
        rows = self._db.query(
            f"SELECT data FROM runs{clause} ORDER BY started DESC, seq DESC LIMIT ?",
            (*values, max(0, limit)),
        )
        return [Run.from_dict(json.loads(row[0])) for row in rows]

    def evidence(self, run_id: str) -> Evidence:
        """The evidence files of run `run_id` as judged (empty for an endpoint run)."""
        self.get(run_id)
        rows = self._db.query(
            "SELECT path, sha256 FROM evidence WHERE run = ? ORDER BY path", (run_id,)
        )
        return Evidence({path: self._blobs.get(sha256) for path, sha256 in rows})

    def close(self) -> None:
        """Close the state if this store opened it (a path was given), else nothing."""
        if self._own is not None:
            self._own.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
