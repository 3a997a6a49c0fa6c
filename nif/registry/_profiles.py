"""Validation profiles from the registry: interface, version and message type to a `Profile`.

A message type's steps come from its `nif:schema` (XSD or JSON Schema) and `nif:rules`
(Schematron) artefacts, built from pinned blobs only: each document's content is the blob its
`spdx:checksum` names, re-hashed before use. A missing blob or one whose content no longer matches
its checksum is an `ArtefactError`: validation fails closed, it never falls back on fetching.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from collections.abc import Mapping

from rdflib import Literal, URIRef

from nif.errors import ArtefactError, NifError, NotFoundError, UsageError
from nif.registry._blobs import BlobStore
from nif.registry._namespaces import DCAT, NIF, NIF_TECHNIQUE, STATUS, TECHNIQUE, sparql_prefixes
from nif.report import Report, Severity, StepResult, StepStatus, Verdict
from nif.settings import Settings
from nif.store.base import Row, Store
from nif.validate import (
    JSON_SCHEMA,
    SCHEMATRON,
    XSD,
    Artefact,
    ArtefactSet,
    CompiledCache,
    Profile,
    StepSpec,
    validate,
)

WITHDRAWN = str(STATUS.Withdrawn)
_STEP_KINDS = {
    str(TECHNIQUE.XMLSchema): XSD,
    str(NIF_TECHNIQUE.JSONSchema): JSON_SCHEMA,
    str(TECHNIQUE.Schematron): SCHEMATRON,
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


@dataclasses.dataclass(frozen=True)
class Discriminator:
    """An XPath 1.0 (XML) or JSON Pointer (JSON) path and the string value it must have.

    `namespaces` are the XPath prefix bindings (`sh:declare`), as sorted (prefix, URI) pairs.
    """

    path: str
    value: str
    namespaces: tuple[tuple[str, str], ...] = ()


@dataclasses.dataclass(frozen=True)
class MessageTypeRef:
    """One registered message type: what detection matches on and what reports name.

    Its artefacts are not here: `build_profile` reads them for the one message type chosen.
    """

    interface: str
    version: str
    message_type: str
    interface_iri: str
    version_iri: str
    iri: str
    status: str | None = None
    media: str | None = None
    root_namespace: str | None = None
    root_name: str | None = None
    discriminator: Discriminator | None = None
    phase: str | None = None

    @property
    def name(self) -> str:
        """`interface@version/message-type`, the profile name reports carry."""
        return f"{self.interface}@{self.version}/{self.message_type}"

    @property
    def context(self) -> dict[str, str]:
        """What a report says it was validated against."""
        return {
            "interface": self.interface,
            "version": self.version,
            "message_type": self.message_type,
        }

    @property
    def root(self) -> str | None:
        """The root element in Clark notation (`{namespace}name`), None for JSON."""
        if self.root_name is None:
            return None
        return (
            f"{{{self.root_namespace}}}{self.root_name}" if self.root_namespace else self.root_name
        )


def split_interface(argument: str) -> tuple[str, str | None]:
    """`ID@VERSION` -> (ID, VERSION); `ID` -> (ID, None)."""
    identifier, sep, version = argument.partition("@")
    if not identifier or (sep and not version):
        raise UsageError(f"interface {argument!r}: expected ID or ID@VERSION")
    return identifier, version or None


def message_types_query(pattern: str, *, before: str = "") -> str:
    """A SELECT for the message types `pattern` admits, one row per fact `_refs` assembles.

    `pattern` binds ?mt from constants, most selective first (e.g. `?mt nif:rootName "X"`),
    and may filter on ?version; `before` is joined outside the graph (a subquery binding ?mt).
    Every fact is read from the interface's own graph (`GRAPH ?g`, ?g the interface record),
    so statements another graph makes about its nodes cannot change its message types. Each
    UNION branch repeats the pattern and is a plain join of triple patterns, without OPTIONAL:
    engines evaluate a nested optional group, an OPTIONAL in a graph pattern or a VALUES block
    for the whole store before joining (Oxigraph does), which costs 0.1-1 s on 10,000
    interfaces where these branches cost a millisecond. Facts a message type may lack are
    branches of their own ("status", "fact").
    """
    core = f"""{pattern}
    ?version nif:messageType ?mt .
    ?interface dcat:hasVersion ?version ."""

    def branch(row: str, body: str) -> str:
        # Virtuoso does not join a graph variable with a subject inside it (so ?g is compared
        # apart), and refuses a BIND between that FILTER and a UNION (so ?row is bound first).
        return (
            f'{{ BIND("{row}" AS ?row) {before} GRAPH ?g {{ {core} {body} }}'
            " FILTER(?interface = ?g) }"
        )

    head = branch(
        "head",
        """
    ?interface dct:identifier ?iid .
    ?version dcat:version ?ver .
    ?mt dct:identifier ?mtid .""",
    )
    status = branch("status", "?version adms:status ?status .")
    fact = branch(
        "fact",
        "?mt ?fp ?fv . FILTER(?fp IN"
        " (dcat:mediaType, nif:rootNamespace, nif:rootName, nif:schematronPhase))",
    )
    discriminator = branch(
        "discriminator",
        """
    ?mt nif:discriminator ?d .
    ?d nif:path ?dpath ; nif:value ?dvalue .""",
    )
    declare = branch(
        "declare",
        """
    ?mt nif:discriminator ?d .
    ?d sh:declare ?decl .
    ?decl sh:prefix ?prefix ; sh:namespace ?nsUri .""",
    )
    return f"""{sparql_prefixes()}
