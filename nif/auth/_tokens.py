"""Bearer tokens kept as salted hashes in SQLite under NIF_HOME (never in the SPARQL store).

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
import sqlite3
import threading
from pathlib import Path

from nif.errors import AuthenticationError, ForbiddenError, NotFoundError, UsageError
from nif.home import private_file


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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created TEXT NOT NULL,
    revoked TEXT
)
"""


def _digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class TokenStore:
    """The tokens of one NIF_HOME (`secrets.sqlite`); safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            private_file(path), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
        with self._lock:
            self._db.execute(
                "INSERT INTO tokens (id, name, role, agency, salt, hash, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (token_id, name, str(role), agency, salt, _digest(salt, secret), created),
            )
        return f"nif_{token_id}_{secret}", TokenInfo(token_id, name, role, agency, created, None)

    def list(self, include_revoked: bool = False) -> list[TokenInfo]:
        query = "SELECT id, name, role, agency, created, revoked FROM tokens"
        if not include_revoked:
            query += " WHERE revoked IS NULL"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY rowid").fetchall()
        return [TokenInfo(r[0], r[1], Role(r[2]), r[3], r[4], r[5]) for r in rows]

    def revoke(self, token_id: str) -> TokenInfo:
        """Revoke by id (the part after `nif_`); revoking twice is harmless."""
        with self._lock:
            self._db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (_now(), token_id),
            )
            row = self._db.execute(
                "SELECT id, name, role, agency, created, revoked FROM tokens WHERE id = ?",
                (token_id,),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no token with id {token_id!r} (see `nif token list`)")
        return TokenInfo(row[0], row[1], Role(row[2]), row[3], row[4], row[5])

    def authenticate(self, token: str) -> Principal:
        """The principal of a presented token, or AuthenticationError (which never echoes it)."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None:
            raise AuthenticationError("the bearer token is malformed (expected nif_<id>_<secret>)")
        token_id, secret = match.groups()
        with self._lock:
            row = self._db.execute(
                "SELECT name, role, agency, salt, hash, revoked FROM tokens WHERE id = ?",
                (token_id,),
            ).fetchone()
        if row is None or not hmac.compare_digest(_digest(row[3], secret), row[4]):
            raise AuthenticationError("the bearer token is not valid")
        if row[5] is not None:
            raise AuthenticationError(f"the bearer token {token_id} was revoked on {row[5]}")
        return Principal(token_id, row[0], Role(row[1]), row[2])
