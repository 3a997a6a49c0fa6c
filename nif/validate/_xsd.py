"""XSD steps: XSD 1.0 through libxml2 (lxml), XSD 1.1 through xmlschema.

Both engines read schema documents from the `ArtefactSet` only: every import and include is
served by URI from the set and anything else is refused, so compiling a schema never reads a
file or the network. The version comes from the caller or from the schema's `vc:minVersion`.
"""

from __future__ import annotations

import email.message
import functools
import io
import re
import threading
import urllib.error
import urllib.request
import urllib.response
import warnings
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, unquote, urldefrag, urlparse

import xmlschema
from lxml import etree
from xmlschema.exceptions import XMLSchemaWarning

from nif.errors import CompileError, ResolutionError
from nif.report import Finding, Location, Severity
from nif.validate._artefacts import Artefact, ArtefactSet, collect, local_fetcher
from nif.validate._paths import Paths
from nif.validate._step import Document, Step, StepOutcome
from nif.validate._xml import (
    Resolver,
    discarding_parser,
    expand_internal_subset,
    parse_artefact,
    safe_parser,
)

XS = "http://www.w3.org/2001/XMLSchema"
VC = "http://www.w3.org/2007/XMLSchema-versioning"
_SCHEMA = f"{{{XS}}}schema"
_REFERENCES = tuple(f"{{{XS}}}{name}" for name in ("import", "include", "redefine", "override"))
_MAX_REPORTED = 5
"""How many schema errors a CompileError quotes before saying how many more there are."""


def xsd_references(artefact: Artefact) -> list[str]:
    """The schemaLocation of every xs:import, xs:include, xs:redefine and xs:override, as a
    URI reference (`common/My Types.xsd` -> `common/My%20Types.xsd`)."""
    root = parse_artefact(artefact)
    return [
        _as_uri(location)
        for element in root.iterchildren(*_REFERENCES)
        if (location := (element.get("schemaLocation") or "").strip())
    ]


_URI_CHARACTERS = "!#$%&'()*+,/:;=?@[]~"
_LOCATION = re.compile(rb"""(schemaLocation\s*=\s*)(?:"([^"<]*)"|'([^'<]*)')""")
_NAME_CHARACTER = re.compile(rb"[\w:.-]")


def _as_uri(location: str) -> str:
    """A schemaLocation as the URI it stands for: whitespace collapsed (anyURI's facet), then
    what a URI cannot hold (a space, a non-ASCII letter) percent-encoded, as XSD maps anyURI
    values; `%20` stays as written."""
    return quote(" ".join(location.split()), safe=_URI_CHARACTERS)


def _engine_bytes(part: Artefact) -> bytes:
    """The schema document as the engines get it: its internal DTD subset expanded, and every
    schemaLocation written as a URI, because libxml2 silently skips an import whose location
    holds a space. The rewrite keeps every line where it was."""

    def escape(match: re.Match[bytes]) -> bytes:
        before = match.string[match.start() - 1 : match.start()]
        if _NAME_CHARACTER.fullmatch(before):  # xsi:schemaLocation: a list, spaces and all
            return match.group(0)
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        try:
            location = raw.decode()
        except UnicodeDecodeError:
            return match.group(0)
        escaped = _as_uri(location)
        return match.group(0) if escaped == location else match.group(1) + f'"{escaped}"'.encode()

    return _LOCATION.sub(escape, expand_internal_subset(part))


def load_xsd(path: str | Path) -> ArtefactSet:
    """A schema file and every local file it imports or includes, transitively."""
    return collect(Artefact.from_path(path), xsd_references, local_fetcher)


def compile_xsd(artefacts: ArtefactSet, version: str | None = None) -> Step:
    """The XSD step for `artefacts`: 1.1 when asked or when `vc:minVersion` >= 1.1, else 1.0."""
    root = parse_artefact(artefacts.root)
    if root.tag != _SCHEMA:
        raise CompileError(
            f"{artefacts.main}: not an XML Schema (the root element is {root.tag!r}, "
            f"expected xs:schema in {XS})"
        )
    if (version or _declared_version(artefacts.main, root)) == "1.1":
        return Xsd11Step(artefacts)
    return Xsd10Step(artefacts)


