"""Evidence: the files an agency's system produced, matched to the cases of a suite.

A folder or zip holds, for each case it has evidence for, one message file named
`<case-id>.<ext>` (in any sub-folder): the message a produce case judges, or the answer the
system gave to a consume or reject case's request; a reject case may instead (or as well) have
`<case-id>.status` holding the HTTP status the system answered with. An `evidence.toml` maps
cases to files explicitly instead (`[<case-id>]` with `file = "path"` and/or `status = 422`).
A file that matches no case is an error naming it, so a typo never passes silently.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import io
import re
import tomllib
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from nif.archives import inside, read_zip, skipped
from nif.certify._suite import CaseKind, Suite, TestCase
from nif.errors import InputError
from nif.settings import Settings

MANIFEST = "evidence.toml"
STATUS_SUFFIX = ".status"
MAX_FILES = 1000
"""Files one evidence set may hold."""

_KEYS = {"file", "status"}
_STATUS = re.compile(r"[1-5][0-9][0-9]", re.ASCII)


@dataclasses.dataclass(frozen=True)
class Item:
    """A case's evidence: the message (or answer) file and/or the recorded HTTP status."""

    case: str
    path: str | None = None
    content: bytes | None = None
    status: int | None = None
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class Evidence:
    """Evidence files by their path in the set (POSIX, relative), as read."""

    files: Mapping[str, bytes]

    @functools.cached_property
    def hashes(self) -> dict[str, str]:
        """The sha256 of each file, by path."""
        return {path: hashlib.sha256(content).hexdigest() for path, content in self.files.items()}

    def sha256s(self) -> tuple[tuple[str, str], ...]:
        """(path, sha256) of every file, sorted by path: what a run records."""
        return tuple(sorted(self.hashes.items()))

    def item(self, case: str, path: str | None, status: int | None) -> Item:
        if path is None:
            return Item(case, status=status)
        return Item(case, path, self.files[path], status, self.hashes[path])

    def match(self, suite: Suite) -> dict[str, Item]:
        """Each case's evidence by case id; `InputError` naming the files that do not fit."""
        manifests = [p for p in self.files if p.rpartition("/")[2] == MANIFEST]
        if len(manifests) > 1:
            raise InputError(f"the evidence has several {MANIFEST}: {', '.join(sorted(manifests))}")
        if manifests:
            return _by_manifest(self, manifests[0], suite)
        return _by_name(self, suite)


def read_evidence(path: Path, settings: Settings) -> Evidence:
    """Evidence from a folder or a .zip file; `InputError` saying which entry is refused."""
    if path.is_dir():
        return _read_folder(path, settings)
    if not path.is_file():
        raise InputError(f"{path}: no such evidence folder or zip file")
    try:
        size = path.stat().st_size
        if size > settings.service.max_upload_bytes:
            raise InputError(
                f"{path}: {size} bytes is over the limit of {settings.service.max_upload_bytes} "
                "(max_upload_bytes)"
            )
        content = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise InputError(f"{path}: evidence must be a folder or a .zip file")
    return evidence_from_zip(content, settings)


def evidence_from_zip(content: bytes, settings: Settings) -> Evidence:
    """The files of an evidence zip, never extracted to disk, within the upload limits."""
    files = read_zip(
        content,
        max_bytes=settings.service.max_upload_bytes,
        max_files=MAX_FILES,
        what="the evidence",
    )
    return Evidence(dict(files))


def _read_folder(root: Path, settings: Settings) -> Evidence:
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if skipped(relative):
            continue
        if path.is_symlink():
            raise InputError(f"{path}: evidence files must be regular files, not links")
        if path.is_dir():
            continue
        if not path.is_file():
            raise InputError(f"{path}: evidence files must be regular files, not links")
        if len(files) >= MAX_FILES:
            raise InputError(f"{root}: more than {MAX_FILES} evidence files (at {relative})")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        total += len(data)
        if total > settings.service.max_upload_bytes:
            raise _too_large(str(path), settings)
        files[relative] = data
    if not files:
        raise InputError(f"{root}: the evidence folder holds no file")
    return Evidence(files)


def _too_large(what: str, settings: Settings) -> InputError:
    return InputError(
        f"{what}: the evidence is over the limit of {settings.service.max_upload_bytes} bytes "
        "(max_upload_bytes)"
    )


