"""The data folders travel with nif: found in a checkout, and carried inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nif.resources import DATA_FOLDERS, data_folder
from tests.conftest import ROOT


@pytest.mark.parametrize("name", DATA_FOLDERS)
def test_data_folders_are_found(name: str):
    folder = data_folder(name)
    assert folder.is_dir()
    assert (folder / "README.md").is_file()


def test_unknown_folder_is_refused():
    with pytest.raises(ValueError, match="unknown data folder"):
        data_folder("secrets")


@pytest.mark.slow
def test_the_wheel_carries_the_data_folders(tmp_path: Path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("nif-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "nif/py.typed" in names, "type checkers of nif's users read its hints (PEP 561)"
    package_data = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "nif").rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"}
    }
    assert "nif/report/templates/report.html" in package_data
    assert sorted(package_data - set(names)) == [], "templates, styles and locales travel too"
    for name in DATA_FOLDERS:
        tracked = {
            p.relative_to(ROOT / name).as_posix() for p in (ROOT / name).rglob("*") if p.is_file()
        }
        assert tracked, name
        for relative in tracked:
            assert f"nif/_data/{name}/{relative}" in names
