"""A KoSIT validator configuration registered as an interface version.

`import_kosit` turns a configuration (a folder or zip with `scenarios.xml`) into a version of an
interface record whose message types are its scenarios, and submits the record through the
registry's normal path (ownership, pinning, shapes, one transaction, history):

- the configuration is one artefact (`dct:Standard`, `dcat:Distribution`, representation
  technique `nif-technique:KoSITConfiguration`), `scenarios.xml` its download URL and every
  resource a pinned `nif:part`;
- each scenario is a `nif:MessageType` whose `nif:schema` is the configuration, with
  `nif:kositScenario` its name and its `match` a `nif:discriminator` (value "true", its
  `namespace` declarations as `sh:declare`); a match that is just `/p:Root` also gives the
  root QName, so detection without a named interface finds the type.

The interface is created when it is new, or the version is added to it (the record is
re-submitted as a bundle of its pinned files, read back from the blob store). Importing the
same configuration again gives the same record; a changed one replaces the version only with
`replace`.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.term import Node

from nif.errors import NotFoundError, RegistryError, UsageError
from nif.registry._authoring import DIRECTIONS, STATUSES, TRANSPORTS
from nif.registry._bundle import _named
from nif.registry._iris import IDENTIFIER, files_base
from nif.registry._namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    DIRECTION,
    MEDIA,
    NIF,
    NIF_TECHNIQUE,
    RDF,
    SH,
    SPDX,
    STATUS,
    TRANSPORT,
    XSD,
)
from nif.registry._profiles import version_checksums
from nif.registry._records import RecordKind
from nif.registry._registry import Registry, SubmitResult
from nif.registry._versions import version_key
from nif.validate import ArtefactSet, KositConfiguration, Scenario, load_kosit, read_scenarios

KOSIT = NIF_TECHNIQUE.KoSITConfiguration
XML = MEDIA["application/xml"]
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]*")
_ROOT_STEP = re.compile(r"\s*/\s*(?:([^\W\d][\w.-]*):)?([^\W\d][\w.-]*)")
"""The first step of a match that names the root element (`/ubl:Invoice[...]`)."""


@dataclasses.dataclass(frozen=True)
class KositImport:
    """What to register: the interface version and the facts a configuration does not give."""

    interface: str
    version: str
    publisher: str
    endpoint: str | None = None
    title: str | None = None
    transport: str = "rest"
    direction: str = "request"
    status: str = "Completed"
    replace: bool = False

    statuses: ClassVar[tuple[str, ...]] = STATUSES
    directions: ClassVar[tuple[str, ...]] = DIRECTIONS
    transports: ClassVar[tuple[str, ...]] = TRANSPORTS


@dataclasses.dataclass
class KositResult:
    """The submission, and the message type each scenario became."""

    submitted: SubmitResult | None
    """None when nothing was stored: the record would not have changed."""
    message_types: dict[str, str]
    """Scenario name -> message type identifier."""
    unchanged: bool
    """The version was there already with this very configuration."""


def import_kosit(
    registry: Registry, config: Path, spec: KositImport, actor: str | None = None
) -> KositResult:
    """Register the KoSIT configuration at `config` as `spec`'s interface version.

    Raises `InputError`/`CompileError` for an unreadable configuration (naming the file),
    `NotFoundError` for an unknown publisher, `RegistryError` when the version exists (unless
    it holds this configuration, or `replace`), `RejectedError` when the shapes refuse it.
    """
    _check_choices(spec)
    artefacts = load_kosit(config)
    configuration = read_scenarios(artefacts)
    agency = _agency(registry, spec.publisher)
    graph, interface_iri = _interface_graph(registry, spec, agency)
    stored = Graph() + graph
    unchanged, version_iri = _make_room(registry, graph, interface_iri, spec, artefacts)
    with tempfile.TemporaryDirectory(prefix="nif-kosit-") as temp:
        bundle = Path(temp).resolve() / spec.interface
        _write_pinned_files(registry, graph, spec.interface, bundle)
        main = _write_configuration(artefacts, bundle / "kosit" / spec.version)
        names = _add_version(graph, interface_iri, version_iri, spec, agency, configuration, main)
        if unchanged and _same_record(stored, graph, _artefact_iri(version_iri)):
            return KositResult(None, names, unchanged)  # idempotent: no new history entry
        (bundle / "interface.ttl").write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
        with _named(str(config), bundle / "interface.ttl", bundle):  # not the temporary folder
            submitted = registry.submit(
                bundle, name=str(config), actor=actor, action="import-kosit"
            )
    return KositResult(submitted, names, unchanged)


def _check_choices(spec: KositImport) -> None:
    """Refuse what cannot name a record, a version or its files folder before reading anything
    (the shapes check the rest: a semantic version, an https endpoint)."""
    if not IDENTIFIER.fullmatch(spec.interface):
        raise UsageError(
            f"interface {spec.interface!r}: an identifier is lower-case letters, digits, dots "
            "and hyphens, starting with a letter or digit (e.g. einvoice)"
        )
    if not _VERSION.fullmatch(spec.version):
        raise UsageError(f"version {spec.version!r}: expected a semantic version such as 1.0.0")
    for value, allowed, what in (
        (spec.status, STATUSES, "status"),
        (spec.direction, DIRECTIONS, "direction"),
        (spec.transport, TRANSPORTS, "transport"),
    ):
        if value not in allowed:
            raise UsageError(f"{what} {value!r}: use one of {', '.join(allowed)}")


def _agency(registry: Registry, publisher: str) -> URIRef:
    try:
        found = registry.find(publisher)
    except NotFoundError:
        found = None
    if found is None or found.kind != RecordKind.AGENCY:
        known = ", ".join(r.identifier for r in registry.records(RecordKind.AGENCY))
        raise NotFoundError(
            f"publisher {publisher!r} is not an agency of the registry "
            f"(agencies: {known or 'none'}); submit the agency first"
        )
    return URIRef(found.iri)


def _interface_graph(registry: Registry, spec: KositImport, agency: URIRef) -> tuple[Graph, URIRef]:
    """The interface record to add the version to: the stored one, or a new one."""
    try:
        found = registry.find(spec.interface)
    except NotFoundError:
        found = None
    if found is not None:
        if found.kind != RecordKind.INTERFACE:
            raise RegistryError(f"{spec.interface!r} is an agency, not an interface")
        record = registry.read(spec.interface)
        iri = URIRef(record.iri)
        owner = record.graph.value(iri, DCTERMS.publisher)
        if owner != agency:
            raise RegistryError(
                f"interface {spec.interface} is published by {owner or 'no agency'}, "
                f"not by {spec.publisher} ({agency})"
            )
        return record.graph, iri
    if not spec.endpoint:
        raise UsageError(
            f"interface {spec.interface} is new: give its --endpoint (an https URL), "
            "which DCAT-AP requires"
        )
    iri = URIRef(f"{registry.settings.registry.base_iri}interface/{spec.interface}")
    graph = Graph()
    graph.add((iri, RDF.type, DCAT.DataService))
    graph.add((iri, DCTERMS.identifier, Literal(spec.interface)))
    graph.add((iri, DCTERMS.title, Literal(spec.title or spec.interface, lang="en")))
    graph.add((iri, DCTERMS.publisher, agency))
    graph.add((iri, DCAT.endpointURL, URIRef(spec.endpoint)))
    graph.add((iri, NIF.transport, TRANSPORT[spec.transport]))
    return graph, iri


def _make_room(
    registry: Registry,
    graph: Graph,
    interface: URIRef,
    spec: KositImport,
    artefacts: ArtefactSet,
) -> tuple[bool, URIRef]:
    """Take an existing version of the same number out of `graph`, when it may be replaced:
    whether it held this very configuration, and the version's IRI (kept when it exists)."""
    same = [
        v
        for v in graph.objects(interface, DCAT.hasVersion)
        if isinstance(v, URIRef) and _number(graph, v) == spec.version
    ]
    if not same:
        return False, URIRef(f"{interface}/{spec.version}")
    old = same[0]
    types = list(graph.objects(old, NIF.messageType))
    if not types or any((t, NIF.kositScenario, None) not in graph for t in types):
        raise RegistryError(
            f"{spec.interface}@{spec.version} exists and was not imported from a KoSIT "
            "configuration: choose another version number"
        )
    stored = set(version_checksums(registry.store, str(old)))
    unchanged = stored == {a.sha256 for a in artefacts.parts.values()}
    if not unchanged and not spec.replace:
        raise RegistryError(
            f"{spec.interface}@{spec.version} exists with another configuration: give "
            "--replace to replace it (the history keeps the old one), or a new version number"
        )
    for message_type in types:
        for artefact in graph.objects(message_type, NIF.schema):
            _forget(graph, artefact)
        _forget(graph, message_type)
    _forget(graph, old)
    graph.remove((interface, DCAT.hasVersion, old))
    graph.remove((interface, DCAT.hasCurrentVersion, old))
    return unchanged, old


