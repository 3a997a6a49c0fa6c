"""Proposals: submissions kept for review instead of stored (the review step, `_review`).

A proposal is a row of the `proposals` table in the history database (never in the
SPARQL-visible store); the record it proposes is a blob (its sorted N-Triples), like a stored
version's, and so are the artefacts it pins and the compatibility assessment it was given, so
that accepting it needs no upload again. `base` is the sha256 of the record's version it was
made against (None for a record new to the registry): a proposal is accepted only while that is
still the current version.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import secrets

from nif.errors import NotFoundError
from nif.registry._history import utc_now
from nif.state import Database, Migration, Schema

_COLUMNS = (
    "id, record, identifier, agency, proposer, created, base, sha256, assessment, reasons,"
    " state, decided_by, decided_at, comment"
)

_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
  {seq}id TEXT {key},
  record TEXT NOT NULL,
  identifier TEXT NOT NULL,
  agency TEXT NOT NULL,
  proposer TEXT NOT NULL,
  created TEXT NOT NULL,
  base TEXT,
  sha256 TEXT NOT NULL,
  assessment TEXT,
  reasons TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT NOT NULL DEFAULT ''
)"""

_INDEXES = """
CREATE INDEX IF NOT EXISTS proposals_record ON proposals(record);
CREATE INDEX IF NOT EXISTS proposals_agency ON proposals(agency)
"""

PROPOSALS_SCHEMA = Schema(
    "proposals",
    ("proposals",),
    (
        Migration(1, _TABLE.format(name="proposals", seq="", key="PRIMARY KEY") + ";" + _INDEXES),
        Migration(
            2,
            _TABLE.format(name="proposals_v2", seq="seq {serial},\n  ", key="NOT NULL UNIQUE")
            + f";\nINSERT INTO proposals_v2 (seq, {_COLUMNS})"
            f" SELECT rowid, {_COLUMNS} FROM proposals ORDER BY rowid;"
            "\nDROP TABLE proposals;\nALTER TABLE proposals_v2 RENAME TO proposals;" + _INDEXES,
            postgres="ALTER TABLE proposals ADD COLUMN seq BIGSERIAL",
        ),
    ),
)
"""The proposals table (in `registry.sqlite` on the embedded state); version 2 numbers the
rows (`seq`), the order proposals made in the same millisecond are listed in."""


class ProposalState(enum.StrEnum):
    """Where a proposal stands; only an open one can be decided."""

    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """A newer proposal for the same record took its place."""
    WITHDRAWN = "withdrawn"
    """The record was withdrawn from the registry while the proposal was open."""


@dataclasses.dataclass(frozen=True)
class Proposal:
    """One proposal. `sha256` names the proposed record's N-Triples, `assessment` the N-Quads
    of the compatibility assessment graphs it was given (None: nothing to assess), `reasons`
    why it needs review: (`version-added` or `version-completed`, the version number)."""

    id: str
    record: str
    identifier: str
    agency: str
    proposer: str
    created: str
    base: str | None
    sha256: str
    assessment: str | None
    reasons: tuple[tuple[str, str], ...]
    state: ProposalState
    decided_by: str | None = None
    decided_at: str | None = None
    comment: str = ""

    @property
    def is_open(self) -> bool:
        return self.state is ProposalState.OPEN

    def to_dict(self) -> dict[str, object]:
        fields = dataclasses.asdict(self)
        fields["reasons"] = [{"change": c, "version": v} for c, v in self.reasons]
        fields["state"] = str(self.state)
        return fields


def _proposal(row: tuple[object, ...]) -> Proposal:
    values = list(row)
    values[9] = tuple((str(c), str(v)) for c, v in json.loads(str(values[9])))
    values[10] = ProposalState(str(values[10]))
    values[13] = str(values[13] or "")
    return Proposal(*values)  # type: ignore[arg-type]


class Proposals:
    """The proposals table, in a state `Database` (shareable between threads)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def close(self) -> None:
        """Nothing of its own: the database closes with its state."""

    def add(self, proposal: Proposal) -> list[str]:
        """Keep `proposal` (its id is replaced by a fresh one: returned first) and mark the
        record's open proposals superseded; the ids superseded follow."""
        fresh = dataclasses.replace(proposal, id=secrets.token_hex(8))
        with self._db.session() as session:
            superseded = [
                str(row[0])
                for row in session.execute(
                    "SELECT id FROM proposals WHERE record = ? AND state = ?",
                    (fresh.record, str(ProposalState.OPEN)),
                )
            ]
            session.executemany(
                "UPDATE proposals SET state = ?, decided_by = ?, decided_at = ? WHERE id = ?",
                [
                    (str(ProposalState.SUPERSEDED), fresh.proposer, fresh.created, old)
                    for old in superseded
                ],
            )
            row = fresh.to_dict()
            row["reasons"] = json.dumps([list(r) for r in fresh.reasons])
            session.execute(
                f"INSERT INTO proposals ({_COLUMNS}) VALUES ({', '.join('?' * 14)})",
                tuple(row.values()),
            )
        return [fresh.id, *superseded]

    def get(self, proposal_id: str) -> Proposal:
        rows = self._db.query(f"SELECT {_COLUMNS} FROM proposals WHERE id = ?", (proposal_id,))
        if not rows:
            raise NotFoundError(f"no proposal {proposal_id!r}")
        return _proposal(rows[0])

    def find(
        self, *, agency: str | None = None, state: ProposalState | None = None, limit: int = 500
    ) -> list[Proposal]:
        """Proposals newest first, of one agency (IRI) and in one state when given."""
        query = f"SELECT {_COLUMNS} FROM proposals WHERE 1 = 1"
        params: list[object] = []
        if agency is not None:
            query += " AND agency = ?"
            params.append(agency)
        if state is not None:
            query += " AND state = ?"
            params.append(str(state))
        query += " ORDER BY created DESC, seq DESC LIMIT ?"
        params.append(limit)
        rows = self._db.query(query, params)
        return [_proposal(row) for row in rows]

    def decide(self, proposal_id: str, state: ProposalState, actor: str, comment: str) -> Proposal:
        """Close an open proposal (the caller checked it is open, under the registry's write
        lock, so no other decision comes between)."""
        with self._db.session() as session:
            session.execute(
                "UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?, comment = ?"
                " WHERE id = ? AND state = ?",
                (str(state), actor, utc_now(), comment, proposal_id, str(ProposalState.OPEN)),
            )
        return self.get(proposal_id)

    def close_open(self, record: str, state: ProposalState, actor: str) -> list[str]:
        """Close every open proposal of a record (withdrawn with it): the ids closed."""
        with self._db.session() as session:
            ids = [
                str(row[0])
                for row in session.execute(
                    "SELECT id FROM proposals WHERE record = ? AND state = ?",
                    (record, str(ProposalState.OPEN)),
                )
            ]
            session.execute(
                "UPDATE proposals SET state = ?, decided_by = ?, decided_at = ?"
                " WHERE record = ? AND state = ?",
                (str(state), actor, utc_now(), record, str(ProposalState.OPEN)),
            )
        return ids
