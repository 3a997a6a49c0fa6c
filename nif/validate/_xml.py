"""Safe XML parsing: no DTDs, no entities, no network, bounded size and depth.

Hostile documents (billion laughs, external entities, DOCTYPEs) become findings of the `parse`
step; nothing is read from disk or the network while parsing.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from lxml import etree

from nif.errors import CompileError
from nif.report import Finding, Location, Severity
from nif.validate._artefacts import Artefact

STEP = "parse"

if TYPE_CHECKING:

    class Resolver:
        """What nif uses of lxml's `etree.Resolver` (lxml ships no type hints)."""

        def resolve_string(
            self, string: str | bytes, context: object, *, base_url: str | None = None
        ) -> object: ...

else:
    Resolver = etree.Resolver


_PARSER_OPTIONS = dict(
    resolve_entities=False,
    load_dtd=False,
    dtd_validation=False,
    no_network=True,
    huge_tree=False,
    remove_comments=False,
    collect_ids=False,
)


def safe_parser(resolver: Resolver | None = None, **overrides: object) -> etree.XMLParser:
    """An lxml parser that refuses every way XML has to reach outside the document.

    `resolver` replaces the refuse-all resolver (it must refuse what it does not serve): lxml
    asks its resolvers in no fixed order, so the two cannot be combined.
    """
    parser = etree.XMLParser(**{**_PARSER_OPTIONS, **overrides})
    parser.resolvers.add(resolver or _RefuseAll())
    return parser


def parse_artefact(artefact: Artefact) -> etree._Element:
    """Parse a schema or rule set safely, saying which file and where when it is malformed."""
    try:
        return etree.fromstring(artefact.content, safe_parser(), base_url=artefact.uri)
    except etree.XMLSyntaxError as exc:
        line = (exc.position or (0, 0))[0]
        where = f", line {line}" if line else ""
        text = str(exc.msg or exc).split(", line ")[0]
        raise CompileError(f"{artefact.uri}{where}: not well-formed XML: {text}") from None


class _RefuseAll(Resolver):
    def resolve(self, url: str, pubid: str | None, context: object) -> None:
        raise etree.XMLSyntaxError(f"external resource {url!r} refused", 0, 0, 0)


@dataclasses.dataclass
class ParsedXml:
    tree: etree._ElementTree | None
    findings: list[Finding]


def _finding(
    rule_id: str, message: str, line: int | None = None, column: int | None = None
) -> Finding:
    return Finding(Severity.FATAL, STEP, message, rule_id, Location(line=line, column=column))


_LIBXML2_MAX_DEPTH = 256
_DOCTYPE = re.compile(rb"<!DOCTYPE")
_ELEMENT_START = re.compile(rb"<[A-Za-z_:]")


def has_doctype(content: bytes) -> bool:
    """Whether the prolog declares a DOCTYPE (which nif refuses in messages)."""
    return _DOCTYPE.search(content, 0, _prolog_end(content)) is not None


def _prolog_end(content: bytes) -> int:
    match = _ELEMENT_START.search(content)
    return match.start() if match else len(content)


def _doctype_finding(content: bytes, at: int) -> Finding:
    line = column = None
    if at >= 0:
        line = content.count(b"\n", 0, at) + 1
        column = at - (content.rfind(b"\n", 0, at) + 1) + 1
    message = "DOCTYPE declarations are not allowed: nif loads no DTD and expands no entity"
    return _finding("xml.doctype", message, line, column)


def parse_xml(content: bytes, *, max_bytes: int, max_depth: int) -> ParsedXml:
    """Parse untrusted bytes; on any problem return no tree and a fatal finding saying where."""
    if len(content) > max_bytes:
        return ParsedXml(
            None,
            [_finding("xml.too-large", f"message is {len(content)} bytes, limit {max_bytes}")],
        )
    doctype = _DOCTYPE.search(content, 0, _prolog_end(content))
    if doctype:
        return ParsedXml(None, [_doctype_finding(content, doctype.start())])
    parser = safe_parser()
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line, column = (exc.position or (0, 0))[:2]
        line, column = line or None, column or None
        text = str(exc.msg or exc).split(", line ")[0]
        if "Excessive depth" in text or "exceeded max depth" in text:
            message = f"element nesting exceeds the parser's limit of {_LIBXML2_MAX_DEPTH} levels"
            return ParsedXml(None, [_finding("xml.too-deep", message, line, column)])
        return ParsedXml(
            None, [_finding("xml.malformed", f"not well-formed: {text}", line, column)]
        )
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return ParsedXml(None, [_doctype_finding(content, content.find(b"<!DOCTYPE"))])
    if max_depth < _LIBXML2_MAX_DEPTH:
        depth = 0
        for event, element in etree.iterwalk(root, events=("start", "end")):
            depth += 1 if event == "start" else -1
            if depth > max_depth:
                return ParsedXml(
                    None,
                    [
                        _finding(
                            "xml.too-deep",
                            f"element nesting deeper than the limit of {max_depth}",
                            element.sourceline,
                        )
                    ],
                )
    return ParsedXml(tree, [])