def _declared_version(uri: str, root: etree._Element) -> str:
    declared = root.get(f"{{{VC}}}minVersion")
    if declared is None:
        return "1.0"
    try:
        return "1.1" if Decimal(declared.strip()) >= Decimal("1.1") else "1.0"
    except InvalidOperation:
        raise CompileError(f"{uri}: vc:minVersion {declared!r} is not a version number") from None


def _canonical(uri: str) -> str:
    """One spelling per resource: percent-decoded, `file://` for absolute local paths."""
    uri = unquote(urldefrag(uri).url)
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file") and parsed.path.startswith("/") and not parsed.netloc:
        return "file://" + parsed.path
    return uri


class _Parts:
    """Looks up schema documents in the set by URI, remembering every URI it had to refuse."""

    def __init__(self, artefacts: ArtefactSet) -> None:
        self._by_uri = {_canonical(uri): part for uri, part in artefacts.parts.items()}
        self.refused: list[str] = []
        self.unusable: list[str] = []

    def read(self, uri: str | None) -> Artefact | None:
        """The part an engine reads for `uri` (its internal DTD subset expanded), or None when
        it is not in the set or is unusable, noting why."""
        part = self.find(uri)
        if part is None:
            return None
        try:
            return Artefact(part.uri, _engine_bytes(part))
        except CompileError as exc:
            self.unusable.append(str(exc))
            return None

    def find(self, uri: str | None) -> Artefact | None:
        part = self._by_uri.get(_canonical(uri)) if uri else None
        if part is None:
            self.refused.append(uri or "<no URI>")
        return part

    def problem(self) -> str | None:
        """Why the engine could not read everything it asked for, if it could not."""
        if self.unusable:
            return "; ".join(self.unusable)
        return self._refusal() if self.refused else None

    def _refusal(self) -> str:
        return (
            f"refused to load {', '.join(sorted(set(self.refused)))}: not part of the artefact "
            "set (validation reads only the schemas collected when the profile was built)"
        )


def _clark_to_prefixed(text: str, prefixes: dict[str, str | None]) -> str:
    """`{urn:x}Name` -> `p:Name` with the document's own prefix (bare name for the default)."""

    def replace(match: re.Match[str]) -> str:
        uri, name = match.group(1), match.group(2)
        if uri not in prefixes:
            return match.group(0)
        prefix = prefixes[uri]
        return f"{prefix}:{name}" if prefix else name

    return re.sub(r"\{([^}]*)\}([\w.\-]+)", replace, text)


def _prefixes(tree: etree._ElementTree) -> dict[str, str | None]:
    return {uri: prefix for prefix, uri in tree.getroot().nsmap.items()}


# --- XSD 1.0: libxml2 ----------------------------------------------------------------------------


class _SetResolver(Resolver):
    """Serves schema documents from the artefact set to libxml2 and refuses everything else."""

    def __init__(self, parts: _Parts) -> None:
        super().__init__()
        self._parts = parts

    def resolve(self, url: str | None, pubid: str | None, context: object) -> object:
        part = self._parts.read(url)
        if part is None:
            raise ResolutionError(f"{url}: not part of the artefact set or unusable")
        return self.resolve_string(part.content, context, base_url=part.uri)


_LIBXML2_VERSION = ".".join(map(str, etree.LIBXML_VERSION))
_LXML_VERSION = etree.__version__
_SEVERITIES = {
    etree.ErrorLevels.WARNING: Severity.WARNING,
    etree.ErrorLevels.ERROR: Severity.ERROR,
    etree.ErrorLevels.FATAL: Severity.ERROR,
}


