"""The next version of an interface, copied from an earlier one (`next_version`), and finding a
version in a record graph: what the `new-version` scaffold and the publisher forms start from."""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import InputError
from nif.registry._authoring import Texts, semver, set_texts
from nif.registry._namespaces import ADMS, DCAT, DCTERMS, NIF, SPDX, STATUS
from nif.registry._versions import version_key

_PINNED = (SPDX.checksum, NIF.part)
"""What pinning writes on an artefact: a copy drops it, and pinning the copy writes it anew."""
_OWN = (
    ADMS.status,
    ADMS.versionNotes,
    DCAT.previousVersion,
    DCAT.version,
    DCTERMS.temporal,
    DCTERMS.isReplacedBy,
    DCTERMS.issued,
    DCTERMS.modified,
)
"""What belongs to the version copied from alone: its status, notes, place in the line of
versions, end of life and dates. The new version gets its own."""


def version_node(graph: Graph, interface: URIRef, version: str) -> URIRef:
    """The node of `interface`'s version numbered `version`; `InputError` naming the versions
    there are when it has none."""
    for node in graph.objects(interface, DCAT.hasVersion):
        if isinstance(node, URIRef) and str(graph.value(node, DCAT.version)) == version:
            return node
    have = ", ".join(versions(graph, interface)) or "none"
    raise InputError(f"{_id(graph, interface)} has no version {version!r} (versions: {have})")


def versions(graph: Graph, interface: URIRef) -> list[str]:
    """The version numbers of `interface`, oldest first."""
    numbers = {
        str(n)
        for v in graph.objects(interface, DCAT.hasVersion)
        if (n := graph.value(v, DCAT.version)) is not None
    }
    return sorted(numbers, key=version_key)


def next_version(
    graph: Graph,
    interface: URIRef,
    from_version: str,
    new_version: str,
    notes: Texts | None = None,
) -> URIRef:
    """Add `new_version` to `interface`, a copy of `from_version` (its message types, artefact
    and example nodes under the new version's IRIs), UnderDevelopment, with
    `dcat:previousVersion` the version it came from. URLs in `schemas/FROM/` and
    `examples/FROM/` move to `schemas/NEW/` and `examples/NEW/` (copy the files there); pinned
    checksums are dropped, so pinning checks the copies. The current version stays."""
    old = version_node(graph, interface, from_version)
    semver(new_version)
    if new_version in versions(graph, interface):
        raise InputError(f"{_id(graph, interface)} already has a version {new_version}")
    new = URIRef(
        str(old)[: -len(from_version)] + new_version
        if str(old).endswith("/" + from_version)
        else f"{interface}/{new_version}"
    )
    if (new, None, None) in graph:
        raise InputError(f"<{new}> is already described in the record")
    prefix = str(old) + "/"
    names: dict[Node, Node] = {old: new}
    for node in _reachable(graph, old):
        if isinstance(node, URIRef) and str(node).startswith(prefix):
            names[node] = URIRef(str(new) + "/" + str(node)[len(prefix) :])
    numbers = (from_version, new_version)
    for node, copy in names.items():
        for prop, value in graph.predicate_objects(node):
            if prop in _PINNED or (node == old and prop in _OWN):
                continue
            graph.add((copy, prop, _copied(graph, prop, value, names, numbers)))
    graph.add((interface, DCAT.hasVersion, new))
    graph.add((new, DCAT.version, Literal(new_version)))
    graph.add((new, ADMS.status, STATUS.UnderDevelopment))
    graph.add((new, DCAT.previousVersion, old))
    set_texts(graph, new, ADMS.versionNotes, notes or {"en": f"Based on {from_version}."})
    return new


def _reachable(graph: Graph, start: Node) -> list[Node]:
    """The nodes `start` reaches through IRIs below it and blank nodes, in order found."""
    seen: dict[Node, None] = {}
    stack = [start]
    prefix = str(start) + "/"
    while stack:
        node = stack.pop()
        for value in graph.objects(node, None):
            below = isinstance(value, URIRef) and str(value).startswith(prefix)
            if (below or isinstance(value, BNode)) and value not in seen:
                seen[value] = None
                stack.append(value)
    return list(seen)


def _url_mover(old: str, new: str) -> re.Pattern[str]:
    return re.compile(rf"(^|/)(schemas|examples)/{re.escape(old)}/")


def moved_url(url: str, from_version: str, new_version: str) -> str:
    """Where `next_version` moves a file URL: `schemas/FROM/` -> `schemas/NEW/`, the same for
    `examples/`; other URLs stay."""
    return _url_mover(from_version, new_version).sub(rf"\1\2/{new_version}/", url)


def version_files(graph: Graph, version: URIRef) -> dict[str, str]:
    """The files a stored version pins (URL -> sha256): its artefacts, their parts, and its
    examples, as pinning recorded them."""
    files: dict[str, str] = {}
    for node in [version, *_reachable(graph, version)]:
        url = graph.value(node, DCAT.downloadURL)
        digest = graph.value(graph.value(node, SPDX.checksum), SPDX.checksumValue)
        if url is not None and digest is not None:  # parts are blank nodes reached too
            files[str(url)] = str(digest).lower()
    return files


def _copied(
    graph: Graph,
    prop: Node,
    value: Node,
    names: dict[Node, Node],
    numbers: tuple[str, str],
) -> Node:
    """The value a copied triple gets: nodes of the old version by their new names, blank
    nodes copied, file URLs moved, titles with the new version number."""
    from_version, new_version = numbers
    if value in names:
        return names[value]
    if isinstance(value, BNode):
        copy = BNode()
        for p, o in graph.predicate_objects(value):
            graph.add((copy, p, _copied(graph, p, o, names, numbers)))
        return copy
    if prop in (DCAT.downloadURL, DCAT.accessURL) and isinstance(value, URIRef):
        return URIRef(moved_url(str(value), from_version, new_version))
    if prop == DCTERMS.title and isinstance(value, Literal) and from_version in str(value):
        return Literal(str(value).replace(from_version, new_version), lang=value.language)
    return value


def _id(graph: Graph, interface: URIRef) -> str:
    return f"interface {graph.value(interface, DCTERMS.identifier) or interface}"
