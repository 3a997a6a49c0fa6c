"""Synthetic registries for the registry benchmarks: agencies x interfaces x versions.

Deterministic for a seed. Two outputs of the same registry:

- a folder in the demo format (`agencies/<id>.ttl`, `interfaces/<id>/interface.ttl` with its
  schema files under `schemas/<version>/`), what `Registry.load_folder` and submission take;
- N-Quads of the records as pinning leaves them (`spdx:checksum`, `nif:part`, downloadURLs
  under `{base}files/<id>/`), with every blob written to a `BlobStore`: a fast set-up for the
  check and query benchmarks.

Schemas come from a pool of shared standards, as many agencies reuse the same ones: message
types built on one standard share its root QName (told apart by discriminators) and its files
are byte-identical, so blobs are shared. A few percent of interfaces carry one violation each
(bad semantic version, http endpoint, an identifier another interface has, no publisher), so a
check has something to find. The defaults give 10,000 interfaces and about a million triples;
`NIF_BENCH_INTERFACES` and `NIF_BENCH_SEED` change them.

    python -m bench._registry_gen folder DIR
    python -m bench._registry_gen nquads FILE.nq BLOBS_DIR
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from nif.registry._blobs import BlobStore

BASE = "https://registry.nif.example/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "nif": "https://w3id.org/nif/ns#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "adms": "http://www.w3.org/ns/adms#",
    "cv": "http://data.europa.eu/m8g/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "sh": "http://www.w3.org/ns/shacl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
NIF = PREFIXES["nif"]
DCAT = PREFIXES["dcat"]
DCT = PREFIXES["dct"]
ADMS = PREFIXES["adms"]
SPDX = PREFIXES["spdx"]
SH = PREFIXES["sh"]
XSD = PREFIXES["xsd"]
STATUS = "http://purl.org/adms/status/"
LEVEL = "http://purl.org/adms/interoperabilitylevel/"
TECHNIQUE = "http://purl.org/adms/representationtechnique/"
JSON_SCHEMA = "https://w3id.org/nif/concept/representation-technique/JSONSchema"
DIRECTION = "https://w3id.org/nif/concept/direction/"
TRANSPORT = "https://w3id.org/nif/concept/transport/"
XML_MEDIA = "https://www.iana.org/assignments/media-types/application/xml"
JSON_MEDIA = "https://www.iana.org/assignments/media-types/application/json"
SHA256 = SPDX + "checksumAlgorithm_sha256"
CHECKSUM_DATATYPE = XSD + "hexBinary"
"""The datatype pinning gives `spdx:checksumValue` (DCAT-AP's Checksum shape asks hexBinary)."""

VIOLATIONS = ("semver", "http-endpoint", "duplicate-identifier", "missing-publisher")

# Domains: agency kind, interface topics (full-text words) and message names.
DOMAINS = (
    ("civreg", "Civil Registry Office", ("birth", "marriage", "death", "residence", "name")),
    ("busreg", "Business Register", ("company", "branch", "insolvency", "beneficial", "merger")),
    ("tax", "Tax Administration", ("income", "vat", "withholding", "property", "excise")),
    ("social", "Social Security Institute", ("pension", "benefit", "sickness", "family", "wage")),
    ("vehicle", "Vehicle Registration Authority", ("vehicle", "licence", "plate", "inspection")),
    ("health", "Health Insurance Fund", ("patient", "prescription", "referral", "vaccination")),
    ("land", "Land Registry", ("parcel", "mortgage", "cadastre", "easement", "title")),
    ("customs", "Customs Service", ("declaration", "transit", "tariff", "manifest", "excise")),
    ("education", "Education Agency", ("diploma", "enrolment", "grant", "school", "exam")),
    ("employment", "Employment Service", ("jobseeker", "vacancy", "contract", "training")),
)
ACTIONS = ("registration", "notification", "lookup", "certificate", "change", "report", "status")
MESSAGES = ("Request", "Response", "Notification")
REGIONS = ("North", "South", "East", "West", "Central", "Coastal", "Highland", "Capital")


@dataclasses.dataclass(frozen=True)
class Spec:
    """The shape of a synthetic registry; everything else follows from the seed."""

    interfaces: int = 10_000
    interfaces_per_agency: int = 20
    standards: int = 300
    violation_share: float = 0.03
    seed: int = 3
    first: int = 0
    """Index of the first interface: distinct `first`s give registries that do not collide."""

    @property
    def agencies(self) -> int:
        return max(1, math.ceil(self.interfaces / self.interfaces_per_agency))

    @classmethod
    def from_env(cls, **overrides: object) -> Spec:
        """Defaults, then NIF_BENCH_INTERFACES / NIF_BENCH_SEED, then `overrides`."""
        values: dict[str, object] = {}
        if os.environ.get("NIF_BENCH_INTERFACES"):
            values["interfaces"] = int(os.environ["NIF_BENCH_INTERFACES"])
        if os.environ.get("NIF_BENCH_SEED"):
            values["seed"] = int(os.environ["NIF_BENCH_SEED"])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


@dataclasses.dataclass
class Record:
    """One record: its named graph (the main node's IRI), triples and the bundle's files.

    `triples` hold N-Triples terms; in a folder record a bundle file's IRI is relative to the
    record's file. `violations` names what the generator broke on purpose.
    """

    kind: str
    identifier: str
    iri: str
    triples: list[tuple[str, str, str]]
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    violations: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        """The record's path in a registry folder (agency file or interface bundle)."""
        if self.kind == "agency":
            return f"agencies/{self.identifier}.ttl"
        return f"interfaces/{self.iri.rsplit('/', 1)[1]}"


def iri(value: str) -> str:
    return f"<{value}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


@dataclasses.dataclass(frozen=True)
class Standard:
    """A shared message standard: one schema (plus a common part, sometimes) and its rules."""

    number: int
    domain: int
    name: str
    json: bool
    namespace: str
    with_part: bool
    with_rules: bool

    @functools.cached_property
    def files(self) -> dict[str, bytes]:
        """The standard's files by name; the first is the main schema."""
        if self.json:
            return _json_files(self)
        return _xml_files(self)


def standards(spec: Spec) -> list[Standard]:
    rng = random.Random(f"{spec.seed}-standards")
    pool: list[Standard] = []
    names: set[str] = set()
    for number in range(spec.standards):
        domain = number % len(DOMAINS)
        topic = rng.choice(DOMAINS[domain][2])
        name = f"{topic.capitalize()}{rng.choice(ACTIONS).capitalize()}{rng.choice(MESSAGES)}"
        if name in names:
            name = f"{name}{number}"
        names.add(name)
        is_json = number % 3 == 0
        pool.append(
            Standard(
                number=number,
                domain=domain,
                name=name,
                json=is_json,
                namespace=f"urn:nif:bench:{DOMAINS[domain][0]}:std{number}",
                with_part=number % 4 == 1,
                with_rules=not is_json and number % 5 < 2,
            )
        )
    return pool


def _xml_files(standard: Standard) -> dict[str, bytes]:
    name, ns = standard.name, standard.namespace
    imports = ""
    fields = '<xs:element name="Reference" type="xs:string"/>'
    if standard.with_part:
        imports = '<xs:import namespace="urn:nif:bench:core" schemaLocation="core.xsd"/>'
        fields = '<xs:element ref="core:Reference"/>'
    schema = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:core="urn:nif:bench:core"
  targetNamespace="{ns}" xmlns="{ns}" elementFormDefault="qualified">
  {imports}
  <xs:element name="{name}">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="CustomizationID" type="xs:string" minOccurs="0"/>
        <xs:element name="Version" type="xs:string" minOccurs="0"/>
        {fields}
        <xs:element name="Issued" type="xs:date"/>
        <xs:element name="Amount" type="xs:decimal" minOccurs="0"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""
    files = {f"{_slug(name)}.xsd": schema.encode()}
    if standard.with_part:
        files["core.xsd"] = CORE_XSD
    if standard.with_rules:
        rules = f"""<?xml version="1.0" encoding="UTF-8"?>
<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt">
  <sch:ns prefix="m" uri="{ns}"/>
  <sch:pattern id="{name}-rules">
    <sch:rule context="m:{name}">
      <sch:assert id="R1" test="not(m:Amount) or number(m:Amount) &gt;= 0">The amount must not
        be negative.</sch:assert>
    </sch:rule>
  </sch:pattern>
</sch:schema>
"""
        files[f"{_slug(name)}.sch"] = rules.encode()
    return files


CORE_XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:nif:bench:core"
  elementFormDefault="qualified">
  <xs:element name="Reference">
    <xs:simpleType>
      <xs:restriction base="xs:string"><xs:pattern value="[A-Z]{2}[0-9]{6,12}"/></xs:restriction>
    </xs:simpleType>
  </xs:element>
</xs:schema>
"""

DEFS_JSON = json.dumps(
    {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": {
            "reference": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{6,12}$"},
            "amount": {"type": "number", "minimum": 0},
        },
    },
    indent=2,
).encode()


def _json_files(standard: Standard) -> dict[str, bytes]:
    reference: dict[str, object] = {"type": "string"}
    if standard.with_part:
        reference = {"$ref": "defs.json#/$defs/reference"}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": standard.name,
        "type": "object",
        "required": ["messageType", "reference", "issued"],
        "properties": {
            "messageType": {"type": "string"},
            "version": {"type": "string"},
            "reference": reference,
            "issued": {"type": "string", "format": "date"},
            "amount": {"type": "number"},
        },
        "additionalProperties": False,
    }
    files = {f"{_slug(standard.name)}.json": json.dumps(schema, indent=2).encode()}
    if standard.with_part:
        files["defs.json"] = DEFS_JSON
    return files


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class _Builder:
    """Accumulates one record's triples, with blank node labels unique to the record."""

    def __init__(self, label: str) -> None:
        self.triples: list[tuple[str, str, str]] = []
        self.label = label
        self.bnodes = 0

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.triples.append((subject, f"<{predicate}>", obj))

    def bnode(self) -> str:
        self.bnodes += 1
        return f"_:{self.label}b{self.bnodes}"

    def checksum(self, subject: str, content: bytes) -> None:
        node = self.bnode()
        self.add(subject, SPDX + "checksum", node)
        self.add(node, RDF_TYPE, iri(SPDX + "Checksum"))
        self.add(node, SPDX + "algorithm", iri(SHA256))
        digest = hashlib.sha256(content).hexdigest()
        self.add(node, SPDX + "checksumValue", literal(digest, datatype=CHECKSUM_DATATYPE))


def agency_records(spec: Spec) -> Iterator[Record]:
    for number in range(spec.agencies):
        identifier = agency_id(number)
        label = DOMAINS[number % len(DOMAINS)][1]
        region = REGIONS[(number // len(DOMAINS)) % len(REGIONS)]
        node = iri(f"{BASE}agency/{identifier}")
        b = _Builder(f"a{number}")
        for cls in (
            "http://www.w3.org/ns/org#Organization",
            "http://data.europa.eu/m8g/PublicOrganisation",
            "http://xmlns.com/foaf/0.1/Agent",
        ):
            b.add(node, RDF_TYPE, iri(cls))
        b.add(node, DCT + "identifier", literal(identifier))
        name = literal(f"{label} {region} {number}", "en")
        b.add(node, PREFIXES["skos"] + "prefLabel", name)
        b.add(node, PREFIXES["foaf"] + "name", name)
        b.add(node, "http://xmlns.com/foaf/0.1/homepage", iri(f"https://{identifier}.example.gov/"))
        contact = b.bnode()
        b.add(node, DCAT + "contactPoint", contact)
        b.add(contact, RDF_TYPE, iri(PREFIXES["vcard"] + "Organization"))
        b.add(contact, PREFIXES["vcard"] + "fn", literal(f"{label} {region} interoperability desk"))
        b.add(contact, PREFIXES["vcard"] + "hasEmail", iri(f"mailto:iop@{identifier}.example.gov"))
        yield Record("agency", identifier, node[1:-1], b.triples)


def agency_id(number: int) -> str:
    return f"{DOMAINS[number % len(DOMAINS)][0]}-{number:04d}"


def interface_records(spec: Spec, pinned: bool) -> Iterator[Record]:
    """The interface records; `pinned` gives them as submission stores them."""
    by_domain: dict[int, list[Standard]] = {}
    for standard in standards(spec):
        by_domain.setdefault(standard.domain, []).append(standard)
    rng = random.Random(f"{spec.seed}-interfaces-{spec.first}")
    identifiers: list[str] = []
    for index in range(spec.first, spec.first + spec.interfaces):
        agency = (index // spec.interfaces_per_agency) % spec.agencies
        violation = None
        if rng.random() < spec.violation_share:
            violation = VIOLATIONS[index % len(VIOLATIONS)]
            if violation == "duplicate-identifier" and not identifiers:
                violation = "semver"
        record = _interface(spec, rng, by_domain, index, agency, violation, identifiers, pinned)
        identifiers.append(record.identifier)
        yield record


def _interface(
    spec: Spec,
    rng: random.Random,
    by_domain: dict[int, list[Standard]],
    index: int,
    agency: int,
    violation: str | None,
    identifiers: list[str],
    pinned: bool,
) -> Record:
    domain = agency % len(DOMAINS)
    topic = rng.choice(DOMAINS[domain][2])
    action = rng.choice(ACTIONS)
    folder_id = f"{agency_id(agency)}-{topic}-{action}-{index:05d}"
    identifier = rng.choice(identifiers) if violation == "duplicate-identifier" else folder_id
    node_iri = f"{BASE}interface/{folder_id}"
    node = iri(node_iri)
    host = f"api.{agency_id(agency)}.example.gov"
    scheme = "http" if violation == "http-endpoint" else "https"
    publisher = (
        None if violation == "missing-publisher" else iri(f"{BASE}agency/{agency_id(agency)}")
    )
    title = f"{topic.capitalize()} {action}"
    b = _Builder(f"i{index}")
    b.add(node, RDF_TYPE, iri(DCAT + "DataService"))
    b.add(node, DCT + "identifier", literal(identifier))
    b.add(node, DCT + "title", literal(f"{title} ({agency_id(agency)})", "en"))
    b.add(
        node,
        DCT + "description",
        literal(f"{DOMAINS[domain][1]}: {topic} {action} exchange for integrators.", "en"),
    )
    if publisher:
        b.add(node, DCT + "publisher", publisher)
    b.add(node, DCAT + "endpointURL", iri(f"{scheme}://{host}/{topic}/{action}"))
    b.add(node, NIF + "transport", iri(TRANSPORT + rng.choice(("rest", "rest", "soap", "as4"))))

    count = rng.choices((1, 2, 3), weights=(4, 3, 3))[0]
    versions = [f"{major}.{minor}.0" for major, minor in ((1, 0), (1, 1), (2, 0))][:count]
    if violation == "semver":
        versions[-1] = versions[-1].rsplit(".", 1)[0]
    statuses = _statuses(rng, count)
    current = max((i for i, s in enumerate(statuses) if s == "Completed"), default=count - 1)
    files: dict[str, bytes] = {}
    version_iris = [f"{node_iri}/{v}" for v in versions]
    for number, (semver, status) in enumerate(zip(versions, statuses, strict=True)):
        version = iri(version_iris[number])
        b.add(node, DCAT + "hasVersion", version)
        b.add(version, RDF_TYPE, iri(DCAT + "DataService"))
        b.add(version, RDF_TYPE, iri(NIF + "InterfaceVersion"))
        b.add(version, DCT + "title", literal(f"{title} {semver}", "en"))
        if publisher:
            b.add(version, DCT + "publisher", publisher)
        b.add(version, DCAT + "endpointURL", iri(f"https://{host}/{topic}/{action}/v{number + 1}"))
        b.add(version, DCAT + "version", literal(semver))
        b.add(version, ADMS + "status", iri(STATUS + status))
        b.add(
            version,
            ADMS + "versionNotes",
            literal(f"Release {semver} of the {topic} {action}.", "en"),
        )
        b.add(version, ADMS + "interoperabilityLevel", iri(LEVEL + "Technical"))
        if number:
            b.add(version, DCAT + "previousVersion", iri(version_iris[number - 1]))
        pool = by_domain.get(domain) or [s for group in by_domain.values() for s in group]
        drawn = rng.sample(pool, min(len(pool), rng.choices((1, 2), weights=(3, 2))[0]))
        if not number or semver.split(".")[0] != versions[number - 1].split(".")[0]:
            chosen = drawn  # a minor keeps its major's message types: it must stay compatible
        for standard in chosen:
            _message_type(b, version_iris[number], semver, standard, folder_id, files, pinned, rng)
    b.add(node, DCAT + "hasCurrentVersion", iri(version_iris[current]))
    return Record(
        "interface", identifier, node_iri, b.triples, files, (violation,) if violation else ()
    )


def _statuses(rng: random.Random, count: int) -> list[str]:
    """Older versions deprecated or withdrawn; the newest completed or still under development."""
    older = [
        rng.choice(("Deprecated", "Deprecated", "Withdrawn", "Completed")) for _ in range(count - 1)
    ]
    newest = "UnderDevelopment" if count > 1 and rng.random() < 0.25 else "Completed"
    return [*older, newest]


def _message_type(
    b: _Builder,
    version_iri: str,
    semver: str,
    standard: Standard,
    folder_id: str,
    files: dict[str, bytes],
    pinned: bool,
    rng: random.Random,
) -> None:
    identifier = standard.name
    node = iri(f"{version_iri}/{identifier}")
    b.add(iri(version_iri), NIF + "messageType", node)
    b.add(node, RDF_TYPE, iri(NIF + "MessageType"))
    b.add(node, DCT + "identifier", literal(identifier))
    b.add(node, DCT + "title", literal(_words(standard.name), "en"))
    b.add(node, NIF + "direction", iri(DIRECTION + _direction(standard.name)))
    b.add(node, DCAT + "mediaType", iri(JSON_MEDIA if standard.json else XML_MEDIA))
    if not standard.json:
        b.add(node, NIF + "rootNamespace", literal(standard.namespace))
        b.add(node, NIF + "rootName", literal(standard.name))
    if rng.random() < 0.6:
        discriminator = b.bnode()
        b.add(node, NIF + "discriminator", discriminator)
        b.add(discriminator, RDF_TYPE, iri(NIF + "Discriminator"))
        if standard.json:
            b.add(discriminator, NIF + "path", literal("/messageType"))
        else:
            b.add(discriminator, NIF + "path", literal(f"/m:{standard.name}/m:CustomizationID"))
            declare = b.bnode()
            b.add(discriminator, SH + "declare", declare)
            b.add(declare, SH + "prefix", literal("m"))
            b.add(declare, SH + "namespace", literal(standard.namespace, datatype=XSD + "anyURI"))
        b.add(discriminator, NIF + "value", literal(f"urn:{folder_id}:{semver}:{identifier}"))
    content = standard.files
    names = list(content)
    schema_name = names[0]
    parts = [n for n in names if n in ("core.xsd", "defs.json")]
    _artefact(
        b,
        node,
        NIF + "schema",
        version_iri,
        semver,
        schema_name,
        content,
        parts,
        standard.json,
        folder_id,
        files,
        pinned,
    )
    rules = [n for n in names if n.endswith(".sch")]
    for name in rules:
        _artefact(
            b,
            node,
            NIF + "rules",
            version_iri,
            semver,
            name,
            content,
            [],
            False,
            folder_id,
            files,
            pinned,
        )
    if rules:
        b.add(node, NIF + "schematronPhase", literal("#ALL"))


def _artefact(
    b: _Builder,
    message_type: str,
    predicate: str,
    version_iri: str,
    semver: str,
    name: str,
    content: dict[str, bytes],
    parts: list[str],
    is_json: bool,
    folder_id: str,
    files: dict[str, bytes],
    pinned: bool,
) -> None:
    node = iri(f"{version_iri}/artefact/{name}")
    b.add(message_type, predicate, node)
    b.add(node, RDF_TYPE, iri(DCT + "Standard"))
    b.add(node, RDF_TYPE, iri(DCAT + "Distribution"))
    kind = "rules" if name.endswith(".sch") else "schema"
    b.add(node, DCT + "title", literal(f"{_words(name.rsplit('.', 1)[0])} {kind} {semver}", "en"))
    path = f"schemas/{semver}/{name}"
    files[path] = content[name]
    url = iri(f"{BASE}files/{folder_id}/{path}" if pinned else path)
    b.add(node, DCAT + "downloadURL", url)
    b.add(node, DCAT + "accessURL", url)
    b.add(node, DCAT + "mediaType", iri(JSON_MEDIA if is_json else XML_MEDIA))
    if is_json:
        technique = JSON_SCHEMA
    else:
        technique = TECHNIQUE + ("Schematron" if name.endswith(".sch") else "XMLSchema")
    b.add(node, ADMS + "representationTechnique", iri(technique))
    for part in parts:
        files[f"schemas/{semver}/{part}"] = content[part]
    if not pinned:
        return
    b.checksum(node, content[name])
    for part in parts:
        part_node = b.bnode()
        b.add(node, NIF + "part", part_node)
        b.add(part_node, RDF_TYPE, iri(NIF + "ArtefactPart"))
        b.add(
            part_node, DCAT + "downloadURL", iri(f"{BASE}files/{folder_id}/schemas/{semver}/{part}")
        )
        b.checksum(part_node, content[part])


def _words(name: str) -> str:
    return _slug(name).replace("-", " ").capitalize()


def _direction(name: str) -> str:
    if name.endswith("Response"):
        return "response"
    if name.endswith("Notification"):
        return "notification"
    return "request"


def records(spec: Spec, pinned: bool = False) -> Iterator[Record]:
    """Every record of the registry: agencies first, then interfaces."""
    yield from agency_records(spec)
    yield from interface_records(spec, pinned)


def turtle(record: Record) -> str:
    """The record as Turtle, grouped by subject and predicate, IRIs compacted by prefix."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for s, p, o in record.triples:
        grouped.setdefault(s, {}).setdefault(p, []).append(_compact(o))
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()]
    for subject, predicates in grouped.items():
        body = " ;\n    ".join(
            f"{_compact(p)} {', '.join(objects)}" for p, objects in predicates.items()
        )
        lines.append(f"\n{_compact(subject)} {body} .")
    return "\n".join(lines) + "\n"


_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _compact(term: str) -> str:
    if term == f"<{RDF_TYPE}>":
        return "a"
    if term.startswith("<"):
        value = term[1:-1]
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns) and _LOCAL.fullmatch(value[len(ns) :]):
                return f"{prefix}:{value[len(ns) :]}"
        return term
    if term.startswith('"') and "^^<" in term:
        text, datatype = term.rsplit("^^", 1)
        return f"{text}^^{_compact(datatype)}"
    return term


def write_folder(spec: Spec, root: Path) -> int:
    """Write the registry as a demo-format folder at `root`; return its (unpinned) triple count."""
    count = 0
    for record in records(spec):
        target = root / record.folder
        if record.kind == "agency":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(turtle(record), "utf-8")
        else:
            target.mkdir(parents=True)
            (target / "interface.ttl").write_text(turtle(record), "utf-8")
            for path, content in record.files.items():
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                (target / path).write_bytes(content)
        count += len(record.triples)
    return count


def write_nquads(spec: Spec, out: BinaryIO, blobs: BlobStore | None) -> int:
    """Write the pinned records as N-Quads to `out`, their files to `blobs`; return the quads."""
    count = 0
    stored: set[bytes] = set()
    for record in records(spec, pinned=True):
        graph = f"<{record.iri}>"
        out.write("".join(f"{s} {p} {o} {graph} .\n" for s, p, o in record.triples).encode())
        count += len(record.triples)
        if blobs is not None:
            for content in record.files.values():
                if content not in stored:
                    stored.add(content)
                    blobs.put(content)
    return count


def pinned_registry(spec: Spec, home: Path) -> tuple[Path, int]:
    """The pinned registry as `home/registry.nq`, its blobs under `home/blobs` (as a Registry
    opened on `home` keeps them); returns the N-Quads file and its quad count."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "registry.nq"
    with path.open("wb") as out:
        count = write_nquads(spec, out, BlobStore(home / "blobs"))
    return path, count


def main(argv: list[str]) -> int:
    spec = Spec.from_env()
    if len(argv) == 2 and argv[0] == "folder":
        count = write_folder(spec, Path(argv[1]))
    elif len(argv) == 3 and argv[0] == "nquads":
        with open(argv[1], "wb") as out:
            count = write_nquads(spec, out, BlobStore(Path(argv[2])))
    else:
        print(__doc__.rsplit("\n\n", 1)[1], file=sys.stderr)
        return 2
    print(
        f"{spec.agencies} agencies, {spec.interfaces} interfaces, {count} triples", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
