"""Editing interface records without writing RDF by hand: what the forms and scaffolds call.

Each function changes a record graph (rdflib) the way a publisher would have edited its Turtle,
so that the shapes pass: a new interface with its first version, the next version of an
interface (copied from an earlier one), a message type with its schema, rules and examples,
metadata edits, and deprecation. IRIs follow the registry's layout: `{interface}/{version}`,
`{version}/{MessageType}`, `{version}/artefact/{file}`, `{version}/{MessageType}/example/{file}`.
Artefact URLs are what the caller gives (relative paths in a bundle folder, or the record's files
URLs): pinning reads and checks them when the record is submitted. Bad inputs raise `InputError`
naming what is wrong; nothing is changed then.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import InputError
from nif.registry._iris import IDENTIFIER, interface_iri
from nif.registry._namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    DIRECTION,
    LEVEL,
    MEDIA,
    NIF,
    NIF_TECHNIQUE,
    RDF,
    SH,
    STATUS,
    TECHNIQUE,
    TRANSPORT,
    XSD,
)
from nif.registry._versions import is_semver
from nif.settings import Settings

Texts = Mapping[str, str]
"""Text per language tag (`{"en": "Birth registration", "de": "Geburtsanzeige"}`)."""

TRANSPORTS = ("rest", "soap", "as4", "sftp", "mq")
DIRECTIONS = ("request", "response", "notification")
STATUSES = ("UnderDevelopment", "Completed", "Deprecated", "Withdrawn")
"""The choices records take (the shapes' `sh:in` lists): authoring and KoSIT imports check them."""
VERDICTS = ("valid", "invalid")
MEDIA_TYPES = ("application/xml", "application/json")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclasses.dataclass(frozen=True)
class NewInterface:
    """A new interface and its first version (the shapes want an interface to have one)."""

    identifier: str
    agency: str
    """The publishing agency's IRI."""
    titles: Texts
    descriptions: Texts
    endpoint: str
    transport: str = "rest"
    version: str = "1.0.0"
    notes: Texts = dataclasses.field(default_factory=lambda: {"en": "First version."})

    transports: ClassVar[tuple[str, ...]] = TRANSPORTS


@dataclasses.dataclass(frozen=True)
class Example:
    """An example message: where its file is, and the verdict it must get."""

    url: str
    verdict: str = "valid"


@dataclasses.dataclass(frozen=True)
class Discriminator:
    """What tells a message type apart when its root does not (an XPath or JSON Pointer and
    the value found there; `prefixes` declares the XPath's namespace prefixes)."""

    path: str
    value: str
    prefixes: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class NewMessageType:
    """A message type of a version: its schema (and rule set) and examples by URL.

    XML types name their root (`root_namespace`, `root_name`); JSON types are told apart by a
    `discriminator` (XML types may have one too)."""

    identifier: str
    title: str
    schema: str
    direction: str = "request"
    media_type: str = "application/xml"
    rules: str | None = None
    root_namespace: str | None = None
    root_name: str | None = None
    discriminator: Discriminator | None = None
    examples: tuple[Example, ...] = ()


@dataclasses.dataclass(frozen=True)
class Metadata:
    """Metadata edits; what is None stays as it is, a text map replaces the languages it names."""

    titles: Texts | None = None
    descriptions: Texts | None = None
    endpoint: str | None = None
    notes: Texts | None = None
    """Version notes (only for a version)."""


def new_interface(spec: NewInterface, settings: Settings) -> tuple[Graph, URIRef]:
    """A new interface record with its first version (status UnderDevelopment, current):
    the graph and the version's IRI, to which `add_message_type` adds message types."""
    if not IDENTIFIER.fullmatch(spec.identifier):
        raise InputError(
            f"interface identifier {spec.identifier!r}: use lower-case letters, digits, dots "
            "and hyphens, starting with a letter or digit (e.g. civreg-birth)"
        )
    _choice("transport", spec.transport, TRANSPORTS)
    semver(spec.version)
    if not any(t.strip() for t in spec.titles.values()):
        raise InputError("the interface needs a title")
    _endpoint(spec.endpoint)
    graph = Graph()
    iri = URIRef(interface_iri(settings, spec.identifier))
    agency = URIRef(spec.agency)
    graph.add((iri, RDF.type, DCAT.DataService))
    graph.add((iri, DCTERMS.identifier, Literal(spec.identifier)))
    set_texts(graph, iri, DCTERMS.title, spec.titles)
    set_texts(graph, iri, DCTERMS.description, spec.descriptions)
    graph.add((iri, DCTERMS.publisher, agency))
    graph.add((iri, DCAT.endpointURL, URIRef(spec.endpoint)))
    graph.add((iri, NIF.transport, TRANSPORT[spec.transport]))
    version = URIRef(f"{iri}/{spec.version}")
    graph.add((iri, DCAT.hasVersion, version))
    graph.add((iri, DCAT.hasCurrentVersion, version))
    graph.add((version, RDF.type, DCAT.DataService))
    graph.add((version, RDF.type, NIF.InterfaceVersion))
    titles = {lang: f"{text} {spec.version}" for lang, text in spec.titles.items() if text.strip()}
    set_texts(graph, version, DCTERMS.title, titles)
    graph.add((version, DCTERMS.publisher, agency))
    graph.add((version, DCAT.endpointURL, URIRef(spec.endpoint)))
    graph.add((version, DCAT.version, Literal(spec.version)))
    graph.add((version, ADMS.status, STATUS.UnderDevelopment))
    set_texts(graph, version, ADMS.versionNotes, spec.notes)
    graph.add((version, ADMS.interoperabilityLevel, LEVEL.Technical))
    return graph, version


def add_message_type(graph: Graph, version: URIRef, spec: NewMessageType) -> URIRef:
    """Add a message type to `version` with its schema, rule set and examples; an artefact
    node already there for the same file (another message type's) is shared."""
    if not _NAME.fullmatch(spec.identifier):
        raise InputError(
            f"message type {spec.identifier!r}: use letters, digits, '_', '.' and '-', "
            "starting with a letter (e.g. BirthNotification)"
        )
    _choice("direction", spec.direction, DIRECTIONS)
    _choice("media type", spec.media_type, MEDIA_TYPES)
    node = URIRef(f"{version}/{spec.identifier}")
    if (version, NIF.messageType, node) in graph:
        raise InputError(f"version <{version}> already has a message type {spec.identifier}")
    xml = spec.media_type == "application/xml"
    if xml and not spec.root_name and spec.discriminator is None:
        raise InputError(
            f"message type {spec.identifier}: give its root element's name (and namespace)"
        )
    if not xml and spec.discriminator is None:
        raise InputError(
            f"message type {spec.identifier}: a JSON message type needs a discriminator "
            "(a JSON Pointer such as /specification and the value found there)"
        )
    if spec.root_name is not None and not _NAME.fullmatch(spec.root_name):
        raise InputError(f"root element name {spec.root_name!r} is not an XML name")
    if not spec.title.strip():
        raise InputError(f"message type {spec.identifier}: give it a title")
    for url in (spec.schema, spec.rules or spec.schema):
        artefact = URIRef(f"{version}/artefact/{quote(_file_name(url))}")
        known = set(graph.objects(artefact, DCAT.downloadURL))
        if known and known != {URIRef(url)}:
            raise InputError(f"two different files are named {_file_name(url)!r} in <{version}>")
    for example in spec.examples:
        _file_name(example.url)
    for example in spec.examples:
        _choice("expected verdict", example.verdict, VERDICTS)
    if spec.discriminator is not None:
        _discriminator(Graph(), spec.discriminator)  # checked before anything is added
    graph.add((version, NIF.messageType, node))
    graph.add((node, RDF.type, NIF.MessageType))
    graph.add((node, DCTERMS.identifier, Literal(spec.identifier)))
    graph.add((node, DCTERMS.title, Literal(spec.title.strip(), lang="en")))
    graph.add((node, NIF.direction, DIRECTION[spec.direction]))
    graph.add((node, DCAT.mediaType, MEDIA[spec.media_type]))
    if spec.root_name:
        graph.add((node, NIF.rootNamespace, Literal(spec.root_namespace or "")))
        graph.add((node, NIF.rootName, Literal(spec.root_name)))
    if spec.discriminator is not None:
        graph.add((node, NIF.discriminator, _discriminator(graph, spec.discriminator)))
    technique = TECHNIQUE.XMLSchema if xml else NIF_TECHNIQUE.JSONSchema
    schema = _artefact(graph, version, spec.schema, technique, spec.media_type)
    graph.add((node, NIF.schema, schema))
    if spec.rules:
        rules = _artefact(graph, version, spec.rules, TECHNIQUE.Schematron, "application/xml")
        graph.add((node, NIF.rules, rules))
    for example in spec.examples:
        add_example(graph, node, example)
    return node


def add_example(graph: Graph, message_type: URIRef, example: Example) -> URIRef:
    """Add an example message to a message type, with the verdict it must get; an example
    of the same file name replaces the one there."""
    if (message_type, RDF.type, NIF.MessageType) not in graph:
        raise InputError(f"<{message_type}> is not a message type of the record")
    _choice("expected verdict", example.verdict, VERDICTS)
    name = _file_name(example.url)
    item = URIRef(f"{message_type}/example/{quote(name)}")
    for prop, value in list(graph.predicate_objects(item)):
        graph.remove((item, prop, value))
        if isinstance(value, BNode):
            graph.remove((value, None, None))
    graph.add((message_type, NIF.example, item))
    graph.add((item, RDF.type, DCAT.Distribution))
    graph.add((item, DCTERMS.title, Literal(name)))
    graph.add((item, DCAT.downloadURL, URIRef(example.url)))
    graph.add((item, DCAT.accessURL, URIRef(example.url)))
    media = graph.value(message_type, DCAT.mediaType) or MEDIA["application/xml"]
    graph.add((item, DCAT.mediaType, media))
    graph.add((item, NIF.expectedVerdict, Literal(example.verdict)))
    return item


def edit_metadata(graph: Graph, node: URIRef, edits: Metadata) -> None:
    """Change the titles, descriptions, endpoint or (of a version) notes of an interface or
    version node; the languages a text map names are replaced, the others kept."""
    if (node, RDF.type, DCAT.DataService) not in graph:
        raise InputError(f"<{node}> is not an interface or version of the record")
    if edits.endpoint is not None:
        _endpoint(edits.endpoint)
        graph.remove((node, DCAT.endpointURL, None))
        graph.add((node, DCAT.endpointURL, URIRef(edits.endpoint)))
    for prop, texts in (
        (DCTERMS.title, edits.titles),
        (DCTERMS.description, edits.descriptions),
        (ADMS.versionNotes, edits.notes),
    ):
        if texts is None:
            continue
        if prop == ADMS.versionNotes and (node, RDF.type, NIF.InterfaceVersion) not in graph:
            raise InputError("version notes belong to a version, not to the interface")
        if prop == DCTERMS.title and not any(t.strip() for t in texts.values()):
            raise InputError("a title cannot be emptied: give one in at least one language")
        for lang in texts:
            _language(lang)
            for old in list(graph.objects(node, prop)):
                if isinstance(old, Literal) and old.language in (lang, None):
                    graph.remove((node, prop, old))
        set_texts(graph, node, prop, texts)


def set_status(graph: Graph, version: URIRef, status: str, *, current: bool = False) -> None:
    """Give `version` an ADMS status (Deprecated: see `deprecate`, which also says until when);
    `current` makes it its interface's current version."""
    _choice("status", status, STATUSES)
    interfaces = list(graph.subjects(DCAT.hasVersion, version))
    if not interfaces:
        raise InputError(f"<{version}> is not a version of the record")
    graph.remove((version, ADMS.status, None))
    graph.add((version, ADMS.status, STATUS[status]))
    if current:
        graph.remove((interfaces[0], DCAT.hasCurrentVersion, None))
        graph.add((interfaces[0], DCAT.hasCurrentVersion, version))


def deprecate(
    graph: Graph, version: URIRef, end_date: str | None, successor: URIRef | None = None
) -> None:
    """Mark `version` Deprecated, with the date after which it is switched off and the version
    that replaces it (another version of the same interface)."""
    interfaces = list(graph.subjects(DCAT.hasVersion, version))
    if not interfaces:
        raise InputError(f"<{version}> is not a version of the record")
    if successor is not None:
        if successor == version:
            raise InputError("a version cannot be its own successor")
        if (interfaces[0], DCAT.hasVersion, successor) not in graph:
            raise InputError(f"successor <{successor}> is not a version of this interface")
    date = _date(end_date) if end_date else None
    graph.remove((version, ADMS.status, None))
    graph.add((version, ADMS.status, STATUS.Deprecated))
    for period in list(graph.objects(version, DCTERMS.temporal)):
        graph.remove((version, DCTERMS.temporal, period))
        if isinstance(period, BNode) and (None, None, period) not in graph:
            graph.remove((period, None, None))
    if date is not None:
        period = BNode()
        graph.add((version, DCTERMS.temporal, period))
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.endDate, Literal(date, datatype=XSD.date)))
    graph.remove((version, DCTERMS.isReplacedBy, None))
    if successor is not None:
        graph.add((version, DCTERMS.isReplacedBy, successor))