class Xsd10Step(Step):
    """XSD 1.0 by libxml2.

    An lxml `XMLSchema` keeps its error log on the object, so one compiled schema must not
    validate two documents at once: threads borrow schemas from a pool that grows to the
    number of concurrent callers.
    """

    kind = "xsd"
    media = "xml"

    def __init__(self, artefacts: ArtefactSet) -> None:
        super().__init__(artefacts)
        self._lock = threading.Lock()
        self._pool = [self._compile()]

    @property
    def engine(self) -> tuple[str, str]:
        return ("libxml2 via lxml", f"{_LIBXML2_VERSION} (lxml {_LXML_VERSION})")

    def _compile(self) -> etree.XMLSchema:
        parts = _Parts(self.artefacts)
        parser = safe_parser(_SetResolver(parts))
        main = self.artefacts.root
        try:
            content = _engine_bytes(main)
            document = etree.fromstring(content, parser, base_url=main.uri).getroottree()
            return etree.XMLSchema(document)
        except etree.XMLSchemaParseError as exc:
            message = _log_summary(exc.error_log, main.uri) or str(exc)
            if problem := parts.problem():
                message = f"{problem}; {message}"
            raise CompileError(f"{self.artefacts.main}: XSD does not compile: {message}") from None

    def check(self, document: Document) -> StepOutcome:
        with self._lock:
            schema = self._pool.pop() if self._pool else None
        if schema is None:
            schema = self._compile()
        try:
            if document.tree_released and self._streams_valid(schema, document.content):
                return StepOutcome([])
            if schema.validate(document.xml_tree()):
                return StepOutcome([])
            log = schema.error_log
        finally:
            with self._lock:
                self._pool.append(schema)
        prefixes, paths = _prefixes(document.xml_tree()), Paths(document.xml_tree())
        return StepOutcome([self._finding(entry, prefixes, paths) for entry in log])

    def _streams_valid(self, schema: etree.XMLSchema, content: bytes) -> bool:
        """Whether libxml2 finds a large message valid as it streams it, keeping no tree.

        Streamed errors have no line and no path, so on any error the caller validates the
        tree instead and the findings are those of every other message. Streaming does not
        check that ID attributes are unique, so a message where two may repeat a value is
        validated on its tree too."""
        if not _ids_unique(content, self._id_attributes):
            return False
        parser = discarding_parser(schema=schema)
        try:
            etree.fromstring(content, parser)
        except etree.XMLSyntaxError:
            return False
        return len(parser.error_log) == 0

    @functools.cached_property
    def _id_attributes(self) -> tuple[re.Pattern[bytes], ...]:
        """Find the attributes whose type may derive from xs:ID, one pattern per local name (a
        literal first is what makes the scan fast): worked out for the first large message."""
        names = _id_attribute_names([parse_artefact(p) for p in self.artefacts.parts.values()])
        return tuple(
            re.compile(re.escape(name.encode()) + rb"""\s*=\s*("[^"]*"|'[^']*')""")
            for name in sorted(names)
        )

    def _finding(
        self, entry: etree._LogEntry, prefixes: dict[str, str | None], paths: Paths
    ) -> Finding:
        return Finding(
            _SEVERITIES.get(entry.level, Severity.ERROR),
            self.name,
            _clark_to_prefixed(entry.message, prefixes),
            entry.type_name,
            Location(
                line=entry.line or None,
                column=entry.column or None,
                xpath=paths.rewrite(entry.path),
            ),
        )


def _id_attribute_names(schemas: list[etree._Element]) -> set[str]:
    """The local names of the attributes declared with xs:ID or a type derived from it, by
    local names throughout (more names than needed only costs a tree)."""
    derived, grown = {"ID"}, True
    while grown:
        grown = False
        for schema in schemas:
            for simple in schema.iter(f"{{{XS}}}simpleType"):
                name = simple.get("name")
                if name and name not in derived and _mentions(simple, derived):
                    derived.add(name)
                    grown = True
    return {
        attribute.get("name", "")
        for schema in schemas
        for attribute in schema.iter(f"{{{XS}}}attribute")
        if attribute.get("name") and _mentions(attribute, derived)
    }


