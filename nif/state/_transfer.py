"""Moving a state between back ends: every table of every component as JSON Lines, the blob
namespaces as files, the secrets as files, into an export folder and back.

Generic over `Schema.tables` and `Blobs`, so SQLite files and PostgreSQL dump and load the same
way. A table file starts with a header line naming its columns (sorted by name: the back ends
may order them differently, the export does not); each further line is one row as a JSON array
(bytes as `{"b64": ...}`), in the order of the table's `id`. Rows load with their ids as they
were (history and audit ids are what users cite), and PostgreSQL's sequences are moved past them.
Identifiers in the files are never put into SQL: the columns must be ones the target table has.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from nif.errors import InputError, UsageError
from nif.state._base import Database, Dialect, Schema, Session, State
from nif.state._export_folder import ExportReader, ExportWriter

MAX_LINE_BYTES = 64 * 1024 * 1024
"""The longest row line an import reads (a certification run's data is the largest value)."""
_BATCH = 500

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class StateParts:
    """What of a state an export carries: the components' tables (`schemas`, in the order to
    load them), the blob namespaces and the secrets, by name."""

    schemas: tuple[Schema, ...]
    blobs: tuple[str, ...] = ("artefacts", "evidence")
    secrets: tuple[str, ...] = ("certificate-key",)


def export_state(
    state: State, parts: StateParts, out: ExportWriter, progress: Progress
) -> dict[str, Any]:
    """Write the tables, blobs and secrets of `parts`; the manifest's entries for them."""
    components = dump_tables(state, parts.schemas, out, progress)
    blobs = dump_blobs(state, parts.blobs, out, progress)
    secrets = dump_secrets(state, parts.secrets, out)
    progress(f"secrets: {', '.join(secrets) or 'none kept'}")
    return {"components": components, "blobs": blobs, "secrets": secrets}


def import_state(
    state: State, parts: StateParts, reader: ExportReader, *, replace: bool, progress: Progress
) -> None:
    """Load what `export_state` wrote: blobs, then secrets, then the tables (replaced)."""
    load_blobs(state, parts.blobs, reader, progress)
    secrets = load_secrets(state, reader, replace=replace)
    progress(f"secrets: {', '.join(secrets) or 'none in the export'}")
    load_tables(state, parts.schemas, reader, progress)


def state_content(state: State, parts: StateParts, reader: ExportReader) -> list[str]:
    """What the state holds already that an import would overwrite, in words."""
    found = describe_content(state, parts.schemas, parts.blobs)
    for relative in reader.listed("secrets/"):
        name = relative.removeprefix("secrets/")
        try:
            kept = state.secret(name, _no_secret)
        except _NoSecret:
            continue
        if kept != reader.path(relative).read_bytes():
            found.append(f"a different {name}")
    return found


class _NoSecret(Exception):
    """Raised by the `make` of an export's `State.secret` call: export must not create one."""


def dump_tables(
    state: State, schemas: Sequence[Schema], out: ExportWriter, progress: Progress
) -> dict[str, Any]:
    """Write every table of `schemas` to `tables/<component>/<table>.jsonl`; the manifest's
    `components` part (each one's schema version and row counts)."""
    components: dict[str, Any] = {}
    for schema in schemas:
        db = state.database(schema)
        counts = {}
        with db.session() as session:
            for table in schema.tables:
                columns = sorted(table_columns(session, db.dialect, table))
                with out.create(f"tables/{schema.component}/{table}.jsonl") as stream:
                    stream.write(_line({"columns": columns}))
                    counts[table] = 0
                    for row in session.execute(_select(table, columns)):
                        stream.write(_line([_encode(v) for v in row]))
                        counts[table] += 1
        components[schema.component] = {"version": schema.version, "tables": counts}
        progress(f"{schema.component}: {_counted(counts)}")
    return components


def dump_blobs(
    state: State, names: Sequence[str], out: ExportWriter, progress: Progress
) -> dict[str, int]:
    """Stream every blob of the namespaces `names` to `blobs/<name>/<sha[:2]>/<sha>`."""
    counts = {}
    for name in names:
        blobs = state.blobs(name)
        counts[name] = 0
        for digest in sorted(blobs.digests()):
            with blobs.open(digest) as stream:
                out.copy(f"blobs/{name}/{digest[:2]}/{digest}", stream)
            counts[name] += 1
        progress(f"{name} blobs: {counts[name]}")
    return counts


def dump_secrets(state: State, names: Sequence[str], out: ExportWriter) -> list[str]:
    """Write the secrets `names` that the state keeps (one is never made for the export)."""
    kept = []
    for name in names:
        try:
            value = state.secret(name, _no_secret)
        except _NoSecret:
            continue
        with out.create(f"secrets/{name}") as stream:
            stream.write(value)
        kept.append(name)
    return kept


def _no_secret() -> bytes:
    raise _NoSecret


def _constant(value: bytes) -> Callable[[], bytes]:
    return lambda: value


def check_versions(reader: ExportReader, schemas: Sequence[Schema]) -> None:
    """Refuse an export whose tables a newer nif wrote, or that lacks a component or one of
    its tables (an older nif's export may lack a table a later migration added)."""
    components = reader.manifest.get("components")
    if not isinstance(components, dict):
        raise InputError(f"{reader.root}/manifest.json names no components")
    for schema in schemas:
        entry = components.get(schema.component)
        version = entry.get("version") if isinstance(entry, dict) else None
        if not isinstance(version, int):
            raise InputError(
                f"{reader.root}/manifest.json has no version for the {schema.component} tables"
            )
        if version > schema.version:
            raise InputError(
                f"the export's {schema.component} tables are at version {version}, newer than "
                f"this nif knows ({schema.version}): import with the nif that exported them"
            )
        for table in schema.tables:
            relative = f"tables/{schema.component}/{table}.jsonl"
            if relative not in reader.files and version == schema.version:
                raise InputError(f"{reader.root}/manifest.json does not list {relative}")


def describe_content(state: State, schemas: Sequence[Schema], blobs: Sequence[str]) -> list[str]:
    """What the state holds already, in words (`12 versions rows`), for a refused import."""
    found = []
    for schema in schemas:
        db = state.database(schema)
        with db.session() as session:
            for table in schema.tables:
                count = int(session.execute(f"SELECT count(*) FROM {_quoted(table)}")[0][0])
                if count:
                    found.append(f"{count} {table} row(s)")
    for name in blobs:
        count = sum(1 for _ in state.blobs(name).digests())
        if count:
            found.append(f"{count} {name} blob(s)")
    return found


def load_blobs(
    state: State, names: Sequence[str], reader: ExportReader, progress: Progress
) -> None:
    """Put every blob file of the export into its namespace, streamed, checked by its name."""
    for name in names:
        blobs = state.blobs(name)
        listed = reader.listed(f"blobs/{name}/")
        for relative in listed:
            with reader.path(relative).open("rb") as stream:
                digest = blobs.put_stream(stream)
            if relative.rsplit("/", 1)[-1] != digest:
                raise InputError(f"{reader.root / relative} does not hold the blob it names")
        progress(f"{name} blobs: {len(listed)}")


def load_secrets(state: State, reader: ExportReader, *, replace: bool) -> list[str]:
    """Keep each secret of the export under its name (replacing the target's with `replace`).
    A target that already keeps a different one without `replace` is refused."""
    loaded = []
    for relative in reader.listed("secrets/"):
        name = relative.removeprefix("secrets/")
        value = reader.path(relative).read_bytes()
        if state.secret(name, _constant(value)) != value:
            if not replace:
                raise UsageError(
                    f"the target keeps a different {name}: import with --replace to overwrite it"
                )
            state.replace_secret(name, value)
        loaded.append(name)
    return loaded


def load_tables(
    state: State, schemas: Sequence[Schema], reader: ExportReader, progress: Progress
) -> None:
    """Replace every table of `schemas` with the export's rows, one transaction a component,
    ids kept; on PostgreSQL each sequence then continues after the highest id loaded."""
    for schema in schemas:
        db = state.database(schema)
        counts: dict[str, int] = {}
        with db.session() as session:
            for table in reversed(schema.tables):
                session.execute(f"DELETE FROM {_quoted(table)}")
            for table in schema.tables:
                relative = f"tables/{schema.component}/{table}.jsonl"
                if relative in reader.files:  # else an older nif's export, without the table
                    counts[table] = _load_table(session, db, table, reader, relative)
            if db.dialect is Dialect.POSTGRES:
                for table in schema.tables:
                    _continue_sequences(session, table)
        progress(f"{schema.component}: {_counted(counts)}")


def _load_table(
    session: Session, db: Database, table: str, reader: ExportReader, relative: str
) -> int:
    known = table_columns(session, db.dialect, table)
    path = reader.path(relative)
    count = 0
    with path.open("rb") as stream:
        lines = _lines(stream, str(path))
        header = next(lines, None)
        columns = header.get("columns") if isinstance(header, dict) else None
        if not isinstance(columns, list) or not columns:
            raise InputError(f"{path}: the first line must name the columns")
        unknown = [c for c in columns if c not in known]
        if unknown or len(set(columns)) != len(columns):
            raise InputError(
                f"{path}: columns {unknown or columns} are not those of the {table} table here"
            )
        insert = (
            f"INSERT INTO {_quoted(table)} ({', '.join(_quoted(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        batch: list[list[object]] = []
        for number, row in enumerate(lines, start=2):
            if not isinstance(row, list) or len(row) != len(columns):
                raise InputError(f"{path}, line {number}: not a row of {len(columns)} values")
            batch.append([_decode(v, path, number) for v in row])
            if len(batch) >= _BATCH:
                session.executemany(insert, batch)
                count += len(batch)
                batch = []
        if batch:
            session.executemany(insert, batch)
            count += len(batch)
    return count


def _continue_sequences(session: Session, table: str) -> None:
    """Move each sequence of `table` (its `{serial}` column) past the highest id loaded."""
    columns = session.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    for (column,) in columns:
        sequence = session.execute("SELECT pg_get_serial_sequence(?, ?)", (table, column))
        if sequence and sequence[0][0]:
            session.execute(
                f"SELECT setval(?, COALESCE((SELECT max({_quoted(column)}) FROM "
                f"{_quoted(table)}), 0) + 1, false)",
                (sequence[0][0],),
            )


def table_columns(session: Session, dialect: Dialect, table: str) -> list[str]:
    """The columns of `table` in their order, as the back end defines them."""
    if dialect is Dialect.POSTGRES:
        rows = session.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(r[0]) for r in rows]
    return [str(r[1]) for r in session.execute(f"PRAGMA table_info({_quoted(table)})")]


def _select(table: str, columns: Sequence[str]) -> str:
    order = "id" if "id" in columns else ", ".join(_quoted(c) for c in columns[:2])
    return f"SELECT {', '.join(_quoted(c) for c in columns)} FROM {_quoted(table)} ORDER BY {order}"


def _quoted(identifier: str) -> str:
    if not identifier.replace("_", "").isalnum() or not identifier.isascii():
        raise InputError(f"{identifier!r} is not a table or column name nif uses")
    return f'"{identifier}"'


def _lines(stream: Any, shown: str) -> Iterator[Any]:
    number = 0
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise InputError(f"{shown}, line {number}: over {MAX_LINE_BYTES} bytes, refused")
        try:
            yield json.loads(line)
        except ValueError as exc:
            raise InputError(f"{shown}, line {number}: not JSON ({exc})") from None


def _line(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _encode(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    if value is None or isinstance(value, str | int | float):
        return value
    raise InputError(f"a {type(value).__name__} value cannot be exported: {value!r}")


def _decode(value: object, path: object, number: int) -> object:
    if isinstance(value, dict):
        if set(value) == {"b64"} and isinstance(value["b64"], str):
            try:
                return base64.b64decode(value["b64"], validate=True)
            except ValueError:
                pass
        raise InputError(f"{path}, line {number}: a value is neither plain nor base64 bytes")
    if isinstance(value, list):
        raise InputError(f"{path}, line {number}: a value is a list")
    return value


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table} row(s)" for table, n in counts.items())
