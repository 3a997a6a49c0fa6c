"""`write_zip`: the zips nif writes are the same bytes for the same files, and hold no path
that would leave the folder they are unpacked into."""

from __future__ import annotations

import io
import zipfile

import pytest

from nif.archives import ZIP_TIME, read_zip, write_zip
from nif.errors import InputError


def test_the_same_files_give_the_same_bytes_in_any_order() -> None:
    files = {"b/two.xml": b"<two/>", "a.ttl": b"# one", "b/c/three.json": b"{}"}
    content = write_zip(files)
    assert content == write_zip(dict(reversed(files.items())))
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(files)
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {(ZIP_TIME, 0o644)}
    assert dict(read_zip(content, max_bytes=100, max_files=3)) == files


@pytest.mark.parametrize("path", ["../up.xml", "/etc/passwd", "a/../../b", "C:/x"])
def test_a_path_leaving_the_archive_is_refused(path: str) -> None:
    with pytest.raises(InputError, match="points outside the archive"):
        write_zip({path: b"x"})
