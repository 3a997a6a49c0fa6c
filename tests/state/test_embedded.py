"""The embedded state: NIF_HOME's files as they always were, and a NIF_HOME an earlier nif made
opens with every row it kept."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from nif.auth import TOKENS_SCHEMA, Role, TokenStore
from nif.certify import RUNS_SCHEMA
from nif.errors import NifError
from nif.registry import HISTORY_SCHEMA, PROPOSALS_SCHEMA
from nif.registry._history import History
from nif.registry._proposals import Proposals
from nif.settings import Settings
from nif.state import EmbeddedState, Migration, Schema, open_blobs, open_state

ITEMS = Schema("items", ("items",), (Migration(1, "CREATE TABLE items (id {serial})"),))

# What nif kept in NIF_HOME before the state (its schemas then, written out here by hand).
OLD_REGISTRY = """
CREATE TABLE versions (id INTEGER PRIMARY KEY, record TEXT NOT NULL, identifier TEXT NOT NULL,
  kind TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL, sha256 TEXT,
  triples INTEGER NOT NULL DEFAULT 0);
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE TABLE proposals (id TEXT PRIMARY KEY, record TEXT NOT NULL, identifier TEXT NOT NULL,
  agency TEXT NOT NULL, proposer TEXT NOT NULL, created TEXT NOT NULL, base TEXT,
  sha256 TEXT NOT NULL, assessment TEXT, reasons TEXT NOT NULL DEFAULT '[]', state TEXT NOT NULL,
  decided_by TEXT, decided_at TEXT, comment TEXT NOT NULL DEFAULT '');
INSERT INTO versions (record, identifier, kind, action, actor, at, sha256, triples) VALUES
  ('https://r.example/a', 'a', 'agency', 'submit', 'ada', '2025-01-01T00:00:00.000Z', 'aa', 3),
  ('https://r.example/a', 'a', 'agency', 'withdraw', 'bob', '2025-01-02T00:00:00.000Z', NULL, 0);
INSERT INTO audit (at, actor, action, target, outcome) VALUES
  ('2025-01-01T00:00:00.000Z', 'ada', 'submit', 'a.ttl', 'stored');
INSERT INTO proposals (id, record, identifier, agency, proposer, created, sha256, state) VALUES
  ('p1', 'https://r.example/i', 'i', 'https://r.example/a', 'ada', '2025-01-03', 'bb', 'open'),
  ('p2', 'https://r.example/j', 'j', 'https://r.example/a', 'ada', '2025-01-03', 'cc', 'open');
"""
OLD_SECRETS = """
CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, agency TEXT,
  salt BLOB NOT NULL, hash BLOB NOT NULL, created TEXT NOT NULL, revoked TEXT);