def _mentions(declaration: etree._Element, types: set[str]) -> bool:
    """Whether the declaration or a simple type within it names one of `types`."""
    for element in declaration.iter():
        for attribute in ("type", "base", "memberTypes", "itemType"):
            for qname in (element.get(attribute) or "").split():
                if qname.rpartition(":")[2] in types:
                    return True
    return False


def _ids_unique(content: bytes, attributes: tuple[re.Pattern[bytes], ...]) -> bool:
    """Whether no two ID attributes can have the same value: False for a repeated value, or
    a value with a reference in it, among the attributes that may be IDs."""
    seen: set[bytes] = set()
    for pattern in attributes:
        for match in pattern.finditer(content):
            if content[match.start() - 1 : match.start()] not in _BEFORE_NAME:
                continue  # the end of a longer name
            value = match.group(1)[1:-1]
            if b"&" in value:
                return False
            value = b" ".join(value.split())
            if value in seen:
                return False
            seen.add(value)
    return True


_BEFORE_NAME = frozenset({b" ", b"\t", b"\n", b"\r", b":"})
"""What comes before an attribute's name: the space before it, or its prefix's colon."""


def _log_summary(log: Iterable[etree._LogEntry], main: str) -> str:
    """libxml2's schema errors as `file, line N: message`, the main file named once."""
    entries = [e for e in log if e.level >= etree.ErrorLevels.ERROR] or list(log)
    lines = []
    for entry in entries[:_MAX_REPORTED]:
        text = _clark_to_prefixed(entry.message, {XS: "xs"})
        if entry.filename in (None, "<string>", main):
            lines.append(f"line {entry.line}: {text}")
        else:
            lines.append(f"{entry.filename}, line {entry.line}: {text}")
    if len(entries) > _MAX_REPORTED:
        lines.append(f"and {len(entries) - _MAX_REPORTED} more")
    return "; ".join(lines)


# --- XSD 1.1: xmlschema --------------------------------------------------------------------------


class _SetHandler(urllib.request.BaseHandler):
    """A urllib handler for every scheme that answers from the artefact set only."""

    def __init__(self, parts: _Parts) -> None:
        self._parts = parts

    def default_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        part = self._parts.read(request.full_url)
        if part is None:
            raise urllib.error.URLError("not part of the artefact set or unusable")
        return urllib.response.addinfourl(
            io.BytesIO(part.content), email.message.Message(), part.uri, 200
        )


def _opener(parts: _Parts) -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_SetHandler(parts))
    return opener


def load_xmlschema(artefacts: ArtefactSet, version: str = "1.1") -> xmlschema.XMLSchemaBase:
    """The schema set as an xmlschema object, read from the set's parts only (no network, no
    file outside the set, no location hints); CompileError names what failed to load."""
    parts = _Parts(artefacts)
    problem = None
    loader = xmlschema.XMLSchema11 if version == "1.1" else xmlschema.XMLSchema10
    schema: xmlschema.XMLSchemaBase | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", XMLSchemaWarning)
        try:
            schema = loader(
                artefacts.main,
                opener=_opener(parts),
                defuse="always",
                use_fallback=False,
                use_location_hints=False,
            )
        except xmlschema.XMLSchemaException as exc:
            problem = _xmlschema_error(exc, artefacts)
    failed = [str(w.message) for w in caught if issubclass(w.category, _LOAD_WARNINGS)]
    if failed and not problem:
        problem = "; ".join(failed)
    if refusal := parts.problem():
        problem = f"{refusal}; {problem}" if problem else refusal
    if problem or schema is None:
        raise CompileError(f"{artefacts.main}: XSD {version} does not compile: {problem}")
    return schema


