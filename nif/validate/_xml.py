"""Safe XML parsing: no DTDs, no entities, no network, bounded size and depth.

Hostile documents (billion laughs, external entities, DOCTYPEs) become findings of the `parse`
step; nothing is read from disk or the network while parsing.
"""

from __future__ import annotations

import dataclasses
import io
import re
import threading
from typing import TYPE_CHECKING

from lxml import etree

from nif.errors import CompileError
from nif.report import Finding, Location, Severity
from nif.validate import _step
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


def safe_events(content: bytes, events: tuple[str, ...]) -> etree.iterparse:
    """`etree.iterparse` over bytes, as safe as `safe_parser` (iterparse takes no parser): for
    a pass that must not keep the whole tree."""
    parsing = etree.iterparse(io.BytesIO(content), events=events, **_PARSER_OPTIONS)
    parsing.resolvers.add(_RefuseAll())
    return parsing


def parse_artefact(artefact: Artefact) -> etree._Element:
    """Parse a schema, rule set or configuration safely, saying which file and where when it
    is malformed.

    A DOCTYPE's internal subset is expanded as `parse_xml` expands it for every artefact kind
    (schemas as published, such as UBL's xmldsig, declare entities; a rule set's entity must
    not vanish from its messages), and an external DTD or entity is refused.
    """
    content = artefact.content
    parsed = parse_xml(
        content,
        max_bytes=len(content),
        max_depth=_LIBXML2_MAX_DEPTH,
        internal_subset=True,
        base_url=artefact.uri,
    )
    if parsed.tree is not None:
        return parsed.tree.getroot()
    finding = parsed.findings[0]
    where = f", line {finding.location.line}" if finding.location.line else ""
    raise CompileError(f"{artefact.uri}{where}: {finding.message}")


def expand_internal_subset(artefact: Artefact) -> bytes:
    """The schema's bytes as an engine should read them: unchanged without a DOCTYPE, else with
    the internal subset expanded by `parse_artefact` and the DOCTYPE gone.

    When expanding changes nothing but dropping the DOCTYPE (the usual case: entities declared
    and never used), the DOCTYPE is blanked in place so that engines report the file's own line
    numbers; otherwise the expanded tree is serialized, its root on the line it was on (a start
    tag written over several lines then shifts what follows). Raises `CompileError`.
    """
    if _surely_without_doctype(artefact.content):
        return artefact.content
    root = parse_artefact(artefact)
    if not _has_dtd(root.getroottree()):
        return artefact.content
    blanked = _without_doctype_declaration(artefact.content)
    if blanked is not None:
        try:
            plain = etree.fromstring(blanked, safe_parser())
        except etree.XMLSyntaxError:
            plain = None
        if (
            plain is not None
            and not _has_dtd(plain.getroottree())
            and etree.tostring(plain, method="c14n") == etree.tostring(root, method="c14n")
        ):
            return blanked
    lines = b"\n" * ((root.sourceline or 1) - 1)  # the root where it was, and so its children
    return _DECLARATION + lines + bytes(etree.tostring(root, encoding="utf-8"))


_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def _surely_without_doctype(content: bytes) -> bool:
    """No `<!DOCTYPE` anywhere in a document in an ASCII-compatible encoding (not UTF-16): the
    engines parse it anyway, so it need not be parsed here first."""
    start = content.removeprefix(b"\xef\xbb\xbf")
    return start.startswith(b"<") and not start.startswith(b"<\x00") and b"<!DOCTYPE" not in content


def _has_dtd(tree: etree._ElementTree) -> bool:
    return bool(tree.docinfo.doctype) or tree.docinfo.internalDTD is not None


def _without_doctype_declaration(content: bytes) -> bytes | None:
    """`content` with its DOCTYPE declaration replaced by as many line breaks, or None when the
    declaration cannot be delimited (the caller then serializes the parsed tree instead)."""
    found = _DOCTYPE.search(content)
    if not found:
        return None
    at, in_subset = found.end(), False
    while at < len(content):
        for opening, closing in _SKIPPED:
            if content.startswith(opening, at):
                end = content.find(closing, at + len(opening))
                if end < 0:
                    return None
                at = end + len(closing)
                break
        else:
            char = content[at : at + 1]
            if char == b">" and not in_subset:
                start, end = found.start(), at + 1
                breaks = b"\n" * content.count(b"\n", start, end)
                return content[:start] + breaks + content[end:]
            in_subset = {b"[": True, b"]": False}.get(char, in_subset)
            at += 1
    return None