SELECT ?mt ?row ?iid ?interface ?version ?ver ?mtid ?status ?fp ?fv
       ?d ?dpath ?dvalue ?decl ?prefix ?nsUri
WHERE {{
  {head} UNION {status} UNION {fact} UNION {discriminator} UNION {declare}
}}"""


def _media(media: str | None, root_name: str | None) -> str | None:
    """'xml' or 'json' from the media type IRI (`.../json`, `...+json`), else from the root."""
    if media:
        tail = media.rstrip("/").rsplit("/", 1)[-1].lower()
        if tail == "json" or tail.endswith("+json"):
            return "json"
        if tail == "xml" or tail.endswith("+xml"):
            return "xml"
    return "xml" if root_name else None


def _first(rows: list[Row], name: str) -> str | None:
    """The smallest value of `name` over `rows` (one when the record is well-formed)."""
    values = sorted(str(r[name]) for r in rows if name in r)
    return values[0] if values else None


def _discriminator(rows: list[Row], declares: list[Row]) -> Discriminator | None:
    """The first discriminator (by path) with the prefixes that same node declares."""
    if not rows:
        return None
    row = min(rows, key=lambda r: (str(r["dpath"]), str(r["dvalue"]), str(r["d"])))
    namespaces = sorted(
        {(str(r["prefix"]), str(r["nsUri"])) for r in declares if r["d"] == row["d"]}
    )
    return Discriminator(str(row["dpath"]), str(row["dvalue"]), tuple(namespaces))


def _refs(rows: list[Row]) -> list[MessageTypeRef]:
    """Rows of `message_types_query` grouped into refs (a message type as one interface's
    graph states it), ordered by name."""
    grouped: dict[tuple[str, str], dict[str, list[Row]]] = {}
    for row in rows:
        key = (str(row["mt"]), str(row["interface"]))
        grouped.setdefault(key, {}).setdefault(str(row["row"]), []).append(row)
    refs = []
    for (iri, _), kinds in grouped.items():
        heads = kinds.get("head")
        if not heads:
            continue
        facts: dict[str, list[Row]] = {}
        for row in kinds.get("fact", []):
            facts.setdefault(str(row["fp"]), []).append(row)

        def fact(prop: URIRef, facts: dict[str, list[Row]] = facts) -> str | None:
            return _first(facts.get(str(prop), []), "fv")

        root_name = fact(NIF.rootName)
        refs.append(
            MessageTypeRef(
                interface=_first(heads, "iid") or "",
                version=_first(heads, "ver") or "",
                message_type=_first(heads, "mtid") or "",
                interface_iri=_first(heads, "interface") or "",
                version_iri=_first(heads, "version") or "",
                iri=iri,
                status=_first(kinds.get("status", []), "status"),
                media=_media(fact(DCAT.mediaType), root_name),
                root_namespace=fact(NIF.rootNamespace) or None,
                root_name=root_name,
                discriminator=_discriminator(
                    kinds.get("discriminator", []), kinds.get("declare", [])
                ),
                phase=fact(NIF.schematronPhase),
            )
        )
    return sorted(refs, key=lambda r: (r.interface, _version_key(r.version), r.message_type))


def select_message_types(store: Store, pattern: str, *, before: str = "") -> list[MessageTypeRef]:
    """The message types `pattern` admits (see `message_types_query`), in one query."""
    return _refs(store.select(message_types_query(pattern, before=before)))


def artefacts_of(store: Store, ref: MessageTypeRef) -> tuple[ArtefactRecord, ...]:
    """The schema and rules artefacts of `ref` with their pins, schema first, in one query.

    Read from the interface's own graph only: no other record can add rules to its messages.
    """
    mt, graph = URIRef(ref.iri).n3(), URIRef(ref.interface_iri).n3()
    sha256 = "spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue"
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT ?row ?art ?role ?tech ?url ?sum ?part ?purl ?psum WHERE {{ GRAPH {graph} {{
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
        url = _first(art_rows, "url")
        main_sum = _first(facts.get("sum", {}).get(art, []), "sum")
        parts = {
            Pin(str(r["purl"]), part_sums.get(str(r["part"])))
            for r in facts.get("part", {}).get(art, [])
        }
        records.append(
            ArtefactRecord(
                iri=art,
                role=_first(art_rows, "role") or "schema",
                technique=_first(art_rows, "tech"),
                main=Pin(url, main_sum) if url else None,
                parts=tuple(sorted(parts, key=lambda p: (p.uri, p.sha256 or ""))),
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


_NUMBER = re.compile(r"\d+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Orders semantic versions numerically (1.10.0 after 1.9.0), anything else as text."""
    return tuple(
        (0, int(token)) if _NUMBER.fullmatch(token) else (1, token)
        for token in re.split(r"[.+-]", version)
    )