def _number(graph: Graph, version: Node) -> str | None:
    value = graph.value(version, DCAT.version)
    return str(value) if value is not None else None


def _forget(graph: Graph, node: Node) -> None:
    """Remove what `graph` says about `node`, and about the blank nodes it alone reaches."""
    for prop, value in list(graph.predicate_objects(node)):
        graph.remove((node, prop, value))
        if isinstance(value, BNode) and (None, None, value) not in graph:
            _forget(graph, value)


def _write_pinned_files(registry: Registry, graph: Graph, identifier: str, bundle: Path) -> None:
    """The record's files as a bundle: every pinned document under its files URL, read back
    from the blob store, so pinning the record again finds (and checks) the same bytes."""
    prefix = files_base(registry.settings, identifier)
    for node, url in graph.subject_objects(DCAT.downloadURL):
        if not str(url).startswith(prefix):
            continue
        checksum = graph.value(graph.value(node, SPDX.checksum), SPDX.checksumValue)
        if checksum is None:
            raise RegistryError(f"{url}: the stored record has no checksum for this file")
        target = bundle / unquote(str(url)[len(prefix) :])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(registry.blobs.get(str(checksum).lower()))


def _write_configuration(artefacts: ArtefactSet, folder: Path) -> Path:
    """Every file of the configuration under `folder`, where `scenarios.xml` is; its path."""
    base = artefacts.main.rsplit("/", 1)[0] + "/"
    for uri, artefact in artefacts.parts.items():
        if not uri.startswith(base):
            raise UsageError(
                f"{uri}: the configuration's files must lie in the folder of its "
                f"scenarios.xml ({base})"
            )
        target = folder / unquote(uri[len(base) :])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(artefact.content)
    return folder / unquote(artefacts.main[len(base) :])


