"""Pinning a record's artefacts at submission, so validation later reads stored bytes only.

Each artefact (a `dct:Standard`, or a node a message type names with `nif:schema`/`nif:rules`,
that has a `dcat:downloadURL`) is read from the submitted bundle or fetched under the
`OutboundPolicy`, closed over what it imports, includes or `$ref`s, parse-checked, stored in the
blob store, and the record is rewritten to say exactly what was pinned:

- a bundle file's downloadURL (and an accessURL in the bundle) becomes
  `{base_iri}files/{record id}/{path in the bundle}`, the address the registry serves it at;
- the artefact gets one `spdx:checksum` (sha256, `xsd:hexBinary`) and a `nif:part` node for
  every other document of its closure, keyed by the absolute URI the references resolve to.

Example messages (`nif:example`) are pinned the same way but alone: their URL moves and they get
a checksum, with no closure and no parse check.

Relative references resolve against the downloadURL as written in the record (not against
where a redirect ended), the base validation will resolve them against. Nothing is changed
(graph or blobs) unless every artefact of the record pins, and pinning a pinned record with the
same bundle gives the same graph.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import ArtefactError, CompileError
from nif.outbound import OutboundPolicy
from nif.registry._blobs import Blobs
from nif.registry._bundle import bundle_catalog
from nif.registry._iris import IDENTIFIER, files_base
from nif.registry._namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    NIF,
    NIF_TECHNIQUE,
    RDF,
    SHA256,
    SPDX,
    TECHNIQUE,
    XSD,
)
from nif.registry._records import stored_record
from nif.registry._sources import Sources, StoredFiles, scheme
from nif.settings import Settings
from nif.store import Store
from nif.validate import (
    Artefact,
    ArtefactSet,
    Fetcher,
    collect,
    json_draft_of,
    json_references,
    kosit_references,
    parse_json,
    parse_xml,
    read_scenarios,
    xsd_references,
)
from nif.validate.schematron import check_rule_set, schematron_references

References = Callable[[Artefact], list[str]]


@dataclasses.dataclass(frozen=True)
class _Kind:
    """A kind of artefact: what to call it, its syntax, how to find what it references.

    An XML artefact may hold an internal DTD subset (schemas as published, e.g. UBL's xmldsig):
    it is expanded as validation will expand it; an external DTD or entity is refused."""

    name: str
    syntax: str
    references: References

    def checked_references(self, artefact: Artefact, max_depth: int) -> list[str]:
        """Refuse a malformed document now, saying where, not when a message is validated.

        Sizes were limited when the document was read, so the parsers' limit is its size."""
        size = len(artefact.content)
        if self.syntax == "xml":
            findings = parse_xml(
                artefact.content,
                max_bytes=size,
                max_depth=max_depth,
                internal_subset=True,
                base_url=artefact.uri,
            ).findings
        else:
            findings = parse_json(artefact.content, max_bytes=size).findings
        for finding in findings:
            where = finding.location
            at = f", line {where.line}" if where.line else ""
            at += f", column {where.column}" if where.line and where.column else ""
            raise CompileError(f"{artefact.uri}{at}: not a usable {self.name}: {finding.message}")
        return self.references(artefact)


_TECHNIQUES: dict[Node, _Kind] = {
    TECHNIQUE.XMLSchema: _Kind("XML Schema", "xml", xsd_references),
    TECHNIQUE.Schematron: _Kind("Schematron rule set", "xml", schematron_references),
    NIF_TECHNIQUE.JSONSchema: _Kind("JSON Schema", "json", json_references),
    NIF_TECHNIQUE.KoSITConfiguration: _Kind("KoSIT configuration", "xml", kosit_references),
}
_ALGORITHM = str(SPDX) + "checksumAlgorithm_"
_VERIFIABLE = {"md5", "sha1", *(f"sha{n}" for n in (224, 256, 384, 512, "3_256", "3_384", "3_512"))}
"""SPDX checksum algorithms a record may state and nif can check (it pins with sha256 only)."""
_XSLT = "http://www.w3.org/1999/XSL/Transform"


@dataclasses.dataclass(frozen=True)
class PinnedArtefact:
    """What was pinned for one artefact, for reporting."""

    node: str
    url: str
    sha256: str
    parts: int


def artefact_nodes(graph: Graph) -> list[Node]:
    """Schema and rule artefacts with a downloadURL, in a stable order."""
    candidates = (
        set(graph.objects(None, NIF.schema))
        | set(graph.objects(None, NIF.rules))
        | set(graph.subjects(RDF.type, DCTERMS.Standard))
    )
    return sorted((n for n in candidates if (n, DCAT.downloadURL, None) in graph), key=str)


def example_nodes(graph: Graph) -> list[Node]:
    """Example messages with a downloadURL, in a stable order: pinned as they are (sha256 and
    blob, no closure and no parse check, since an invalid example is meant to be invalid)."""
    examples = set(graph.objects(None, NIF.example)) - set(artefact_nodes(graph))
    return sorted((n for n in examples if (n, DCAT.downloadURL, None) in graph), key=str)


def pin_record(
    graph: Graph,
    record_id: str | None,
    bundle_root: Path | None,
    blobs: Blobs,
    settings: Settings,
    policy: OutboundPolicy | None = None,
    stored: StoredFiles | None = None,
) -> list[PinnedArtefact]:
    """Pin every artefact and example of the record in `graph` (parsed with the record file as
    base IRI). A file of the record that the bundle lacks (or with no bundle) is read from
    `stored`, the files the record's stored version pinned (`stored_files`).

    Raises `ArtefactError` (`FetchError`, `ResolutionError`, `CompileError`) naming the artefact
    and saying why; on any error neither `graph` nor `blobs` is touched.
    """
    sources = Sources(
        record_id, bundle_root, settings, policy or OutboundPolicy.from_settings(settings), stored
    )
    catalog = bundle_catalog(bundle_root)
    fetch: Fetcher = sources
    if catalog is not None:  # URLs it maps are read from the bundle, with the bundle's limits
        fetch = catalog.fetcher(sources, read=lambda local: sources(sources.location(local)))
    plans = []
    examples = example_nodes(graph)
    for node in [*artefact_nodes(graph), *examples]:
        try:
            plans.append(_plan(graph, node, sources, fetch, settings))
        except ArtefactError as exc:
            what = "example" if node in examples else "artefact"
            raise type(exc)(f"{what} <{node}>: {exc}") from None
    for plan in plans:
        for part in plan.artefacts.parts.values():
            blobs.put(part.content)
    for plan in plans:
        plan.apply(graph)
    return [plan.result() for plan in plans]


def stored_files(
    store: Store, blobs: Blobs, settings: Settings, iri: str, record_id: str | None
) -> StoredFiles | None:
    """The files the stored version of record `iri` pinned under its own `files/{record_id}/`
    (None when no record is stored there; a graph that is no record, a run's, say, is none):
    the URL and sha256 of every artefact, part and example, as pinning wrote them. Nodes
    pinning did not write (any other checksum the record states) do not count, so no record
    can name a blob it did not pin."""
    if not record_id or not IDENTIFIER.fullmatch(record_id):
        return None
    stored = stored_record(iri, store.read_graph(iri))
    if stored is None:
        return None
    return StoredFiles(pinned_files(stored.graph, files_base(settings, record_id)), blobs)


def pinned_files(graph: Graph, prefix: str) -> dict[str, str]:
    """URL -> sha256 of every artefact, part and example of a pinned record whose URL starts
    with `prefix` (its `files/{id}/`), read from what pinning wrote and nothing else."""
    pinned: dict[str, str] = {}
    artefacts = artefact_nodes(graph)
    parts = [p for node in artefacts for p in graph.objects(node, NIF.part)]
    for holder in [*artefacts, *parts, *example_nodes(graph)]:
        url, digest = graph.value(holder, DCAT.downloadURL), _sha256(graph, holder)
        if isinstance(url, URIRef) and str(url).startswith(prefix) and digest:
            pinned[str(url)] = digest
    return pinned


def unpin(graph: Graph) -> None:
    """Remove what pinning added to every artefact and example (its checksum, the parts of its
    closure), so the record reads as it was submitted; pinning it again adds them back."""
    for node in [*artefact_nodes(graph), *example_nodes(graph)]:
        for prop in (SPDX.checksum, NIF.part):
            for old in list(graph.objects(node, prop)):
                graph.remove((node, prop, old))
                _drop(graph, old)


def _sha256(graph: Graph, node: Node) -> str | None:
    """The sha256 pinning gave `node`, if it has exactly one checksum and that is one."""
    checksums = list(graph.objects(node, SPDX.checksum))
    if len(checksums) != 1 or graph.value(checksums[0], SPDX.algorithm) != SHA256:
        return None
    value = str(graph.value(checksums[0], SPDX.checksumValue) or "").lower()
    return value if len(value) == 64 else None


@dataclasses.dataclass(frozen=True)
class _Plan:
    """The changes pinning makes to one artefact node, computed before any is made."""

    node: Node
    access: dict[Node, URIRef]
    artefacts: ArtefactSet

    def apply(self, graph: Graph) -> None:
        node, main = self.node, self.artefacts.root
        graph.remove((node, DCAT.downloadURL, None))
        graph.add((node, DCAT.downloadURL, URIRef(main.uri)))
        for old, new in self.access.items():
            graph.remove((node, DCAT.accessURL, old))
            graph.add((node, DCAT.accessURL, new))
        for prop in (SPDX.checksum, NIF.part):
            for old in list(graph.objects(node, prop)):
                graph.remove((node, prop, old))
                _drop(graph, old)
        graph.add((node, SPDX.checksum, _checksum(graph, main.sha256)))
        for uri, part in sorted(self.artefacts.parts.items()):
            if uri == main.uri:
                continue
            holder = BNode()
            graph.add((node, NIF.part, holder))
            graph.add((holder, RDF.type, NIF.ArtefactPart))
            graph.add((holder, DCAT.downloadURL, URIRef(uri)))
            graph.add((holder, SPDX.checksum, _checksum(graph, part.sha256)))

    def result(self) -> PinnedArtefact:
        root = self.artefacts.root
        return PinnedArtefact(str(self.node), root.uri, root.sha256, len(self.artefacts.parts) - 1)


def _plan(graph: Graph, node: Node, sources: Sources, fetch: Fetcher, settings: Settings) -> _Plan:
    given = _download_url(graph, node)
    url = sources.location(given)
    access = {
        old: URIRef(url if old == URIRef(given) else sources.location(str(old)))
        for old in graph.objects(node, DCAT.accessURL)
        if isinstance(old, URIRef) and (old == URIRef(given) or scheme(str(old)) == "file")
    }
    kind = _kind(graph, node)
    if kind is _TECHNIQUES[NIF_TECHNIQUE.JSONSchema]:
        kind = _with_draft(kind, graph, node)
    main = Artefact(url, fetch(url))
    _verify_given_checksums(graph, node, main)
    references: References = _no_references
    if kind is not None:
        references = functools.partial(
            kind.checked_references, max_depth=settings.validation.max_xml_depth
        )
    artefacts = collect(main, references, fetch)
    if kind is _TECHNIQUES[TECHNIQUE.Schematron]:
        check_rule_set(artefacts)  # a rule set may only check (the sandbox), refused here
    if kind is _TECHNIQUES[NIF_TECHNIQUE.KoSITConfiguration]:
        _check_kosit(artefacts, settings.validation.max_xml_depth)
    return _Plan(node, {old: new for old, new in access.items() if old != new}, artefacts)


def _with_draft(kind: _Kind, graph: Graph, node: Node) -> _Kind:
    """A JSON Schema's references as validation will find them: by the draft its record
    names (`dct:conformsTo`) when the schema has no `$schema` (draft 4 says `id`, not `$id`)."""
    drafts = sorted(
        {d for o in graph.objects(node, DCTERMS.conformsTo) if (d := json_draft_of(str(o)))}
    )
    if len(drafts) != 1:
        return kind  # none: the default; several: the shapes refuse the record
    return dataclasses.replace(kind, references=functools.partial(json_references, draft=drafts[0]))


def _check_kosit(artefacts: ArtefactSet, max_depth: int) -> None:
    """Refuse now a `scenarios.xml` KoSIT would not run, and any stylesheet of the
    configuration (precompiled rules, report, the modules they include) that does more than
    compute: the sandbox's check, on every XSLT part."""
    read_scenarios(artefacts)
    for uri, part in sorted(artefacts.parts.items()):
        size = len(part.content)
        tree = parse_xml(part.content, max_bytes=size, max_depth=max_depth).tree
        if tree is not None and etree.QName(tree.getroot()).namespace == _XSLT:
            check_rule_set(ArtefactSet(uri, artefacts.parts))


def _no_references(artefact: Artefact) -> list[str]:
    return []


def _download_url(graph: Graph, node: Node) -> str:
    urls = list(graph.objects(node, DCAT.downloadURL))
    if len(urls) != 1:
        shown = ", ".join(sorted(f"<{u}>" for u in urls))
        raise ArtefactError(f"has {len(urls)} dcat:downloadURL ({shown}), expected one")
    if not isinstance(urls[0], URIRef):
        raise ArtefactError(f"dcat:downloadURL {urls[0].n3()} is not an IRI")
    return str(urls[0])


def _kind(graph: Graph, node: Node) -> _Kind | None:
    """What the artefact is, by its representation technique.

    A dct:Standard no message type uses may be any document (a PDF specification): it is pinned
    as it is. A schema or rule artefact must say which kind it is.
    """
    techniques = set(graph.objects(node, ADMS.representationTechnique))
    known = [_TECHNIQUES[t] for t in techniques if t in _TECHNIQUES]
    if len(techniques) == 1 and known:
        return known[0]
    used = (None, NIF.schema, node) in graph or (None, NIF.rules, node) in graph
    if used or len(techniques) > 1:
        got = ", ".join(sorted(f"<{t}>" for t in techniques)) or "none"
        allowed = ", ".join(f"<{t}>" for t in _TECHNIQUES)
        raise ArtefactError(
            f"needs exactly one adms:representationTechnique among {allowed} (got {got})"
        )
    return None


def _verify_given_checksums(graph: Graph, node: Node, main: Artefact) -> None:
    """A checksum the record already states must hold for the content pinned now."""
    for checksum in graph.objects(node, SPDX.checksum):
        algorithm = str(graph.value(checksum, SPDX.algorithm) or "").removeprefix(_ALGORITHM)
        expected = str(graph.value(checksum, SPDX.checksumValue) or "").strip().lower()
        if not expected or algorithm not in _VERIFIABLE:
            continue
        actual = hashlib.new(algorithm, main.content).hexdigest()
        if actual != expected:
            raise ArtefactError(
                f"the record gives {algorithm} checksum {expected}, but {main.uri} has "
                f"{algorithm} {actual}: fix the checksum or the file"
            )


def _checksum(graph: Graph, sha256: str) -> BNode:
    node = BNode()
    graph.add((node, RDF.type, SPDX.Checksum))
    graph.add((node, SPDX.algorithm, SHA256))
    graph.add((node, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))
    return node


def _drop(graph: Graph, node: Node) -> None:
    """Remove a blank node's description (recursively) once nothing refers to it."""
    if not isinstance(node, BNode) or (None, None, node) in graph:
        return
    for prop, value in list(graph.predicate_objects(node)):
        graph.remove((node, prop, value))
        _drop(graph, value)
