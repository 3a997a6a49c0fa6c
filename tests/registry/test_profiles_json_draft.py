"""A registered JSON Schema artefact says its draft with dct:conformsTo: the shapes accept one
known draft, and the profile built from the pins validates a schema without $schema by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from nif.errors import ArtefactError
from nif.registry._blobs import BlobStore
from nif.registry._message_types import MessageTypeRef
from nif.registry._profiles import ArtefactRecord, Pin, profile_from
from nif.report import Verdict
from nif.validate import validate
from tests.registry.test_shapes import AGENCY_TTL, INTERFACE_TTL, SHAPES, parse, vocabularies
from tests.registry.test_shapes import validate as shacl

JSON_SCHEMA = "https://w3id.org/nif/concept/representation-technique/JSONSchema"
ARTEFACT = URIRef(
    "https://registry.nif.example/interface/civreg-birth/2.0.0/artefact/registration.json"
)
URL = "https://registry.nif.example/files/legacy/schema.json"
LEGACY = {"type": "number", "maximum": 3, "exclusiveMaximum": True}
"""A draft 4 schema without $schema: its boolean exclusiveMaximum is not valid in 2020-12."""


def ref() -> MessageTypeRef:
    base = "https://registry.nif.example/interface/legacy"
    return MessageTypeRef(
        "legacy", "1.0.0", "Reading", base, f"{base}/1.0.0", f"{base}/1.0.0/Reading"
    )


def record(blobs: BlobStore, *conforms_to: str) -> ArtefactRecord:
    sha = blobs.put(json.dumps(LEGACY).encode())
    return ArtefactRecord(
        "https://registry.nif.example/interface/legacy/1.0.0/artefact/schema.json",
        "schema",
        JSON_SCHEMA,
        Pin(URL, sha),
        conforms_to=conforms_to,
    )


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def test_conforms_to_gives_the_draft_of_a_schema_without_dollar_schema(blobs):
    profile = profile_from(
        ref(), (record(blobs, "http://json-schema.org/draft-04/schema#"),), blobs
    )
    assert profile.steps[0].json_draft == "4"
    assert validate(b"3", profile).verdict is Verdict.INVALID
    assert validate(b"2", profile).verdict is Verdict.VALID


def test_without_conforms_to_the_schema_is_2020_12(blobs):
    profile = profile_from(ref(), (record(blobs, "https://example.org/a-standard"),), blobs)
    assert profile.steps[0].json_draft is None
    report = validate(b"2", profile)
    assert report.verdict is Verdict.ERROR
    assert "not a valid JSON Schema (draft 2020-12)" in (report.steps[1].error or "")


def test_two_drafts_are_an_artefact_error(blobs):
    drafts = ("https://json-schema.org/draft-07/schema", "http://json-schema.org/draft-06/schema#")
    with pytest.raises(ArtefactError, match=r"conforms to 2 JSON Schema drafts \(6, 7\)"):
        profile_from(ref(), (record(blobs, *drafts),), blobs)


# -- the shapes ---------------------------------------------------------------------------------


def outcome(*drafts: str) -> list[str]:
    interface = parse(INTERFACE_TTL)
    for draft in drafts:
        interface.add((ARTEFACT, DCTERMS.conformsTo, URIRef(draft)))
    result = shacl(interface, parse(SHAPES), vocabularies(), parse(AGENCY_TTL))
    return result.messages()


@pytest.mark.slow
def test_shapes_accept_one_known_draft_and_refuse_others():
    assert outcome("https://json-schema.org/draft-07/schema") == []
    assert outcome("http://json-schema.org/draft-07/schema#", "https://example.org/standard") == []
    unknown = outcome("http://json-schema.org/draft-03/schema#")
    assert len(unknown) == 1 and "draft-03/schema# is not a JSON Schema draft" in unknown[0]
    two = outcome(
        "https://json-schema.org/draft-07/schema", "https://json-schema.org/draft/2020-12/schema"
    )
    assert len(two) == 1 and "names two JSON Schema drafts" in two[0]
