"""Validation profiles from the registry: a message type's pinned artefacts to a `Profile`.

A message type's steps come from its `nif:schema` (XSD, JSON Schema, or a KoSIT configuration
run with the type's scenario) and `nif:rules` (Schematron) artefacts, built from pinned blobs
only: each document's content is the blob its `spdx:checksum` names, re-hashed before use. A
missing blob or one whose content no longer matches its checksum is an `ArtefactError`:
validation fails closed, it never falls back on fetching.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

from rdflib import URIRef

from nif.errors import ArtefactError, NifError
from nif.registry._blobs import Blobs
from nif.registry._message_types import MessageTypeRef, first
from nif.registry._namespaces import NIF_TECHNIQUE, TECHNIQUE, sparql_prefixes
from nif.store import Row, Store
from nif.validate import (
    JSON_SCHEMA,
    KOSIT,
    SCHEMATRON,
    XSD,
    Artefact,
    ArtefactSet,
    CompiledCache,
    Profile,
    StepSpec,
    json_draft_of,
)

_STEP_KINDS = {
    str(TECHNIQUE.XMLSchema): XSD,
    str(NIF_TECHNIQUE.JSONSchema): JSON_SCHEMA,
    str(TECHNIQUE.Schematron): SCHEMATRON,
    str(NIF_TECHNIQUE.KoSITConfiguration): KOSIT,
}


@dataclasses.dataclass(frozen=True)
class Pin:
    """A pinned document: the URI it is known by and the sha256 of its content (None: unpinned)."""

    uri: str
    sha256: str | None


@dataclasses.dataclass(frozen=True)
class ArtefactRecord:
    """A schema (`role` "schema") or rule set ("rules") artefact as the registry describes it."""

    iri: str
    role: str
    technique: str | None
    main: Pin | None
    parts: tuple[Pin, ...] = ()
    conforms_to: tuple[str, ...] = ()
    """Its `dct:conformsTo` IRIs: for a JSON Schema, the draft it follows without `$schema`."""

    def json_draft(self) -> str | None:
        """The JSON Schema draft the artefact says it follows; several is an `ArtefactError`."""
        drafts = sorted({d for d in map(json_draft_of, self.conforms_to) if d is not None})
        if len(drafts) > 1:
            raise ArtefactError(
                f"schema {self.iri} conforms to {len(drafts)} JSON Schema drafts "
                f"({', '.join(drafts)}); give one dct:conformsTo draft"
            )
        return drafts[0] if drafts else None


def artefacts_of(store: Store, ref: MessageTypeRef) -> tuple[ArtefactRecord, ...]:
    """The schema and rules artefacts of `ref` with their pins, schema first, in one query.

    Read from the interface's own graph only: no other record can add rules to its messages.
    """
    mt, graph = URIRef(ref.iri).n3(), URIRef(ref.interface_iri).n3()
    sha256 = "spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue"
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT ?row ?art ?role ?tech ?url ?sum ?part ?purl ?psum ?conforms WHERE {{ GRAPH {graph} {{
  {{ {{ {mt} nif:schema ?art BIND("schema" AS ?role) }}
     UNION {{ {mt} nif:rules ?art BIND("rules" AS ?role) }}
     OPTIONAL {{ ?art adms:representationTechnique ?tech }}
     OPTIONAL {{ ?art dcat:downloadURL ?url }}
     BIND("artefact" AS ?row) }}
  UNION {{ {mt} nif:schema|nif:rules ?art . ?art spdx:checksum ?ck . ?ck {sha256} ?sum .
     BIND("sum" AS ?row) }}
  UNION {{ {mt} nif:schema|nif:rules ?art . ?art nif:part ?part . ?part dcat:downloadURL ?purl .
     BIND("part" AS ?row) }}
  UNION {{ {mt} nif:schema|nif:rules ?art . ?art nif:part ?part . ?part spdx:checksum ?pck .
     ?pck {sha256} ?psum . BIND("partsum" AS ?row) }}
  UNION {{ {mt} nif:schema ?art . ?art dct:conformsTo ?conforms . BIND("conforms" AS ?row) }}
}} }}"""
    )
    facts: dict[str, dict[str, list[Row]]] = {}
    for row in rows:
        facts.setdefault(str(row["row"]), {}).setdefault(str(row["art"]), []).append(row)
    part_sums: dict[str, str] = {}
    for art_rows in facts.get("partsum", {}).values():
        for row in art_rows:
            part_sums.setdefault(str(row["part"]), str(row["psum"]))
    records = []
    for art, art_rows in facts.get("artefact", {}).items():
        url = first(art_rows, "url")
        main_sum = first(facts.get("sum", {}).get(art, []), "sum")
        parts = {
            Pin(str(r["purl"]), part_sums.get(str(r["part"])))
            for r in facts.get("part", {}).get(art, [])
        }
        records.append(
            ArtefactRecord(
                iri=art,
                role=first(art_rows, "role") or "schema",
                technique=first(art_rows, "tech"),
                main=Pin(url, main_sum) if url else None,
                parts=tuple(sorted(parts, key=lambda p: (p.uri, p.sha256 or ""))),
                conforms_to=tuple(
                    sorted({str(r["conforms"]) for r in facts.get("conforms", {}).get(art, [])})
                ),
            )
        )
    return tuple(sorted(records, key=lambda a: (a.role != "schema", a.iri)))


