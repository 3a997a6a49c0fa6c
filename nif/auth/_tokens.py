"""Bearer tokens kept as salted hashes in the state (never in the SPARQL store).

A token reads `nif_<id>_<secret>`: the id finds the row, the secret is checked against its
salted SHA-256 in constant time. A fast hash is enough here, unlike for passwords: the secret is
32 random bytes, so there is nothing to guess from a stolen hash, and every request pays it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
from pathlib import Path

from nif.errors import AuthenticationError, ForbiddenError, NotFoundError, UsageError
from nif.settings import Settings
from nif.state import EmbeddedState, Migration, Schema, State, open_with_state


class Role(enum.StrEnum):
    """What a token may do. Reads and self-tests need no token."""

    PUBLISHER = "publisher"
    """Writes the records of one agency (the token's agency)."""
    CERTIFIER = "certifier"
    """Issues and revokes certificates."""
    ADMIN = "admin"
    """Everything, including every agency's records."""


@dataclasses.dataclass(frozen=True)
class Principal:
    """The holder of a valid token, as the service sees it."""

    token_id: str
    name: str
    role: Role
    agency: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal: never the secret."""
        return f"token:{self.token_id} ({self.name})"

    def publisher_scope(self) -> str | None:
        """The only agency this principal may write records for; None means any (admin)."""
        if self.role is Role.ADMIN:
            return None
        if self.role is Role.PUBLISHER:
            assert self.agency is not None
            return self.agency
        raise ForbiddenError(
            f"a {self.role} token cannot write registry records; use a publisher or admin token"
        )


@dataclasses.dataclass(frozen=True)
class TokenInfo:
    """A token's row without its secret or hash (what `nif token list` shows)."""

    token_id: str
    name: str
    role: Role
    agency: str | None
    created: str
    revoked: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "id": self.token_id,
            "name": self.name,
            "role": str(self.role),
            "agency": self.agency,
            "created": self.created,
            "revoked": self.revoked,
        }


_TOKEN = re.compile(r"nif_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")

_COLUMNS = "id, name, role, agency, salt, hash, created, revoked"

TOKENS_SCHEMA = Schema(
    "tokens",
    ("tokens",),
    (
        Migration(
            1,
            """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    salt {bytes} NOT NULL,
    hash {bytes} NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
)
""",
        ),
        Migration(
            2,
            f"""
CREATE TABLE tokens_v2 (
    seq {{serial}},
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    salt {{bytes}} NOT NULL,
    hash {{bytes}} NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
);
INSERT INTO tokens_v2 (seq, {_COLUMNS}) SELECT rowid, {_COLUMNS} FROM tokens ORDER BY rowid;
DROP TABLE tokens;
ALTER TABLE tokens_v2 RENAME TO tokens
""",
            postgres="ALTER TABLE tokens ADD COLUMN seq BIGSERIAL",
        ),
    ),
)
"""The tokens table; version 2 numbers the rows (`seq`, the order they were made in)."""


def _digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class TokenStore:
    """The tokens of one state (`secrets.sqlite` in NIF_HOME); safe to share between threads."""

    def __init__(self, state: State | Path) -> None:
        self._own: State | None = None
        if isinstance(state, Path):  # the embedded state of a `secrets.sqlite` file's folder
            if state.name != "secrets.sqlite":
                raise UsageError(f"{state}: the token database is a folder's secrets.sqlite")
            state = self._own = EmbeddedState(state.parent)
        self.state = state
        self._db = state.database(TOKENS_SCHEMA)

    @classmethod
    def open(cls, settings: Settings) -> TokenStore:
        """The tokens of the state the settings name, which it opens and closes with itself."""
        store, state = open_with_state(settings, cls)
        store._own = state
        return store

    def __enter__(self) -> TokenStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the state if this store opened it (a path was given), else nothing."""
        if self._own is not None:
            self._own.close()

    def create(
        self, name: str, role: Role | str, agency: str | None = None
    ) -> tuple[str, TokenInfo]:
        """A new token: the secret string (shown once, never stored) and its row."""
        try:
            role = Role(role)
        except ValueError:
            raise UsageError(f"no role {role!r}: use {', '.join(Role)}") from None
        name = name.strip()
        agency = (agency or "").strip() or None
        if not name:
            raise UsageError("a token needs a name (who or what holds it)")
        if role is Role.PUBLISHER and not agency:
            raise UsageError("a publisher token needs --agency: the agency whose records it writes")
        if role is not Role.PUBLISHER and agency:
            raise UsageError(f"a {role} token is not bound to an agency; drop --agency")
        token_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        created = _now()
        self._db.query(
            "INSERT INTO tokens (id, name, role, agency, salt, hash, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (token_id, name, str(role), agency, salt, _digest(salt, secret), created),
        )
        return f"nif_{token_id}_{secret}", TokenInfo(token_id, name, role, agency, created, None)

    def list(self, include_revoked: bool = False) -> list[TokenInfo]:
        query = "SELECT id, name, role, agency, created, revoked FROM tokens"
        if not include_revoked:
            query += " WHERE revoked IS NULL"
        rows = self._db.query(query + " ORDER BY seq")
        return [TokenInfo(r[0], r[1], Role(r[2]), r[3], r[4], r[5]) for r in rows]

    def revoke(self, token_id: str) -> TokenInfo:
        """Revoke by id (the part after `nif_`); revoking twice is harmless."""
        with self._db.session() as session:
            session.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (_now(), token_id),
            )
            rows = session.execute(
                "SELECT id, name, role, agency, created, revoked FROM tokens WHERE id = ?",
                (token_id,),
            )
        if not rows:
            raise NotFoundError(f"no token with id {token_id!r} (see `nif token list`)")
        row = rows[0]
        return TokenInfo(row[0], row[1], Role(row[2]), row[3], row[4], row[5])

    def authenticate(self, token: str) -> Principal:
        """The principal of a presented token, or AuthenticationError (which never echoes it)."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise AuthenticationError("the bearer token is malformed (expected nif_<id>_<secret>)")
        token_id, secret = match.groups()
        rows = self._db.query(
            "SELECT name, role, agency, salt, hash, revoked FROM tokens WHERE id = ?", (token_id,)
        )
        row = rows[0] if rows else None
        if row is None or not hmac.compare_digest(_digest(bytes(row[3]), secret), bytes(row[4])):
            raise AuthenticationError("the bearer token is not valid")
        if row[5] is not None:
            raise AuthenticationError(f"the bearer token {token_id} was revoked on {row[5]}")
        return Principal(token_id, row[0], Role(row[1]), row[2])
