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
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import ArtefactError, CompileError, FetchError
from nif.outbound import OutboundPolicy
from nif.registry._blobs import BlobStore
from nif.registry._bundle import bundle_catalog
from nif.registry._fetch import fetch
from nif.registry._iris import files_base
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
from nif.settings import Settings
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
_IDENTIFIER = re.compile(r"[a-z0-9][a-z0-9.-]*")
_ALGORITHM = str(SPDX) + "checksumAlgorithm_"
_VERIFIABLE = {"md5", "sha1", *(f"sha{n}" for n in (224, 256, 384, 512, "3_256", "3_384", "3_512"))}
"""SPDX checksum algorithms a record may state and nif can check (it pins with sha256 only)."""
MAX_DOCUMENTS = 1000
"""Documents one record may pin, so a schema cannot make a submission fetch without end."""
FILE_REFUSED = "file:// URLs are refused; ship the file in the bundle"
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
    blobs: BlobStore,
    settings: Settings,
    policy: OutboundPolicy | None = None,
) -> list[PinnedArtefact]:
    """Pin every artefact and example of the record in `graph` (parsed with the record file as
    base IRI).

    Raises `ArtefactError` (`FetchError`, `ResolutionError`, `CompileError`) naming the artefact
    and saying why; on any error neither `graph` nor `blobs` is touched.
    """
    sources = _Sources(
        record_id, bundle_root, settings, policy or OutboundPolicy.from_settings(settings)
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


def _plan(graph: Graph, node: Node, sources: _Sources, fetch: Fetcher, settings: Settings) -> _Plan:
    given = _download_url(graph, node)
    url = sources.location(given)
    access = {
        old: URIRef(url if old == URIRef(given) else sources.location(str(old)))
        for old in graph.objects(node, DCAT.accessURL)
        if isinstance(old, URIRef) and (old == URIRef(given) or _scheme(str(old)) == "file")
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


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].lower() if ":" in url else ""


class _Sources:
    """Where a record's documents come from: its bundle, by their registry URL, or the network.

    Called as the `Fetcher` of `collect`, so references from a bundle file to a relative file
    land in the bundle and absolute http(s) references, from anywhere, go through `fetch`.
    """

    def __init__(
        self,
        record_id: str | None,
        bundle_root: Path | None,
        settings: Settings,
        policy: OutboundPolicy,
    ) -> None:
        self.record_id = record_id
        self.files = (
            files_base(settings, record_id)
            if record_id and _IDENTIFIER.fullmatch(record_id)
            else None
        )
        self.registry = settings.registry.base_iri
        self.roots = (
            (bundle_root.resolve(), Path(os.path.normpath(bundle_root.absolute())))
            if bundle_root
            else ()
        )
        self.policy = policy
        self.cache: dict[str, bytes] = {}

    def location(self, url: str) -> str:
        """Where the document at `url` (as written in the record) is pinned: bundle files move
        to their registry URL, anything else stays where it is."""
        if _scheme(url) != "file":
            return url
        parts = urlsplit(url)
        path = Path(os.path.normpath(unquote(parts.path)))
        if not self.roots:
            raise FetchError(f"{url}: refused, no bundle was submitted ({FILE_REFUSED})")
        folder = "/" if parts.path.endswith("/") else ""
        for root in self.roots:
            if parts.netloc in ("", "localhost") and path.is_relative_to(root):
                relative = path.relative_to(root).as_posix() + folder
                return self._files_prefix() + quote(relative, safe="/")
        raise FetchError(f"{url}: refused, it is outside the bundle ({FILE_REFUSED})")

    def _files_prefix(self) -> str:
        if self.files is None:
            raise ArtefactError(
                f"the record's identifier {self.record_id!r} cannot name its bundle files "
                "(it needs a dct:identifier such as 'civreg-birth')"
            )
        return self.files

    def __call__(self, uri: str) -> bytes:
        if uri not in self.cache:
            if len(self.cache) >= MAX_DOCUMENTS:
                raise FetchError(
                    f"{uri}: refused, the record pins more than {MAX_DOCUMENTS} documents"
                )
            self.cache[uri] = self._read(uri)
        return self.cache[uri]

    def _read(self, uri: str) -> bytes:
        if self.files and uri.startswith(self.files):
            relative = unquote(urlsplit(uri).path[len(urlsplit(self.files).path) :])
            return self._bundle_file(relative, uri)
        if uri.startswith(self.registry):
            raise FetchError(
                f"{uri}: refused, it points into the registry outside this record's files "
                f"({self.files}): ship the file in the bundle"
            )
        if _scheme(uri) == "file":
            raise FetchError(f"{uri}: refused ({FILE_REFUSED})")
        return fetch(uri, self.policy)

    def _bundle_file(self, relative: str, uri: str) -> bytes:
        if not self.roots:
            raise FetchError(
                f"{uri}: refused, it is a file of this record's bundle and no bundle was "
                "submitted: submit the folder or zip with the record"
            )
        root = self.roots[0]
        lexical = Path(os.path.normpath(root / relative))
        if not lexical.is_relative_to(root):
            raise FetchError(f"{uri}: refused, {relative!r} is outside the bundle")
        try:
            real = lexical.resolve(strict=True)
        except (OSError, RuntimeError):
            raise FetchError(f"{uri}: the bundle has no file {relative!r}") from None
        if not real.is_relative_to(root):
            raise FetchError(
                f"{uri}: refused, {relative!r} is a link that leads outside the bundle"
            )
        if not real.is_file():
            raise FetchError(f"{uri}: {relative!r} in the bundle is not a file")
        size = real.stat().st_size
        if size > self.policy.max_bytes:
            raise FetchError(
                f"{uri}: {relative!r} is {size} bytes, over the limit of {self.policy.max_bytes}"
            )
        try:
            return real.read_bytes()
        except OSError as exc:
            raise FetchError(f"{uri}: cannot read {relative!r}: {exc.strerror or exc}") from None