# helpers


def _discriminator(graph: Graph, spec: Discriminator) -> BNode:
    if not spec.path.strip() or not spec.value.strip():
        raise InputError("a discriminator needs both a path and a value")
    node = BNode()
    graph.add((node, RDF.type, NIF.Discriminator))
    graph.add((node, NIF.path, Literal(spec.path.strip())))
    graph.add((node, NIF.value, Literal(spec.value.strip())))
    for prefix, namespace in sorted(spec.prefixes.items()):
        declaration = BNode()
        graph.add((node, SH.declare, declaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))
    return node


def _artefact(graph: Graph, version: URIRef, url: str, technique: Node, media: str) -> URIRef:
    node = URIRef(f"{version}/artefact/{quote(_file_name(url))}")
    if (node, DCAT.downloadURL, None) in graph:
        return node  # another message type's, the same file (`add_message_type` checked)
    kind = "rules" if technique == TECHNIQUE.Schematron else "schema"
    number = graph.value(version, DCAT.version) or ""
    graph.add((node, RDF.type, DCTERMS.Standard))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(f"{_file_name(url)} ({kind} {number})", lang="en")))
    graph.add((node, DCAT.downloadURL, URIRef(url)))
    graph.add((node, DCAT.accessURL, URIRef(url)))
    graph.add((node, DCAT.mediaType, MEDIA[media]))
    graph.add((node, ADMS.representationTechnique, technique))
    return node