class Xsd11Step(Step):
    """XSD 1.1 (assertions, type alternatives) by xmlschema.

    xmlschema validates in pure Python, so one document at a time: the GIL would serialise
    the work anyway, and no per-run state can leak between two validations.
    """

    kind = "xsd"
    media = "xml"

    def __init__(self, artefacts: ArtefactSet) -> None:
        super().__init__(artefacts)
        self._lock = threading.Lock()
        self._schema = load_xmlschema(artefacts, "1.1")

    @property
    def engine(self) -> tuple[str, str]:
        return ("xmlschema", xmlschema.__version__)

    def check(self, document: Document) -> StepOutcome:
        tree = document.xml_tree()
        with self._lock:
            errors = list(self._schema.iter_errors(tree))
        if not errors:
            return StepOutcome([])
        prefixes, paths = _prefixes(tree), Paths(tree)
        return StepOutcome([self._finding(error, paths, prefixes) for error in errors])

    def _finding(
        self,
        error: xmlschema.XMLSchemaValidationError,
        paths: Paths,
        prefixes: dict[str, str | None],
    ) -> Finding:
        rule_id = _rule_id(error)
        test = getattr(error.validator, "path", None) if rule_id == ASSERT else None
        message = _clark_to_prefixed(error.reason or error.message, prefixes)
        if test:
            failed = "is false" in message
            message = f"assertion {test!r} " + ("is false" if failed else f"failed: {message}")
        elif isinstance(error.obj, str) and repr(error.obj) not in message:
            message = f"{message} (value {error.obj!r})"
        element, xpath, line = error.elem, error.path, error.sourceline
        if isinstance(element, etree._Element):
            xpath, line = paths.of(element), line or element.sourceline
            name = _clark_to_prefixed(element.tag, prefixes)
            if f"'{name}'" not in message:
                message = f"Element '{name}': {message}"
        return Finding(
            Severity.ERROR,
            self.name,
            message,
            rule_id,
            Location(line=line, xpath=xpath),
            schema_location=error.schema_url,
            test=test,
        )


_LOAD_WARNINGS = (xmlschema.XMLSchemaImportWarning, xmlschema.XMLSchemaIncludeWarning)
ASSERT = "xsd11:assert"
_RULE_IDS = (
    ("Assert", ASSERT),
    ("Group", "xsd11:content"),
    ("Attribute", "xsd11:attribute"),
    ("Unique", "xsd11:identity"),
    ("Key", "xsd11:identity"),
    ("Element", "xsd11:element"),
    ("Type", "xsd11:type"),
    ("Atomic", "xsd11:value"),
    ("Facet", "xsd11:value"),
    ("Union", "xsd11:value"),
    ("List", "xsd11:value"),
)


def _rule_id(error: xmlschema.XMLSchemaValidationError) -> str:
    """A stable code from the kind of schema component that failed: xsd11:assert, ..."""
    kind = type(error.validator).__name__
    return next((code for marker, code in _RULE_IDS if marker in kind), "xsd11")


def _xmlschema_error(exc: Exception, artefacts: ArtefactSet) -> str:
    """xmlschema's reason with the schema file and the line of the offending declaration."""
    if not isinstance(exc, xmlschema.XMLSchemaValidatorError):
        return str(exc)
    text = getattr(exc, "reason", None) or exc.message
    url = exc.schema_url
    line = exc.sourceline or _schema_line(exc, artefacts)
    where = ", ".join(
        p for p in ((url if url != artefacts.main else ""), f"line {line}" if line else "") if p
    )
    return f"{where}: {text}" if where else text


def _schema_line(exc: xmlschema.XMLSchemaValidatorError, artefacts: ArtefactSet) -> int | None:
    """xmlschema parses schemas with ElementTree, which keeps no line numbers: find the
    element at the same document-order position in lxml's parse of the same part."""
    root, element, url = exc.root, exc.elem, exc.schema_url
    if root is None or element is None or url is None:
        return None
    try:
        index = next(i for i, e in enumerate(root.iter()) if e is element)
        part = parse_artefact(artefacts.get(url))
    except (StopIteration, ResolutionError, CompileError):
        return None
    for i, candidate in enumerate(part.iter(etree.Element)):
        if i == index:
            line: int | None = candidate.sourceline
            return line
    return None
