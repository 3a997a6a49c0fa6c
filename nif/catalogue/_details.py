"""An interface's details, read from its record graph: versions, message types, artefacts,
examples, and where each pinned file is served."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, URIRef
from rdflib.term import Node

from nif.catalogue import _reading as read
from nif.catalogue._model import STATUSES, Artefact, Example, InterfaceVersion, MessageType, Part
from nif.registry import ADMS, DCAT, DCTERMS, DIRECTION, NIF, NIF_TECHNIQUE, TECHNIQUE, utc_today

_TECHNIQUE_PREFIXES = (str(TECHNIQUE), str(NIF_TECHNIQUE))
_ENDING = {"Deprecated", "Withdrawn"}
"""Statuses whose versions have a successor: the interface's current version, unless named."""

Link = Callable[[str], str]
"""Where a file is served, from its sha256 (the web API's download URL)."""


class Details:
    """Reads an interface's versions, message types, artefacts and examples from its graph,
    in one language, linking pinned files with `link` when given."""

    def __init__(self, graph: Graph, lang: str, link: Link | None) -> None:
        self.graph = graph
        self.lang = lang
        self.link = link

    def text(self, node: Node, prop: URIRef) -> str | None:
        return read.text(list(self.graph.objects(node, prop)), self.lang)

    def url(self, node: Node) -> str | None:
        return read.iri(list(self.graph.objects(node, DCAT.downloadURL)))

    def download(self, sha256: str | None) -> str | None:
        return self.link(sha256) if self.link and sha256 else None

    def version(self, node: Node, current: bool) -> InterfaceVersion:
        graph = self.graph
        status = read.local(graph.value(node, ADMS.status))
        types = sorted(
            (self.message_type(m) for m in graph.objects(node, NIF.messageType)),
            key=lambda m: (m.identifier, m.iri),
        )
        version = self.text(node, DCAT.version) or read.local(node) or str(node)
        period = graph.value(node, DCTERMS.temporal)
        end = graph.value(period, DCAT.endDate) if period is not None else None
        end_date = str(end)[:10] if end is not None else None
        return InterfaceVersion(
            str(node),
            version,
            self.text(node, DCTERMS.title),
            status,
            STATUSES.get(status or ""),
            self.text(node, ADMS.versionNotes),
            read.iri(list(graph.objects(node, DCAT.endpointURL))),
            current,
            types,
            end_date,
            self.successor(node, version, status, end_date),
            status == "Withdrawn" or (end_date is not None and end_date < utc_today().isoformat()),
        )

    def successor(
        self, node: Node, version: str, status: str | None, end_date: str | None
    ) -> str | None:
        """The version `dct:isReplacedBy` names; else, for a version that is deprecated,
        withdrawn or ends, the interface's current version when that is another one (as the
        registry's reports name it)."""
        graph = self.graph
        named = graph.value(node, DCTERMS.isReplacedBy)
        if named is None and (status in _ENDING or end_date is not None):
            interface = graph.value(None, DCAT.hasVersion, node)
            named = graph.value(interface, DCAT.hasCurrentVersion) if interface else None
        found = self.text(named, DCAT.version) if named is not None else None
        return found if found != version else None

    def message_type(self, node: Node) -> MessageType:
        graph = self.graph
        artefacts = [
            self.artefact(a, role)
            for prop, role in ((NIF.schema, "schema"), (NIF.rules, "rules"))
            for a in graph.objects(node, prop)
        ]
        examples = [self.example(e) for e in graph.objects(node, NIF.example)]
        return MessageType(
            str(node),
            self.text(node, DCTERMS.identifier) or "",
            self.text(node, DCTERMS.title),
            read.local(graph.value(node, NIF.direction), str(DIRECTION)),
            read.media_type(graph.value(node, DCAT.mediaType)),
            self.text(node, NIF.rootNamespace),
            self.text(node, NIF.rootName),
            sorted(artefacts, key=lambda a: (a.role, a.file_name or "", a.iri)),
            sorted(examples, key=lambda e: (e.expected != "valid", e.name, e.iri)),
        )

    def artefact(self, node: Node, role: str) -> Artefact:
        graph = self.graph
        url = self.url(node)
        technique = graph.value(node, ADMS.representationTechnique)
        parts = [
            Part(str(u), read.file_name(str(u)), sha, self.download(sha))
            for p in graph.objects(node, NIF.part)
            if (u := graph.value(p, DCAT.downloadURL)) is not None
            for sha in [read.sha256(graph, p)]
        ]
        sha256 = read.sha256(graph, node)
        return Artefact(
            str(node),
            self.text(node, DCTERMS.title),
            role,
            read.local(technique, *_TECHNIQUE_PREFIXES) if technique is not None else None,
            read.media_type(graph.value(node, DCAT.mediaType)),
            url,
            read.file_name(url) if url else None,
            sha256,
            sorted(parts, key=lambda p: p.url),
            self.download(sha256),
        )

    def example(self, node: Node) -> Example:
        graph = self.graph
        url = self.url(node)
        name = read.file_name(url) if url else None
        verdict = graph.value(node, NIF.expectedVerdict)
        sha256 = read.sha256(graph, node)
        return Example(
            str(node),
            self.text(node, DCTERMS.title) or name or str(node),
            str(verdict) if verdict is not None else None,
            read.media_type(graph.value(node, DCAT.mediaType)),
            url,
            name,
            sha256,
            self.download(sha256),
        )