_SKIPPED = ((b'"', b'"'), (b"'", b"'"), (b"<!--", b"-->"), (b"<?", b"?>"))
"""What may hold `[`, `]` or `>` inside a DOCTYPE without opening or closing anything."""


class _RefuseAll(Resolver):
    def resolve(self, url: str, pubid: str | None, context: object) -> None:
        raise etree.XMLSyntaxError(f"external resource {url!r} refused", 0, 0, 0)


@dataclasses.dataclass
class ParsedXml:
    tree: etree._ElementTree | None
    findings: list[Finding]
    streamed: bool = False
    """Well-formed by one streaming pass that kept no tree (`check_xml`): the steps parse it
    again only if they need a tree."""


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


def _syntax_finding(exc: etree.XMLSyntaxError) -> Finding:
    line, column = (exc.position or (0, 0))[:2]
    line, column = line or None, column or None
    text = str(exc.msg or exc).split(", line ")[0]
    if "Excessive depth" in text or "exceeded max depth" in text:
        message = f"element nesting exceeds the parser's limit of {_LIBXML2_MAX_DEPTH} levels"
        return _finding("xml.too-deep", message, line, column)
    return _finding("xml.malformed", f"not well-formed: {text}", line, column)


class _Recorder(Resolver):
    """Answers every external DTD or entity libxml2 asks for with nothing, noting its URL, so
    that a first parse can say which declaration reached outside instead of failing on it."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: list[str] = []

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        self.refused.append(url)
        return self.resolve_string(b"", context)


_held = threading.local()


def _recorded_parse(content: bytes, base_url: str | None) -> tuple[etree._Element, list[str]]:
    """Parse with this thread's `safe_parser(_Recorder())`, built once: building a parser costs
    a tenth of a small invoice's parse. lxml empties a parser's error log as each parse starts;
    the recorder is emptied here. The parser is taken out while it parses, so a parse within
    a parse gets a new one instead of the busy one."""
    held: tuple[etree.XMLParser, _Recorder] | None = getattr(_held, "parser", None)
    _held.parser = None
    if held is None:
        recorder = _Recorder()
        held = (safe_parser(recorder), recorder)
    parser, recorder = held
    recorder.refused.clear()
    try:
        root = etree.fromstring(content, parser, base_url=base_url)
    finally:
        _held.parser = held
    return root, list(recorder.refused)


def _external_declaration(
    content: bytes, tree: etree._ElementTree, refused: list[str]
) -> Finding | None:
    """The finding for an external DTD subset or external entity the DOCTYPE declares."""
    doctype = content.find(b"<!DOCTYPE")
    info, what = tree.docinfo, None
    if info.system_url or info.public_id:
        what = f"an external DTD subset ({info.system_url or info.public_id!r})"
    dtd = info.internalDTD
    for entity in dtd.iterentities() if dtd is not None and what is None else ():
        if entity.system_url:
            what = f"the external entity {entity.name!r} ({entity.system_url})"
            name = re.escape(entity.name.encode())
            declared = re.search(rb"<!ENTITY\s+(?:%\s+)?" + name + rb"\s", content)
            doctype = declared.start() if declared else doctype
            break
    if what is None and refused:
        what = f"an external resource ({refused[0]})"
    if what is None:
        return None
    line = content.count(b"\n", 0, doctype) + 1 if doctype >= 0 else None
    message = (
        f"the DOCTYPE declares {what}: a schema may declare internal entities only, "
        "nif reads no external DTD or entity"
    )
    return _finding("xml.external-entity", message, line)


def parse_xml(
    content: bytes,
    *,
    max_bytes: int,
    max_depth: int,
    internal_subset: bool = False,
    base_url: str | None = None,
) -> ParsedXml:
    """Parse untrusted bytes; on any problem return no tree and a fatal finding saying where.

    A DOCTYPE is refused, unless `internal_subset` (schemas, never messages): then libxml2
    expands the internal subset's entities within its amplification bounds and applies its
    attribute defaults, and an external DTD subset or any external entity is refused.
    """
    if len(content) > max_bytes:
        return ParsedXml(
            None,
            [_finding("xml.too-large", f"message is {len(content)} bytes, limit {max_bytes}")],
        )
    doctype = _DOCTYPE.search(content, 0, _prolog_end(content))
    if doctype and not internal_subset:
        return ParsedXml(None, [_doctype_finding(content, doctype.start())])
    try:
        root, refused = _recorded_parse(content, base_url)
    except etree.XMLSyntaxError as exc:
        return ParsedXml(None, [_syntax_finding(exc)])
    tree = root.getroottree()
    if _has_dtd(tree) or refused:
        if not internal_subset:
            return ParsedXml(None, [_doctype_finding(content, content.find(b"<!DOCTYPE"))])
        external = _external_declaration(content, tree, refused)
        if external:
            return ParsedXml(None, [external])
        expanding = safe_parser(resolve_entities="internal", attribute_defaults=True)
        try:
            root = etree.fromstring(content, expanding, base_url=base_url)
        except etree.XMLSyntaxError as exc:
            return ParsedXml(None, [_syntax_finding(exc)])
        tree = root.getroottree()
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


_UTF8_DECLARATION = re.compile(
    rb"<\?xml[^>]*?encoding\s*=\s*(['\"])(?:utf-8|us-ascii|ascii)\1", re.IGNORECASE
)


def _utf8(content: bytes) -> bool:
    """Whether the message declares UTF-8 (or ASCII), or declares nothing and has no BOM but
    UTF-8's: the text Saxon reads is then the bytes decoded, with no tree to ask."""
    start = content.removeprefix(b"\xef\xbb\xbf")
    if not start.startswith(b"<?xml"):
        return start.startswith(b"<")
    declaration = start[: start.find(b"?>") + 2]
    return b"encoding" not in declaration or bool(_UTF8_DECLARATION.match(declaration))