def resolve_message_types(
    store: Store, interface: str, version: str | None = None, message_type: str | None = None
) -> list[MessageTypeRef]:
    """The message types `--interface ID[@VERSION] [--message-type T]` names.

    One ref when the message type is named or the version has only one; several when detection
    must choose among the version's message types. Without a version, the interface's
    `dcat:hasCurrentVersion`. Raises `NotFoundError` saying what exists instead.
    """
    version_iri, version = pick_version(store, interface, version)
    refs = select_message_types(store, f"{URIRef(version_iri).n3()} nif:messageType ?mt .")
    if not refs:
        raise NotFoundError(f"{interface}@{version} has no message types")
    if message_type is None:
        return refs
    chosen = [r for r in refs if r.message_type == message_type]
    if not chosen:
        known = ", ".join(r.message_type for r in refs)
        raise NotFoundError(
            f"{interface}@{version} has no message type {message_type!r} (message types: {known})"
        )
    return chosen


def pick_version(store: Store, interface: str, version: str | None) -> tuple[str, str]:
    """(IRI, version) of `interface`@`version`, or of its current version when None, as the
    interface's own graph states them; `NotFoundError` saying which versions there are.

    The current version comes from a UNION branch, not an OPTIONAL: Virtuoso drops the rows
    of an unmatched OPTIONAL on the variable a graph FILTER compares."""
    identifier = Literal(interface).n3()
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT ?version ?ver ?current WHERE {{
  {{ GRAPH ?g {{ ?interface dct:identifier {identifier} ; dcat:hasVersion ?version .
      ?version dcat:version ?ver . }} FILTER(?interface = ?g) }}
  UNION
  {{ GRAPH ?g {{ ?interface dct:identifier {identifier} ; dcat:hasCurrentVersion ?current }}
     FILTER(?interface = ?g) }}
}}"""
    )
    if not any("ver" in r for r in rows):
        if store.ask(
            f"""{sparql_prefixes()}
