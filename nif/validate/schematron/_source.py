"""Reading a Schematron schema from its artefact set and resolving `sch:include`/`sch:extends`.

Includes are resolved only from the parts of the `ArtefactSet` (collected once from local files
or pinned artefacts), so compiling never reads the disk or the network.
"""

from __future__ import annotations

import copy
from urllib.parse import urldefrag, urljoin

from lxml import etree

from nif.errors import CompileError, ResolutionError
from nif.validate._artefacts import Artefact, ArtefactSet
from nif.validate._xml import parse_artefact
from nif.validate.schematron._documents import literal_documents
from nif.validate.schematron._names import OLD_SCH, sch, xsl

_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def schematron_references(artefact: Artefact) -> list[str]:
    """Every file a rule set pulls in: sch:include, sch:extends/@href, xsl:include/xsl:import,
    and the documents a pattern's `documents` names as string literals."""
    root = parse_artefact(artefact)
    refs = []
    for element in root.iter(sch("include"), sch("extends"), xsl("include"), xsl("import")):
        href = element.get("href")
        if href:
            refs.append(urldefrag(href).url)
    documents = " ".join(p.get("documents") or "" for p in root.iter(sch("pattern")))
    for pattern in root.iter(sch("pattern")):
        refs.extend(urldefrag(uri).url for uri in literal_documents(pattern))
        for param in pattern.iterchildren(sch("param")):
            if f"${param.get('name')}" in documents:
                refs.extend(urldefrag(u).url for u in literal_documents(param, "value"))
    return [r for r in refs if r]


def _target(artefacts: ArtefactSet, base: str, href: str) -> etree._Element:
    uri, fragment = urldefrag(urljoin(base, href))
    try:
        root = parse_artefact(artefacts.get(uri))
    except ResolutionError as exc:
        raise CompileError(f"{base}: cannot include {href!r}: {exc}") from None
    if fragment:
        found = root.xpath("//*[@id=$id]", id=fragment)
        if not found:
            raise CompileError(f"{base}: {href!r}: no element with id {fragment!r}")
        root = found[0]
    return root


def resolve_includes(artefacts: ArtefactSet) -> etree._Element:
    """The schema with every include replaced by what it points to, recursively."""
    root = parse_artefact(artefacts.root)
    if root.tag == f"{{{OLD_SCH}}}schema":
        raise CompileError(
            f"{artefacts.main}: Schematron 1.5 (namespace {OLD_SCH}) is not supported; "
            "use ISO Schematron"
        )
    _expand(root, artefacts, artefacts.main, frozenset({artefacts.main}))
    return root


def _expand(
    element: etree._Element, artefacts: ArtefactSet, base: str, seen: frozenset[str]
) -> None:
    for child in list(element):
        if not isinstance(child.tag, str):
            continue
        href = child.get("href")
        child_base = child.base or base
        if child.tag in (sch("include"), sch("extends")) and href:
            uri = urldefrag(urljoin(child_base, href)).url
            if uri in seen:
                raise CompileError(f"{child_base}: {href!r} includes itself (cycle)")
            target = copy.deepcopy(_target(artefacts, child_base, href))
            _expand(target, artefacts, uri, seen | {uri})
            if child.tag == sch("include") and target.tag != sch("schema"):
                replacement = [target]
            else:
                replacement = [c for c in target if isinstance(c.tag, str)]
            _replace(child, replacement, uri)
        elif child.tag in (xsl("include"), xsl("import")) and href:
            uri = urldefrag(urljoin(child_base, href)).url
            target = copy.deepcopy(_target(artefacts, child_base, href))
            _expand(target, artefacts, uri, seen | {uri})
            _replace(child, [c for c in target if isinstance(c.tag, str)], uri)
        else:
            _expand(child, artefacts, child_base, seen)


def _replace(old: etree._Element, new: list[etree._Element], base: str) -> None:
    parent = old.getparent()
    index = parent.index(old)
    tail = old.tail
    parent.remove(old)
    for offset, element in enumerate(new):
        if element.get(_BASE) is None:
            element.set(_BASE, base)
        parent.insert(index + offset, element)
    if new and tail:
        new[-1].tail = (new[-1].tail or "") + tail