"""
OLD_CERTIFICATION = """
CREATE TABLE runs (id TEXT PRIMARY KEY, agency TEXT NOT NULL, interface TEXT NOT NULL,
  version TEXT NOT NULL, purpose TEXT NOT NULL, mode TEXT NOT NULL, started TEXT NOT NULL,
  passed INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE evidence (run TEXT NOT NULL REFERENCES runs (id), path TEXT NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (run, path));
INSERT INTO runs VALUES ('r-z', 'tax', 'vat', '1.0.0', 'self-test', 'evidence', '2025-01-04', 1, '{}');
INSERT INTO runs VALUES ('r-a', 'tax', 'vat', '1.0.0', 'self-test', 'evidence', '2025-01-04', 0, '{}');
"""


def _old_home(home: Path) -> dict[str, str]:
    """A NIF_HOME as the previous nif left it; the tokens made in it (id -> token)."""
    home.mkdir(parents=True)
    for name, sql in (
        ("registry.sqlite", OLD_REGISTRY),
        ("secrets.sqlite", OLD_SECRETS),
        ("certification.sqlite", OLD_CERTIFICATION),
    ):
        with sqlite3.connect(home / name) as db:
            db.executescript(sql)
    tokens = {}
    with sqlite3.connect(home / "secrets.sqlite") as db:
        for token_id, created in (("f" * 16, "2025-02-01"), ("0" * 16, "2025-01-01")):
            secret, salt = "s" * 43, os.urandom(16)
            digest = hashlib.sha256(salt + secret.encode()).digest()
            db.execute(
                "INSERT INTO tokens VALUES (?, 'ci', 'admin', NULL, ?, ?, ?, NULL)",
                (token_id, salt, digest, created),
            )
            tokens[token_id] = f"nif_{token_id}_{secret}"
    (home / "blobs" / "ab").mkdir(parents=True)
    (home / "blobs" / "ab" / ("c" * 62)).write_bytes(b"old artefact")
    evidence = hashlib.sha256(b"old evidence").hexdigest()
    (home / "evidence" / evidence[:2]).mkdir(parents=True)
    (home / "evidence" / evidence[:2] / evidence).write_bytes(b"old evidence")
    return tokens


def test_a_home_an_earlier_nif_made_keeps_every_row(tmp_path: Path) -> None:
    home = tmp_path / "home"
    tokens = _old_home(home)
    with EmbeddedState(home) as state:
        store = TokenStore(state)
        assert [t.token_id for t in store.list()] == list(tokens)  # the order they were made
        for token_id, token in tokens.items():
            assert store.authenticate(token).token_id == token_id
            assert store.authenticate(token).role is Role.ADMIN
        history = History(state.database(HISTORY_SCHEMA))
        assert [v.action for v in history.versions("a")] == ["submit", "withdraw"]
        assert [e.target for e in history.audit_log()] == ["a.ttl"]
        proposals = Proposals(state.database(PROPOSALS_SCHEMA))
        assert [p.id for p in proposals.find()] == ["p2", "p1"]  # newest first, as made
        runs = state.database(RUNS_SCHEMA)
        rows = runs.query("SELECT id FROM runs ORDER BY started DESC, seq DESC")
        assert [r[0] for r in rows] == ["r-a", "r-z"]
        assert state.blobs("artefacts").get("ab" + "c" * 62) == b"old artefact"
        evidence = hashlib.sha256(b"old evidence").hexdigest()
        assert state.blobs("evidence").get(evidence) == b"old evidence"
        for schema in (HISTORY_SCHEMA, PROPOSALS_SCHEMA, TOKENS_SCHEMA, RUNS_SCHEMA):
            versions = state.database(schema).query(
                "SELECT version FROM nif_migrations WHERE component = ? ORDER BY version",
                (schema.component,),
            )
            assert [v[0] for v in versions] == list(range(1, schema.version + 1))
    with EmbeddedState(home) as again:  # opened again: nothing migrated twice
        assert [t.token_id for t in TokenStore(again).list()] == list(tokens)


def test_each_component_keeps_its_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with EmbeddedState(home) as state:
        for schema in (HISTORY_SCHEMA, PROPOSALS_SCHEMA, TOKENS_SCHEMA, RUNS_SCHEMA, ITEMS):
            state.database(schema)
        state.changes.publish()
    tables = {}
    for name in ("registry", "secrets", "certification", "items"):
        with sqlite3.connect(home / f"{name}.sqlite") as db:
            found = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables[name] = sorted(t[0] for t in found)
    assert tables == {
        "registry": ["audit", "nif_changes", "nif_migrations", "proposals", "versions"],
        "secrets": ["nif_migrations", "tokens"],
        "certification": ["evidence", "nif_migrations", "runs"],
        "items": ["items", "nif_migrations"],
    }


def test_databases_are_private_and_in_wal_mode(tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = os.umask(0o022)  # a lax umask: the files are private all the same
    try:
        with EmbeddedState(home) as state:
            state.database(ITEMS).query("INSERT INTO items DEFAULT VALUES")
            files = sorted(home.glob("items.sqlite*"))
            assert [f.name for f in files] == [
                "items.sqlite",
                "items.sqlite-shm",
                "items.sqlite-wal",
            ]
            assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    finally:
        os.umask(old)
    with sqlite3.connect(home / "items.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_blob_layouts_are_the_ones_nif_always_had(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with EmbeddedState(home) as state:
        artefact = state.blobs("artefacts").put(b"artefact")
        evidence = state.blobs("evidence").put(b"evidence")
        assert state.blobs("artefacts").local_path(artefact) == (
            home / "blobs" / artefact[:2] / artefact[2:]
        )
        assert state.blobs("evidence").local_path(evidence) == (
            home / "evidence" / evidence[:2] / evidence
        )
        state.secret("certificate-key", lambda: b"pem")
    assert (home / "certificate-key.pem").read_bytes() == b"pem"
    assert stat.S_IMODE((home / "certificate-key.pem").stat().st_mode) == 0o600
    settings = Settings(home=home)
    assert open_blobs(settings, "artefacts").get(artefact) == b"artefact"
    assert open_blobs(settings, "evidence").get(evidence) == b"evidence"


def test_damaged_evidence_is_an_error_never_served(tmp_path: Path) -> None:
    with EmbeddedState(tmp_path / "home") as state:
        blobs = state.blobs("evidence")
        digest = blobs.put(b"what the run saw")
        blobs.local_path(digest).write_bytes(b"something else")
        with pytest.raises(NifError, match=f"evidence blob {digest} is damaged"):
            blobs.get(digest)
        with pytest.raises(NifError, match="damaged"), blobs.open(digest):
            pass


def test_unfinished_writes_are_not_blobs(tmp_path: Path) -> None:
    with EmbeddedState(tmp_path / "home") as state:
        blobs = state.blobs("artefacts")
        digest = blobs.put(b"kept")
        (blobs.local_path(digest).parent / ".tmp-abc").write_bytes(b"half")
        (tmp_path / "home" / "blobs" / ".tmp-stream").write_bytes(b"half")
        assert list(blobs.digests()) == [digest]


def test_open_state_picks_the_back_end_by_the_setting(tmp_path: Path) -> None:
    with open_state(Settings(home=tmp_path)) as state:
        assert isinstance(state, EmbeddedState) and state.kind == "embedded"
        assert state.describe() == f"files under {tmp_path}"
    with pytest.raises(NifError, match=r"empty .* or a postgresql:// URL, not one with mysql"):
        open_state(Settings(home=tmp_path, state="mysql://db/nif"))
    with pytest.raises(NifError, match="not one without a scheme") as refused:
        open_state(Settings(home=tmp_path, state="nif:s3cret@db/nif"))
    assert "s3cret" not in str(refused.value)


def test_a_secret_name_must_be_a_plain_word(tmp_path: Path) -> None:
    with EmbeddedState(tmp_path) as state, pytest.raises(NifError, match="secret's name"):
        state.secret("../key", lambda: b"x")