def version_checksums(store: Store, version_iri: str) -> tuple[str, ...]:
    """The sha256 of every schema and rules artefact (and part) of a version, sorted, as its
    interface's own graph states them: what a certificate pins and its standing compares, so
    no other record can make a certificate look out of date."""
    version = URIRef(version_iri).n3()
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT DISTINCT ?sum WHERE {{
  GRAPH ?g {{
    ?interface dcat:hasVersion {version} .
    {version} nif:messageType ?mt .
    ?mt nif:schema|nif:rules ?art .
    {{ ?art spdx:checksum ?ck }} UNION {{ ?art nif:part ?part . ?part spdx:checksum ?ck }}
    ?ck spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum .
  }} FILTER(?interface = ?g)
}}"""
    )
    return tuple(sorted({str(r["sum"]) for r in rows if "sum" in r}))


_SHA256 = re.compile(r"[0-9a-f]{64}")


_built = CompiledCache(size=64)
"""Profiles built from verified blobs, keyed by the message type and its artefacts' pins."""


def build_profile(store: Store, ref: MessageTypeRef, blobs: Blobs) -> Profile:
    """The profile of `ref` from pinned blobs; `ArtefactError` when anything is not usable.

    One query for the artefacts and their checksums; the blobs are read and verified once per
    process for the same record content (a new submission brings new checksums, so a new key).
    """
    return profile_from(ref, artefacts_of(store, ref), blobs)


def profile_key(ref: MessageTypeRef, records: tuple[ArtefactRecord, ...]) -> str:
    """What identifies a built profile: the message type and its artefacts' pins."""
    facts = (ref.name, ref.iri, ref.phase, ref.scenario, records)
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def profile_from(ref: MessageTypeRef, records: tuple[ArtefactRecord, ...], blobs: Blobs) -> Profile:
    """`build_profile` without the store: for a worker process handed `artefacts_of`'s records."""
    return _built.get(profile_key(ref, records), lambda: _build(ref, records, blobs))


def _build(ref: MessageTypeRef, records: tuple[ArtefactRecord, ...], blobs: Blobs) -> Profile:
    steps: list[StepSpec] = []
    schemas = [a for a in records if a.role == "schema"]
    rules = [a for a in records if a.role == "rules"]
    if len(schemas) > 1:
        names = ", ".join(a.iri for a in schemas)
        raise ArtefactError(f"{ref.name} has {len(schemas)} schemas ({names}); nif needs one")
    for artefact in schemas:
        kind = _STEP_KINDS.get(artefact.technique or "")
        if kind == KOSIT:
            if ref.scenario is None:
                raise ArtefactError(
                    f"{ref.name}: schema {artefact.iri} is a KoSIT configuration, but the "
                    "message type names no nif:kositScenario to run"
                )
            steps.append(
                StepSpec(KOSIT, _artefact_set(ref, artefact, blobs), scenario=ref.scenario)
            )
            continue
        if kind not in (XSD, JSON_SCHEMA):
            raise ArtefactError(
                f"{ref.name}: schema {artefact.iri} has representation technique "
                f"{artefact.technique or '(none)'}; nif validates with XMLSchema, JSONSchema "
                "or a KoSITConfiguration"
            )
        draft = artefact.json_draft() if kind == JSON_SCHEMA else None
        steps.append(StepSpec(kind, _artefact_set(ref, artefact, blobs), json_draft=draft))
    for artefact in rules:
        if _STEP_KINDS.get(artefact.technique or "") != SCHEMATRON:
            raise ArtefactError(
                f"{ref.name}: rules {artefact.iri} have representation technique "
                f"{artefact.technique or '(none)'}; nif runs Schematron rules"
            )
        steps.append(StepSpec(SCHEMATRON, _artefact_set(ref, artefact, blobs), phase=ref.phase))
    if not steps:
        raise ArtefactError(f"{ref.name} has no schema or rules artefact to validate with")
    return Profile(tuple(steps), name=ref.name)


def _artefact_set(ref: MessageTypeRef, artefact: ArtefactRecord, blobs: Blobs) -> ArtefactSet:
    if artefact.main is None:
        raise ArtefactError(f"{ref.name}: artefact {artefact.iri} has no dcat:downloadURL")
    parts = {artefact.main.uri: _pinned(ref, artefact, artefact.main, blobs)}
    for pin in artefact.parts:
        if pin.uri in parts:
            continue
        parts[pin.uri] = _pinned(ref, artefact, pin, blobs)
    return ArtefactSet(artefact.main.uri, parts)


def _pinned(ref: MessageTypeRef, artefact: ArtefactRecord, pin: Pin, blobs: Blobs) -> Artefact:
    """The blob behind `pin`, re-hashed: what the record pinned or nothing (fail closed)."""
    main = artefact.main.uri if artefact.main else artefact.iri
    where = f"{ref.name}: {pin.uri}" + ("" if pin.uri == main else f" (part of {main})")
    if pin.sha256 is None:
        raise ArtefactError(f"{where} is not pinned: the record has no sha256 checksum for it")
    if not _SHA256.fullmatch(pin.sha256.lower()):
        raise ArtefactError(f"{where}: its checksum {pin.sha256!r} is not a sha256 in hex")
    try:
        content = blobs.get(pin.sha256.lower())
    except NifError:
        raise ArtefactError(
            f"{where}: the pinned content (sha256 {pin.sha256}) is missing from {blobs!r}"
        ) from None
    except OSError as exc:
        raise ArtefactError(f"{where}: cannot read the pinned content: {exc}") from None
    actual = hashlib.sha256(content).hexdigest()
    if actual != pin.sha256.lower():
        raise ArtefactError(
            f"{where}: the stored content has sha256 {actual}, not the pinned {pin.sha256} "
            "(the blob was changed or corrupted)"
        )
    return Artefact(pin.uri, content)
