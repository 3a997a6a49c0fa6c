"""Moving a state between back ends: tables, blobs and secrets out to a folder and back,
checked against the manifest, and every hostile thing in the folder refused."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nif.errors import InputError, UsageError
from nif.settings import Settings
from nif.state import (
    EmbeddedState,
    ExportReader,
    ExportWriter,
    Migration,
    Schema,
    State,
    StateParts,
    _transfer,
    check_versions,
    export_state,
    import_state,
    open_state,
    state_content,
)

NOTES = Schema(
    "notes",
    ("notes", "tags"),
    (
        Migration(
            1,
            "CREATE TABLE notes (id {serial}, text TEXT NOT NULL, raw {bytes});"
            " CREATE TABLE tags (note INTEGER NOT NULL REFERENCES notes (id), tag TEXT NOT NULL,"
            " PRIMARY KEY (note, tag))",
        ),
    ),
)
PARTS = StateParts((NOTES,), blobs=("artefacts", "evidence"), secrets=("certificate-key",))


@pytest.fixture(params=["embedded", "postgresql"])
def make_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], State]]:
    """Opens a fresh, empty state of the kind under test for each name."""
    opened: list[State] = []

    def make(name: str) -> State:
        if request.param == "embedded":
            state: State = EmbeddedState(tmp_path / name)
        else:
            server = request.getfixturevalue("postgres")
            settings = Settings(home=tmp_path / name, state=server.new_database())
            state = open_state(settings)
        opened.append(state)
        return state

    yield make
    for state in opened:
        state.close()


def fill(state: State) -> None:
    db = state.database(NOTES)
    with db.session() as session:
        session.executemany(
            "INSERT INTO notes (text, raw) VALUES (?, ?)",
            [("first", b"\x00\xff"), ("zweite \u00e4", None), ("third", b"")],
        )
        session.execute("DELETE FROM notes WHERE text = ?", ("first",))
        session.execute("INSERT INTO tags (note, tag) VALUES (2, 'a'), (3, 'b')")
    state.blobs("artefacts").put(b"<xs:schema/>")
    state.blobs("evidence").put(b"evidence " * 1000)
    state.secret("certificate-key", lambda: b"-----KEY-----")


def rows(state: State) -> dict[str, list[tuple[object, ...]]]:
    db = state.database(NOTES)
    return {
        "notes": [
            (i, t, bytes(r) if r is not None else None)
            for i, t, r in db.query("SELECT id, text, raw FROM notes ORDER BY id")
        ],
        "tags": db.query("SELECT note, tag FROM tags ORDER BY note"),
    }


def export(state: State, folder: Path) -> list[str]:
    lines: list[str] = []
    out = ExportWriter(folder)
    out.finish(export_state(state, PARTS, out, lines.append))
    return lines


def load(state: State, folder: Path, *, replace: bool = False) -> list[str]:
    lines: list[str] = []
    reader = ExportReader(folder)
    check_versions(reader, PARTS.schemas)
    reader.verify()
    import_state(state, PARTS, reader, replace=replace, progress=lines.append)
    return lines


def test_round_trip_keeps_rows_ids_blobs_and_the_secret(
    make_state: Callable[[str], State], tmp_path: Path
) -> None:
    source, target = make_state("a"), make_state("b")
    fill(source)
    assert export(source, tmp_path / "out") == [
        "notes: 2 notes row(s), 2 tags row(s)",
        "artefacts blobs: 1",
        "evidence blobs: 1",
        "secrets: certificate-key",
    ]
    assert state_content(target, PARTS, ExportReader(tmp_path / "out")) == []
    load(target, tmp_path / "out")
    assert rows(target) == rows(source)
    for name in PARTS.blobs:
        assert sorted(target.blobs(name).digests()) == sorted(source.blobs(name).digests())
    assert target.secret("certificate-key", lambda: b"other") == b"-----KEY-----"
    # the serial continues after the ids loaded, not from 1
    target.database(NOTES).query("INSERT INTO notes (text) VALUES ('new')")
    assert max(i for i, *_ in rows(target)["notes"]) == 4


def test_the_folder_and_its_files_are_private(tmp_path: Path) -> None:
    source = EmbeddedState(tmp_path / "a")
    fill(source)
    export(source, tmp_path / "out")
    for root, _folders, files in os.walk(tmp_path / "out"):
        assert os.stat(root).st_mode & 0o777 == 0o700
        for name in files:
            assert os.stat(Path(root, name)).st_mode & 0o777 == 0o600
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["components"] == {"notes": {"version": 1, "tables": {"notes": 2, "tags": 2}}}
    assert manifest["blobs"] == {"artefacts": 1, "evidence": 1}
    assert "tables/notes/notes.jsonl" in manifest["files"]


def test_a_non_empty_folder_is_not_written_into(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("mine")
    with pytest.raises(UsageError, match="not an empty folder"):
        ExportWriter(tmp_path / "out")


def test_a_target_with_content_is_described(
    make_state: Callable[[str], State], tmp_path: Path
) -> None:
    source, target = make_state("a"), make_state("b")
    fill(source)
    export(source, tmp_path / "out")
    fill(target)
    target.replace_secret("certificate-key", b"another key")
    assert state_content(target, PARTS, ExportReader(tmp_path / "out")) == [
        "2 notes row(s)",
        "2 tags row(s)",
        "1 artefacts blob(s)",
        "1 evidence blob(s)",
        "a different certificate-key",
    ]
    with pytest.raises(UsageError, match="different certificate-key"):
        load(target, tmp_path / "out")
    load(target, tmp_path / "out", replace=True)
    assert rows(target) == rows(source)
    assert target.secret("certificate-key", lambda: b"") == b"-----KEY-----"


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    source = EmbeddedState(tmp_path / "a")
    fill(source)
    export(source, tmp_path / "out")
    source.close()
    return tmp_path / "out"


def edit_manifest(folder: Path, change: Callable[[dict], None]) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def test_a_damaged_blob_is_refused_naming_it(exported: Path) -> None:
    blob = next((exported / "blobs" / "evidence").glob("*/*"))
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    with pytest.raises(InputError, match=f"{re.escape(str(blob))} is damaged"):
        ExportReader(exported).verify()


def test_a_damaged_or_missing_manifest_is_refused(exported: Path) -> None:
    manifest = exported / "manifest.json"
    manifest.write_text('{"format": "nif-full-export", "files": ')
    with pytest.raises(InputError, match=f"{re.escape(str(manifest))} is damaged"):
        ExportReader(exported)
    manifest.unlink()
    with pytest.raises(InputError, match="missing: not a complete full export"):
        ExportReader(exported)


def test_a_newer_schema_is_refused(exported: Path) -> None:
    edit_manifest(exported, lambda m: m["components"]["notes"].update(version=2))
    with pytest.raises(InputError, match="notes tables are at version 2, newer than"):
        check_versions(ExportReader(exported), PARTS.schemas)


def test_a_missing_table_is_refused_before_anything_is_written(exported: Path) -> None:
    edit_manifest(exported, lambda m: m["files"].pop("tables/notes/tags.jsonl"))
    with pytest.raises(InputError, match=r"does not list tables/notes/tags\.jsonl"):
        check_versions(ExportReader(exported), PARTS.schemas)


@pytest.mark.parametrize("name", ["../outside", "/etc/passwd", "tables/../../x", "a//b", ""])
def test_paths_leaving_the_folder_are_refused(exported: Path, name: str) -> None:
    edit_manifest(exported, lambda m: m["files"].update({name: {"sha256": "0" * 64, "size": 1}}))
    with pytest.raises(InputError, match="a path outside its folder"):
        ExportReader(exported)


def test_a_symlink_in_the_folder_is_refused(exported: Path, tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere"
    secret.write_bytes(b"not part of the export")
    table = exported / "tables" / "notes" / "tags.jsonl"
    table.unlink()
    table.symlink_to(secret)
    with pytest.raises(InputError, match="is a symlink"):
        ExportReader(exported).verify()
    table.unlink()
    (exported / "tables" / "notes").rename(tmp_path / "real")
    (exported / "tables" / "notes").symlink_to(tmp_path / "real")
    with pytest.raises(InputError, match="notes is a symlink"):
        ExportReader(exported).path("tables/notes/notes.jsonl")


def rewrite_table(folder: Path, relative: str, content: bytes) -> None:
    """Change a table file and its manifest entry, as someone crafting an export would."""
    (folder / relative).write_bytes(content)
    entry = {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
    edit_manifest(folder, lambda m: m["files"].update({relative: entry}))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"columns": ["note", "tag; DROP TABLE notes"]}\n', "are not those of the tags table"),
        (b'{"columns": ["note", "tag"]}\n[1]\n', "line 2: not a row of 2 values"),
        (b'{"columns": ["note", "tag"]}\n[1, {"x": 1}]\n', "neither plain nor base64"),
        (b'{"columns": ["note", "tag"]}\n[1, [2]]\n', "a value is a list"),
        (b'{"columns": ["note", "tag"]}\n[1, "a"\n', "line 2: not JSON"),
        (b"[]\n", "the first line must name the columns"),
    ],
)
def test_a_crafted_table_file_is_refused(
    exported: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    rewrite_table(exported, "tables/notes/tags.jsonl", content)
    target = EmbeddedState(tmp_path / "b")
    with pytest.raises(InputError, match=message):
        load(target, exported)
    assert target.database(NOTES).query("SELECT count(*) FROM notes") == [(0,)]


def test_a_huge_line_is_refused(
    exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_transfer, "MAX_LINE_BYTES", 1000)
    rewrite_table(
        exported,
        "tables/notes/notes.jsonl",
        b'{"columns": ["id", "text", "raw"]}\n[1, "' + b"x" * 5000 + b'", null]\n',
    )
    with pytest.raises(InputError, match=r"notes\.jsonl, line 2: over 1000 bytes"):
        load(EmbeddedState(tmp_path / "b"), exported)
