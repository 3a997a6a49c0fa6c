"""Bundles: a zip is unpacked only when every entry stays inside it, as one tree."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from nif.errors import InputError
from nif.registry._bundle import open_sources
from nif.settings import Settings

RECORD = ("record.ttl", b"<https://r.example/a> <https://r.example/p> 1 .\n")


def bundle(tmp_path: Path, *entries: tuple[str | zipfile.ZipInfo, bytes]) -> Path:
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in (RECORD, *entries):
            archive.writestr(name, content)
    return path


def refusal(tmp_path: Path, zipped: Path, settings: Settings | None = None) -> str:
    """The refusal of the bundle, after checking nothing was left unpacked in staging."""
    settings = settings or Settings(home=tmp_path / "home")
    with pytest.raises(InputError) as caught, open_sources(zipped, settings, shown="up.zip"):
        pass
    assert not any(settings.folder.staging.iterdir())
    message = str(caught.value)
    assert message.startswith("up.zip: ") and str(tmp_path) not in message
    return message


def test_a_bundle_zip_gives_its_top_level_records(tmp_path: Path) -> None:
    zipped = bundle(tmp_path, ("schemas/a.xsd", b"<xs:schema/>"))
    with open_sources(zipped, Settings(home=tmp_path / "home")) as sources:
        (source,) = sources
        assert source.path.name == "record.ttl"
        assert source.bundle is not None and (source.bundle / "schemas/a.xsd").is_file()


@pytest.mark.parametrize("name", ["../escape.xsd", "/etc/passwd", "a/../../b.xsd", "C:/x.xsd"])
def test_entries_leaving_the_bundle_are_refused_by_name(tmp_path: Path, name: str) -> None:
    message = refusal(tmp_path, bundle(tmp_path, (name, b"x")))
    assert f"zip entry {name!r} points outside the bundle" in message


def test_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("schemas/link.xsd")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    message = refusal(tmp_path, bundle(tmp_path, (link, b"/etc/passwd")))
    assert "'schemas/link.xsd' is a symbolic link" in message


def test_a_path_twice_or_a_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    twice = bundle(tmp_path, ("a.xsd", b"1"), ("./a.xsd", b"2"))
    assert "zip entry './a.xsd' appears twice" in refusal(tmp_path, twice)
    clash = bundle(tmp_path, ("a", b"1"), ("a/b.xsd", b"2"))
    assert "'a' is a file, and also the folder of zip entry 'a/b.xsd'" in refusal(tmp_path, clash)


def test_contents_over_max_record_bytes_are_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", max_record_bytes=1000)
    message = refusal(tmp_path, bundle(tmp_path, ("big.xsd", b"x" * 1001)), settings)
    assert "unpacks to more than 1,000 bytes (max_record_bytes)" in message
