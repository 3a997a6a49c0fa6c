"""The migration runner both back ends share: which versions are applied, the missing ones in
order, and a clear refusal of a database a newer nif has migrated past what this one knows.

The bookkeeping is one table, `nif_migrations(component, version, applied)`, in the database
that holds the component's tables. The runner works on a `Session` the back end opened (and
locked against a second process migrating at once), so the migrations and their bookkeeping
commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import re

from nif.errors import StateError
from nif.state._base import Dialect, Migration, Schema, Session

_WORDS = {
    Dialect.SQLITE: {"{serial}": "INTEGER PRIMARY KEY", "{bytes}": "BLOB"},
    Dialect.POSTGRES: {"{serial}": "BIGSERIAL PRIMARY KEY", "{bytes}": "BYTEA"},
}

_COMPONENT = re.compile(r"[a-z][a-z0-9_]{0,40}")

BOOKKEEPING = (
    "CREATE TABLE IF NOT EXISTS nif_migrations ("
    " component TEXT NOT NULL, version INTEGER NOT NULL, applied TEXT NOT NULL,"
    " PRIMARY KEY (component, version))"
)


def ddl(sql: str, dialect: Dialect) -> str:
    """`sql` with the DDL words (`{serial}`, `{bytes}`) this dialect's way."""
    for word, meaning in _WORDS[dialect].items():
        sql = sql.replace(word, meaning)
    return sql


def statements(sql: str) -> list[str]:
    """The statements of a migration's text, split at `;` (migrations hold no literal `;`)."""
    return [s.strip() for s in sql.split(";") if s.strip()]


def check_schema(schema: Schema) -> None:
    """Refuse a schema that cannot be migrated safely: a bad component name (it names a file
    on the embedded back end), or versions that are not 1, 2, 3... in order."""
    if not _COMPONENT.fullmatch(schema.component):
        raise StateError(
            f"{schema.component!r} is not a state component name (lowercase letters, digits, _)"
        )
    versions = [m.version for m in schema.migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise StateError(
            f"the migrations of {schema.component} are numbered {versions}: they must be "
            "1, 2, 3... in order"
        )


def applied_version(session: Session, component: str) -> int:
    """The highest version of `component` applied in this database (0: none)."""
    rows = session.execute(
        "SELECT max(version) FROM nif_migrations WHERE component = ?", (component,)
    )
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def migrate(session: Session, schema: Schema, dialect: Dialect, where: str) -> list[int]:
    """Apply `schema`'s missing migrations in order in `session` (the caller's transaction,
    which keeps a second process out): the versions applied. `where` names the database in
    the refusal of one a newer nif migrated (never a password)."""
    check_schema(schema)
    session.execute(BOOKKEEPING)
    current = applied_version(session, schema.component)
    if current > schema.version:
        raise StateError(
            f"the {schema.component} tables in {where} are at version {current}, newer than "
            f"this nif knows ({schema.version}): a newer nif wrote them; run that version, or "
            "restore a backup made for this one"
        )
    done = []
    for migration in schema.migrations[current:]:
        for statement in statements(_text(migration, dialect)):
            session.execute(ddl(statement, dialect))
        session.execute(
            "INSERT INTO nif_migrations (component, version, applied) VALUES (?, ?, ?)",
            (schema.component, migration.version, _now()),
        )
        done.append(migration.version)
    return done


def _text(migration: Migration, dialect: Dialect) -> str:
    if dialect is Dialect.POSTGRES and migration.postgres is not None:
        return migration.postgres
    return migration.sql


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
