"""Evidence: reading folders and zips safely, and matching files to a suite's cases."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from nif.certify import Evidence, evidence_from_zip, find_suite, read_evidence
from nif.certify._evidence import MAX_FILES
from nif.errors import InputError, UploadTooLargeError
from nif.settings import Settings
from tests.certify.evidence import passing_evidence, zip_of

SETTINGS = Settings()
BIRTH = find_suite("civreg-birth", "2.0.0")


def write(folder: Path, files: dict[str, bytes]) -> Path:
    for path, content in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(content)
    return folder


def raw_zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_folder_and_its_zip_read_the_same(tmp_path: Path) -> None:
    files = passing_evidence("civreg-birth/2.0.0")
    from_folder = read_evidence(write(tmp_path / "ev", files), SETTINGS)
    (tmp_path / "ev.zip").write_bytes(zip_of(files))
    from_zip = read_evidence(tmp_path / "ev.zip", SETTINGS)
    assert dict(from_folder.files) == dict(from_zip.files) == files
    assert from_folder.sha256s() == tuple(
        sorted((p, hashlib.sha256(c).hexdigest()) for p, c in files.items())
    )


def test_hidden_files_and_macos_forks_are_not_evidence(tmp_path: Path) -> None:
    files = {**passing_evidence("civreg-birth/2.0.0"), ".DS_Store": b"x", "__MACOSX/._a": b"y"}
    evidence = evidence_from_zip(zip_of(files), SETTINGS)
    assert ".DS_Store" not in evidence.files and "__MACOSX/._a" not in evidence.files
    assert read_evidence(write(tmp_path, files), SETTINGS).files.keys() == evidence.files.keys()


@pytest.mark.parametrize("name", ["../escape.xml", "/etc/passwd", "a/../../b.xml", "C:/x.xml"])
def test_zip_entries_leaving_the_archive_are_refused_by_name(name: str) -> None:
    with pytest.raises(InputError, match=r"points outside the archive") as error:
        evidence_from_zip(raw_zip([("produce-registration.xml", b"<a/>"), (name, b"x")]), SETTINGS)
    assert repr(name)[1:-1] in str(error.value)


def test_too_many_files_are_refused() -> None:
    entries = [(f"f{i}.xml", b"") for i in range(MAX_FILES + 1)]
    with pytest.raises(InputError, match=f"more than {MAX_FILES} files"):
        evidence_from_zip(raw_zip(entries), SETTINGS)


def test_too_large_evidence_is_refused_naming_the_entry(tmp_path: Path) -> None:
    small = Settings(max_upload_bytes=1000)
    entries = [("produce-registration.xml", b"a" * 600), ("consume-newborn.xml", b"b" * 600)]
    with pytest.raises(UploadTooLargeError, match=r"max_upload_bytes.*'consume-newborn.xml'"):
        evidence_from_zip(raw_zip(entries), small)
    folder = write(tmp_path / "big", dict(entries))
    with pytest.raises(InputError, match=r"max_upload_bytes"):
        read_evidence(folder, small)


def test_not_a_zip_and_missing_paths_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "ev.txt").write_text("hello")
    with pytest.raises(InputError, match=r"folder or a .zip"):
        read_evidence(tmp_path / "ev.txt", SETTINGS)
    with pytest.raises(InputError, match=r"no such evidence"):
        read_evidence(tmp_path / "missing", SETTINGS)
    with pytest.raises(InputError, match=r"not a readable zip"):
        evidence_from_zip(b"PK\x03\x04 broken", SETTINGS)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"holds no file"):
        read_evidence(tmp_path / "empty", SETTINGS)


def test_links_in_an_evidence_folder_are_refused(tmp_path: Path) -> None:
    folder = write(tmp_path / "ev", {"produce-registration.xml": b"<a/>"})
    (folder / "consume-newborn.xml").symlink_to("/etc/hostname")
    with pytest.raises(InputError, match=r"consume-newborn.xml.*not links"):
        read_evidence(folder, SETTINGS)


def test_files_match_cases_by_name_in_any_folder() -> None:
    items = Evidence(passing_evidence("civreg-birth/2.0.0")).match(BIRTH)
    assert set(items) == {c.identifier for c in BIRTH.cases}
    assert items["consume-newborn"].path == "answers/consume-newborn.xml"
    assert items["reject-missing-mother-id"].status == 422
    assert items["reject-missing-mother-id"].content is None
    assert items["produce-registration"].status is None


def test_a_file_matching_no_case_is_an_error_with_a_suggestion() -> None:
    files = {**passing_evidence("civreg-birth/2.0.0"), "produce-registraton.xml": b"<a/>"}
    with pytest.raises(
        InputError, match=r"'produce-registraton.xml'.*did you mean 'produce-registration'"
    ):
        Evidence(files).match(BIRTH)
    with pytest.raises(InputError, match=r"'README' is not named <case-id>.<ext>"):
        Evidence({"README": b"hi"}).match(BIRTH)


def test_ambiguous_files_for_one_case_are_an_error_naming_both() -> None:
    files = {"a/consume-newborn.xml": b"<a/>", "b/consume-newborn.xml": b"<b/>"}
    with pytest.raises(InputError, match=r"a/consume-newborn.xml, b/consume-newborn.xml"):
        Evidence(files).match(BIRTH)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"reject-missing-mother-id.status": b"four hundred"}, "HTTP status number"),
        ({"reject-missing-mother-id.status": b"99"}, "HTTP status number"),
        ({"produce-registration.status": b"200"}, "produce case"),
    ],
)
def test_bad_status_files(files: dict[str, bytes], message: str) -> None:
    with pytest.raises(InputError, match=message):
        Evidence(files).match(BIRTH)


def test_evidence_toml_maps_cases_to_files() -> None:
    files = {
        "out/evidence.toml": b'[produce-registration]\nfile = "reg.xml"\n\n'
        b'[consume-newborn]\nfile = "sub/answer.xml"\nstatus = 201\n\n'
        b"[reject-missing-mother-id]\nstatus = 400\n",
        "out/reg.xml": b"<r/>",
        "out/sub/answer.xml": b"<a/>",
    }
    items = Evidence(files).match(BIRTH)
    assert items["produce-registration"].path == "out/reg.xml"
    assert items["produce-registration"].content == b"<r/>"
    assert items["consume-newborn"].status == 201
    assert items["reject-missing-mother-id"].path is None
    assert items["reject-missing-mother-id"].status == 400
    assert "reject-mother-born-after-child" not in items


@pytest.mark.parametrize(
    ("toml", "extra", "message"),
    [
        (b'[produce-registraton]\nfile = "a.xml"', {"a.xml": b""}, "did you mean"),
        (b'[produce-registration]\nfile = "gone.xml"', {}, "'gone.xml' is not in the evidence"),
        (b'[produce-registration]\nfile = "../a.xml"', {}, "outside the evidence"),
        (b"[produce-registration]\npath = 'a.xml'", {"a.xml": b""}, "unknown key"),
        (b"[produce-registration]\n", {}, "neither a file nor a status"),
        (b"[consume-newborn]\nstatus = 'ok'", {}, "HTTP status number"),
        (b"[produce-registration]\nstatus = 200", {}, "produce case"),
        (b"produce-registration = 'a.xml'", {"a.xml": b""}, "must be a table"),
        (b"[produce-registration", {}, "not valid TOML"),
        (
            b'[produce-registration]\nfile = "a.xml"',
            {"a.xml": b"", "b.xml": b""},
            "b.xml are not named",
        ),
        (
            b'[produce-registration]\nfile = "a.xml"\n[consume-newborn]\nfile = "a.xml"',
            {"a.xml": b""},
            "used twice",
        ),
    ],
)
def test_evidence_toml_errors_say_what_and_where(
    toml: bytes, extra: dict[str, bytes], message: str
) -> None:
    with pytest.raises(InputError, match=message) as error:
        Evidence({"evidence.toml": toml, **extra}).match(BIRTH)
    assert "evidence.toml" in str(error.value) or "did you mean" in message


def test_only_one_evidence_toml() -> None:
    files = {"evidence.toml": b"", "x/evidence.toml": b""}
    with pytest.raises(InputError, match=r"several evidence.toml"):
        Evidence(files).match(BIRTH)