def _add_version(
    graph: Graph,
    interface: URIRef,
    version: URIRef,
    spec: KositImport,
    agency: URIRef,
    configuration: KositConfiguration,
    main: Path,
) -> dict[str, str]:
    """The version, its configuration artefact and one message type per scenario."""
    name = configuration.name or "KoSIT configuration"
    scenarios = configuration.scenarios
    numbers = [n for v in graph.objects(interface, DCAT.hasVersion) if (n := _number(graph, v))]
    title = graph.value(interface, DCTERMS.title) or spec.interface
    if (interface, DCTERMS.description, None) not in graph:
        graph.add(
            (
                interface,
                DCTERMS.description,
                Literal(f"Messages validated with the KoSIT configuration {name}.", lang="en"),
            )
        )
    endpoint = spec.endpoint or graph.value(interface, DCAT.endpointURL)
    graph.add((interface, DCAT.hasVersion, version))
    current = graph.value(interface, DCAT.hasCurrentVersion)
    newest = max([*numbers, spec.version], key=version_key)
    if current is None or newest == spec.version:
        graph.remove((interface, DCAT.hasCurrentVersion, None))
        graph.add((interface, DCAT.hasCurrentVersion, version))
    graph.add((version, RDF.type, DCAT.DataService))
    graph.add((version, RDF.type, NIF.InterfaceVersion))
    graph.add((version, DCTERMS.title, Literal(f"{title} {spec.version}", lang="en")))
    graph.add((version, DCTERMS.publisher, agency))
    if endpoint is not None:
        graph.add((version, DCAT.endpointURL, URIRef(str(endpoint))))
    graph.add((version, DCAT.version, Literal(spec.version)))
    graph.add((version, ADMS.status, STATUS[spec.status]))
    graph.add(
        (
            version,
            ADMS.versionNotes,
            Literal(
                f"Validated with the KoSIT configuration {name} ({len(scenarios)} scenario(s)).",
                lang="en",
            ),
        )
    )
    earlier = [n for n in numbers if version_key(n) < version_key(spec.version)]
    if earlier:
        previous = max(earlier, key=version_key)
        for other in graph.objects(interface, DCAT.hasVersion):
            if _number(graph, other) == previous:
                graph.add((version, DCAT.previousVersion, other))
    artefact = _artefact_iri(version)
    graph.add((artefact, RDF.type, DCTERMS.Standard))
    graph.add((artefact, RDF.type, DCAT.Distribution))
    graph.add((artefact, DCTERMS.title, Literal(name, lang="en")))
    graph.add((artefact, DCAT.downloadURL, URIRef(main.as_uri())))
    graph.add((artefact, DCAT.accessURL, URIRef(main.as_uri())))
    graph.add((artefact, DCAT.mediaType, XML))
    graph.add((artefact, ADMS.representationTechnique, KOSIT))
    names: dict[str, str] = {}
    for scenario in scenarios:
        identifier = _identifier(scenario.name, set(names.values()))
        names[scenario.name] = identifier
        node = URIRef(f"{version}/{identifier}")
        _add_message_type(graph, version, node, identifier, scenario, artefact, spec.direction)
    return names


