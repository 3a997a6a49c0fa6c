"""Reading a message's root start tag in growing chunks: the first is small (the start tag is
nearly always in it), the later ones double, so a root found late is still found."""

from __future__ import annotations

import pytest

from nif.errors import DetectionError
from nif.registry import _detect
from nif.registry._detect import root_element, root_start
from nif.settings import Settings

SETTINGS = Settings()


def test_a_start_tag_longer_than_the_first_chunk_is_read_whole() -> None:
    attributes = b" ".join(b'a%d="%s"' % (i, b"v" * 40) for i in range(200))
    content = b'<r:Big xmlns:r="urn:big" ' + attributes + b"><child/></r:Big>"
    assert len(content) > 4 * _detect._FIRST_CHUNK
    head = root_start(content, SETTINGS)
    assert head.tag == "{urn:big}Big"
    assert head.get("a199") == "v" * 40


def test_a_root_after_a_long_prolog_is_found() -> None:
    prolog = b'<?xml version="1.0"?>' + b"<!--" + b"c" * (3 * _detect._CHUNK) + b"-->"
    assert root_element(prolog + b"<Late><x/></Late>", SETTINGS) == "Late"


def test_a_message_broken_after_its_root_still_has_that_root() -> None:
    content = b'<a:Doc xmlns:a="urn:x">' + b"<ok/>" * 2000 + b"<<broken"
    assert root_element(content, SETTINGS) == "{urn:x}Doc"


def test_no_root_in_many_chunks_is_refused() -> None:
    with pytest.raises(DetectionError, match=r"no root element|not well-formed"):
        root_element(b"<!--" + b"c" * (3 * _detect._CHUNK) + b"-->", SETTINGS)