def _file_name(url: str) -> str:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if not _FILE.fullmatch(name):
        raise InputError(
            f"file name {name!r}: use letters, digits, '_', '.' and '-' (e.g. birth.xsd)"
        )
    return name


def set_texts(graph: Graph, node: URIRef, prop: Node, texts: Texts) -> None:
    for lang, text in sorted(texts.items()):
        _language(lang)
        if text.strip():
            graph.add((node, prop, Literal(text.strip(), lang=lang)))


def _language(lang: str) -> None:
    if not _LANGUAGE.fullmatch(lang):
        raise InputError(f"{lang!r} is not a language tag such as en, de or fr")


def semver(version: str) -> None:
    if not is_semver(version):
        raise InputError(
            f"version {version!r}: expected a semantic version such as 1.4.0 or 2.0.0-rc.1"
        )


def _endpoint(url: str) -> None:
    if not re.fullmatch(r"https://[^\s<>\"{}|\\^`]+", url):
        raise InputError(f"endpoint {url!r}: give the https:// URL where the service is reached")


def _choice(what: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(f"{what} {value!r}: use one of {', '.join(allowed)}")


def _date(text: str) -> str:
    try:
        return datetime.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError(f"end date {text[:40]!r}: give a date as YYYY-MM-DD") from None