def _add_message_type(
    graph: Graph,
    version: URIRef,
    node: URIRef,
    identifier: str,
    scenario: Scenario,
    artefact: URIRef,
    direction: str,
) -> None:
    name, match, namespaces = scenario.name, scenario.match, scenario.namespaces
    graph.add((version, NIF.messageType, node))
    graph.add((node, RDF.type, NIF.MessageType))
    graph.add((node, DCTERMS.identifier, Literal(identifier)))
    graph.add((node, DCTERMS.title, Literal(name)))
    graph.add((node, NIF.direction, DIRECTION[direction]))
    graph.add((node, DCAT.mediaType, XML))
    graph.add((node, NIF.schema, artefact))
    graph.add((node, NIF.kositScenario, Literal(name)))
    root = _root_step(match)
    if root and (root.group(1) is None or root.group(1) in namespaces):
        graph.add((node, NIF.rootNamespace, Literal(namespaces.get(root.group(1) or "", ""))))
        graph.add((node, NIF.rootName, Literal(root.group(2))))
    test = BNode()
    graph.add((node, NIF.discriminator, test))
    graph.add((test, RDF.type, NIF.Discriminator))
    graph.add((test, NIF.path, Literal(match)))
    graph.add((test, NIF.value, Literal("true")))
    for prefix, uri in sorted(namespaces.items()):
        declaration = BNode()
        graph.add((test, SH.declare, declaration))
        graph.add((declaration, SH.prefix, Literal(prefix)))
        graph.add((declaration, SH.namespace, Literal(uri, datatype=XSD.anyURI)))


def _artefact_iri(version: URIRef) -> URIRef:
    return URIRef(f"{version}/artefact/kosit-configuration")


def _same_record(stored: Graph, new: Graph, artefact: URIRef) -> bool:
    """Whether `new` is `stored` once pinned: equal but for the configuration's pins (its URLs,
    checksum and parts), which the caller knows to be those of the same files."""

    def unpinned(graph: Graph) -> Graph:
        copy = Graph() + graph
        for prop in (DCAT.downloadURL, DCAT.accessURL, SPDX.checksum, NIF.part):
            for value in list(copy.objects(artefact, prop)):
                copy.remove((artefact, prop, value))
                if isinstance(value, BNode) and (None, None, value) not in copy:
                    _forget(copy, value)
        return copy

    return isomorphic(unpinned(stored), unpinned(new))


def _identifier(name: str, taken: set[str]) -> str:
    """A message type identifier from a scenario name, unique within the version."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._") or "scenario"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _root_step(match: str) -> re.Match[str] | None:
    """The root step of a match that is one root element with predicates only
    (`/ubl:Invoice`, `/ubl:Invoice[cbc:CustomizationID = 'x']`), else None: `/a:X | /b:Y` and
    paths below the root name no single root."""
    step = _ROOT_STEP.match(match)
    if step is None:
        return None
    rest, depth, quote = match[step.end() :].strip(), 0, ""
    for char in rest:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and not char.isspace():
            return None
    return step if depth == 0 and not quote else None