class _Discard:
    """A parser target with no callbacks: libxml2 checks the document in C and builds
    nothing (and an XSD given to the parser validates it as it streams)."""

    def close(self) -> None:
        return None


class _TooDeep(Exception):
    pass


class _Depth(_Discard):
    """Counts nesting for a depth limit below libxml2's own, giving up at the first element
    deeper than `limit` (the full parse then says where)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.depth = limit, 0

    def start(self, tag: str, attrib: object) -> None:
        self.depth += 1
        if self.depth > self.limit:
            raise _TooDeep

    def end(self, tag: str) -> None:
        self.depth -= 1


def discarding_parser(**overrides: object) -> etree.XMLParser:
    """A `safe_parser` that keeps no tree: for a pass over a large message that only decides
    (well-formed, valid) and must not hold the ~7x its size an lxml tree takes."""
    return safe_parser(None, **{"target": _Discard(), **overrides})


def check_xml(content: bytes, *, max_bytes: int, max_depth: int) -> ParsedXml:
    """`parse_xml` for a message, without keeping the tree of a large one.

    A message of `RELEASE_TREE_BYTES` or more in UTF-8 with no DOCTYPE is checked by one
    streaming pass and kept as bytes (`ParsedXml.streamed`), so that no step's engine has to
    live next to lxml's tree; on any problem, or for any other message, `parse_xml` parses it
    and its findings are the ones reported."""
    if (
        len(content) < _step.RELEASE_TREE_BYTES
        or len(content) > max_bytes
        or not _surely_without_doctype(content)
        or not _utf8(content)
    ):
        return parse_xml(content, max_bytes=max_bytes, max_depth=max_depth)
    target = _Depth(max_depth) if max_depth < _LIBXML2_MAX_DEPTH else _Discard()
    try:
        etree.fromstring(content, discarding_parser(target=target))
    except (etree.XMLSyntaxError, _TooDeep):
        return parse_xml(content, max_bytes=max_bytes, max_depth=max_depth)
    return ParsedXml(None, [], streamed=True)
