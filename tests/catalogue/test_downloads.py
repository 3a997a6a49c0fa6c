"""Downloads: only files a current record registers are found by their sha256."""

from __future__ import annotations

import pytest

from nif import catalogue
from nif.errors import InputError, NotFoundError
from nif.registry import Registry


def test_downloads_are_registered_artefacts_and_examples_only(demo: Registry) -> None:
    birth = catalogue.interface(demo.store, "civreg-birth")
    mt = birth.versions[0].message_types[0]
    schema = next(a for a in mt.artefacts if a.role == "schema")
    download = catalogue.artefact(demo.store, schema.sha256 or "")
    assert (download.kind, download.media_type, download.file_name) == (
        "artefact",
        "application/xml",
        "birth.xsd",
    )
    assert catalogue.artefact(demo.store, (schema.sha256 or "").upper()) == download
    example = mt.examples[0]
    assert catalogue.artefact(demo.store, example.sha256 or "") == catalogue.Download(
        example.sha256 or "", "application/xml", "valid-newborn.xml", "example"
    )
    [json] = [
        e
        for v in catalogue.interface(demo.store, "civreg-address").versions
        for m in v.message_types
        for e in m.examples
        if e.name == "valid-residence-and-postal.json"
    ]
    assert catalogue.artefact(demo.store, json.sha256 or "").media_type == "application/json"
    record = demo.versions("civreg-birth")[-1].sha256  # a blob, but a record's content
    assert record is not None and demo.blobs.has(record)
    with pytest.raises(
        NotFoundError, match=f"no registered artefact or example has sha256 {record}"
    ):
        catalogue.artefact(demo.store, record)
    with pytest.raises(InputError, match="is not a sha256 checksum"):
        catalogue.artefact(demo.store, "birth.xsd")