def _unknown_case(path: str, case_id: str, suite: Suite) -> InputError:
    ids = [c.identifier for c in suite.cases]
    close = difflib.get_close_matches(case_id, ids, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (cases: {', '.join(ids)})"
    return InputError(
        f"evidence file {path!r} names no case of the suite of "
        f"{suite.interface}@{suite.version}: {case_id!r}{hint}"
    )


def _by_name(evidence: Evidence, suite: Suite) -> dict[str, Item]:
    files = evidence.files
    cases = {c.identifier: c for c in suite.cases}
    messages: dict[str, list[str]] = {}
    statuses: dict[str, list[str]] = {}
    for path in sorted(files):
        name = path.rpartition("/")[2]
        case_id, dot, suffix = name.rpartition(".")
        if not dot or not case_id:
            raise InputError(f"evidence file {path!r} is not named <case-id>.<ext> (or {MANIFEST})")
        if case_id not in cases:
            raise _unknown_case(path, case_id, suite)
        found = statuses if f".{suffix}" == STATUS_SUFFIX else messages
        found.setdefault(case_id, []).append(path)
    items = {}
    for case_id in sorted(messages.keys() | statuses.keys()):
        for kind, paths in (("message", messages), ("status", statuses)):
            if len(paths.get(case_id, [])) > 1:
                raise InputError(
                    f"case {case_id!r} has several {kind} files in the evidence: "
                    f"{', '.join(paths[case_id])}; keep one"
                )
        message = messages.get(case_id, [None])[0]
        status_path = statuses.get(case_id, [None])[0]
        status = None
        if status_path is not None:
            status = _status_file(status_path, files[status_path])
            _check_status(cases[case_id], status, status_path)
        items[case_id] = evidence.item(case_id, message, status)
    return items


def _by_manifest(evidence: Evidence, manifest: str, suite: Suite) -> dict[str, Item]:
    files = evidence.files
    cases = {c.identifier: c for c in suite.cases}
    folder = PurePosixPath(manifest).parent
    try:
        table = tomllib.loads(files[manifest].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise InputError(f"{manifest}: not valid TOML: {exc}") from None
    items: dict[str, Item] = {}
    used = {manifest}
    for case_id, entry in table.items():
        where = f"{manifest}: [{case_id}]"
        if case_id not in cases:
            raise _unknown_case(manifest, case_id, suite)
        if not isinstance(entry, dict):
            raise InputError(f'{where} must be a table with file = "path" and/or status = N')
        unknown = sorted(set(entry) - _KEYS)
        if unknown:
            raise InputError(f"{where} has unknown key(s) {', '.join(unknown)} (use file, status)")
        if not entry:
            raise InputError(f"{where} names neither a file nor a status")
        path = None
        if "file" in entry:
            if not isinstance(entry["file"], str) or not entry["file"]:
                raise InputError(f"{where} file must be a path (text)")
            given = inside(entry["file"], f"{where} file {entry['file']!r}", "the evidence")
            path = (folder / given).as_posix() if str(folder) != "." else given
            if path not in files:
                raise InputError(f"{where} file {entry['file']!r} is not in the evidence")
            if path in used:
                raise InputError(f"{where} file {entry['file']!r} is used twice")
            used.add(path)
        status = entry.get("status")
        if status is not None:
            if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
                raise InputError(f"{where} status must be an HTTP status number (100-599)")
            _check_status(cases[case_id], status, where)
        items[case_id] = evidence.item(case_id, path, status)
    unused = sorted(set(files) - used)
    if unused:
        raise InputError(
            f"evidence file(s) {', '.join(unused)} are not named in {manifest}; "
            "remove them or name them"
        )
    return items


def _status_file(path: str, content: bytes) -> int:
    """The status a `.status` file holds: three digits, 100 to 599 (blank space around)."""
    text = content.decode("ascii", errors="replace").strip()
    if not _STATUS.fullmatch(text):
        shown = text if len(text) <= 20 else f"{text[:20]}... ({len(text):,} characters)"
        raise InputError(
            f"evidence file {path!r} must hold an HTTP status number (100-599), not {shown!r}"
        )
    return int(text)


def _check_status(case: TestCase, status: int, where: str) -> None:
    if case.kind is CaseKind.PRODUCE:
        raise InputError(
            f"{where}: case {case.identifier!r} is a produce case; only the answers to consume "
            "and reject cases have an HTTP status"
        )