ASK {{ ?i dct:identifier {identifier} ; a dcat:DataService .
  FILTER NOT EXISTS {{ ?i a nif:InterfaceVersion }} }}"""
        ):
            raise NotFoundError(f"interface {interface} has no versions")
        raise NotFoundError(
            f"no interface {interface!r} in the registry{_suggest(store, interface)}"
        )
    versions = {str(r["ver"]): str(r["version"]) for r in rows if "ver" in r}
    current = {str(r["current"]) for r in rows if "current" in r}
    if version is not None:
        if version in versions:
            return versions[version], version
        raise NotFoundError(
            f"interface {interface} has no version {version} "
            f"(versions: {_listing(versions, current)})"
        )
    named = sorted((v for v, iri in versions.items() if iri in current), key=_version_key)
    if len(named) == 1:
        return versions[named[0]], named[0]
    reason = "declares no current version" if not named else "declares several current versions"
    raise NotFoundError(
        f"interface {interface} {reason}: name one as {interface}@VERSION "
        f"(versions: {_listing(versions, current)})"
    )


def _listing(versions: Mapping[str, str], current: set[str]) -> str:
    return ", ".join(
        f"{v} (current)" if versions[v] in current else v
        for v in sorted(versions, key=_version_key)
    )


def _suggest(store: Store, interface: str) -> str:
    """`; did you mean ...` among the interfaces whose identifier starts like `interface`.

    Only on this error path; the prefix keeps it quick on 10,000 interfaces.
    """
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT DISTINCT ?id WHERE {{
  ?i dct:identifier ?id . FILTER(STRSTARTS(?id, {Literal(interface[:3]).n3()}))
  ?i dcat:hasVersion ?v .
}}"""
    )
    close = difflib.get_close_matches(interface, [str(r["id"]) for r in rows], n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


_built = CompiledCache(size=64)
"""Profiles built from verified blobs, keyed by the message type and its artefacts' pins."""


def build_profile(store: Store, ref: MessageTypeRef, blobs: BlobStore) -> Profile:
    """The profile of `ref` from pinned blobs; `ArtefactError` when anything is not usable.

    One query for the artefacts and their checksums; the blobs are read and verified once per
    process for the same record content (a new submission brings new checksums, so a new key).
    """
    return profile_from(ref, artefacts_of(store, ref), blobs)


def profile_key(ref: MessageTypeRef, records: tuple[ArtefactRecord, ...]) -> str:
    """What identifies a built profile: the message type and its artefacts' pins."""
    return hashlib.sha256(repr((ref.name, ref.iri, ref.phase, records)).encode()).hexdigest()


def profile_from(
    ref: MessageTypeRef, records: tuple[ArtefactRecord, ...], blobs: BlobStore
) -> Profile:
    """`build_profile` without the store: for a worker process handed `artefacts_of`'s records."""
    return _built.get(profile_key(ref, records), lambda: _build(ref, records, blobs))


def _build(ref: MessageTypeRef, records: tuple[ArtefactRecord, ...], blobs: BlobStore) -> Profile:
    steps: list[StepSpec] = []
    schemas = [a for a in records if a.role == "schema"]
    rules = [a for a in records if a.role == "rules"]
    if len(schemas) > 1:
        names = ", ".join(a.iri for a in schemas)
        raise ArtefactError(f"{ref.name} has {len(schemas)} schemas ({names}); nif needs one")
    for artefact in schemas:
        kind = _STEP_KINDS.get(artefact.technique or "")
        if kind not in (XSD, JSON_SCHEMA):
            raise ArtefactError(
                f"{ref.name}: schema {artefact.iri} has representation technique "
                f"{artefact.technique or '(none)'}; nif validates with XMLSchema or JSONSchema"
            )
        steps.append(StepSpec(kind, _artefact_set(ref, artefact, blobs)))
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


def _artefact_set(ref: MessageTypeRef, artefact: ArtefactRecord, blobs: BlobStore) -> ArtefactSet:
    if artefact.main is None:
        raise ArtefactError(f"{ref.name}: artefact {artefact.iri} has no dcat:downloadURL")
    parts = {artefact.main.uri: _pinned(ref, artefact, artefact.main, blobs)}
    for pin in artefact.parts:
        if pin.uri in parts:
            continue
        parts[pin.uri] = _pinned(ref, artefact, pin, blobs)
    return ArtefactSet(artefact.main.uri, parts)


def _pinned(ref: MessageTypeRef, artefact: ArtefactRecord, pin: Pin, blobs: BlobStore) -> Artefact:
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
            f"{where}: the pinned content (sha256 {pin.sha256}) is missing from {blobs.root}"
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


def error_report(
    content: bytes,
    *,
    source: str,
    stage: str,
    error: str,
    settings: Settings,
    ref: MessageTypeRef | None = None,
    fail_on: Severity = Severity.ERROR,
) -> Report:
    """The report of a message no registered profile could check (`stage` "detect" or "profile").

    The message is still parsed: one that is not well-formed is invalid whatever its type;
    otherwise the verdict is `error`, never `valid`.
    """
    name = ref.name if ref is not None else None
    report = validate(
        content,
        Profile((), name=name, fail_on=fail_on),
        source=source,
        settings=settings,
        context=ref.context if ref is not None else None,
    )
    if report.verdict is Verdict.INVALID and ref is None:
        note = "not run: the message could not be parsed, so its type is unknown"
        report.steps.append(StepResult(stage, stage, "nif", "", StepStatus.SKIPPED, error=note))
        return report
    report.steps.append(StepResult(stage, stage, "nif", "", StepStatus.ERROR, error=error))
    report.verdict = Verdict.ERROR
    return report
