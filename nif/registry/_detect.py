"""Which registered message type a message is, when the caller does not say.

XML: the root element's QName selects the candidates (one indexed query), and a candidate's
optional discriminator (an XPath 1.0 expression and the string value it must have) narrows
them. JSON has no root name: candidates are the JSON message types whose discriminator (a JSON
Pointer and a value) matches. A candidate whose discriminator does not match is out; of the
rest, root and discriminator beat root alone. One most specific match wins; none, or a tie, is a
`DetectionError` that lists the candidates and what was looked for. A KoSIT scenario's message
type is told apart by its scenario's match (a discriminator that holds when its effective
boolean value is true): as in KoSIT, every scenario whose match holds is an equal candidate.
Versions with status Withdrawn are never candidates (Deprecated and UnderDevelopment ones are).

Detection reads an XML message only up to its root's start tag. When a discriminator below the
root decides, `Detector.examine` hands the choice on as an `Undecided` (the candidates, small
and picklable) to whoever parses the message anyway: a validation worker decides on its parse
and validates that same tree, so the message is parsed once.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from typing import Any

from cachetools import LRUCache
from lxml import etree
from rdflib import Literal

from nif.errors import DetectionError
from nif.registry._discriminators import json_pointer_value, match_value, xpath_value
from nif.registry._message_types import (
    WITHDRAWN,
    Discriminator,
    MessageTypeRef,
    select_message_types,
)
from nif.registry._namespaces import sparql_prefixes
from nif.settings import Settings
from nif.store import Store
from nif.validate import (
    ParsedJson,
    ParsedXml,
    detect_media,
    has_doctype,
    parse_xml,
)

_FIRST_CHUNK = 1024
"""What detection feeds first: the root's start tag is nearly always in it, and libxml2 parses
all it is fed (16 KB of a 21 KB invoice cost 10x the 1 KB it needs)."""
_CHUNK = 65536
"""The most detection feeds at a time: each feed doubles until then."""

_LISTED = 10
"""How many candidates an error names before saying how many more there are."""


class _JsonNumber(str):
    """A JSON number kept as its text, so `2.0` and `2` stay different values."""


def root_element(content: bytes, settings: Settings) -> str:
    """The root element of an XML message in Clark notation, read without parsing the rest.

    Refuses what validation refuses: DOCTYPEs (no DTD is loaded, no entity expanded) and
    messages over the size limit.
    """
    return str(root_start(content, settings).tag)


def root_start(content: bytes, settings: Settings) -> etree._Element:
    """The root element as its start tag gives it (name, attributes, namespaces in scope),
    read without parsing the rest; refuses what `root_element` refuses."""
    if len(content) > settings.validation.max_message_bytes:
        raise DetectionError(
            f"the message is {len(content)} bytes, over the limit of "
            f"{settings.validation.max_message_bytes}"
        )
    if has_doctype(content):
        raise DetectionError("the message declares a DOCTYPE, which nif refuses")
    # A pull parser keeps the events it read before a syntax error, however libxml2 chunks the
    # input: the root decides even when the document breaks later (validation reports that).
    parser = etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    )
    view = memoryview(content)
    start, size = 0, _FIRST_CHUNK
    try:
        while start < len(content):
            parser.feed(bytes(view[start : start + size]))
            for _, element in parser.read_events():
                return element
            start, size = start + size, min(2 * size, _CHUNK)
        parser.close()
    except etree.XMLSyntaxError as exc:
        for _, element in parser.read_events():
            return element
        text = str(exc.msg or exc).split(", line ")[0]
        raise DetectionError(f"the message is not well-formed XML: {text}") from None
    raise DetectionError("the message has no root element")


def _json_document(content: bytes, settings: Settings) -> Any:
    if len(content) > settings.validation.max_message_bytes:
        raise DetectionError(
            f"the message is {len(content)} bytes, over the limit of "
            f"{settings.validation.max_message_bytes}"
        )
    try:
        text = content.decode(json.detect_encoding(content))
        return json.loads(text, parse_int=_JsonNumber, parse_float=_JsonNumber)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DetectionError(f"the message is not well-formed JSON: {exc}") from None


_NAME = r"[^\W\d][\w.-]*(?::[^\W\d][\w.-]*)?"
_ON_ROOT = re.compile(rf"(?:/{_NAME})?/?@{_NAME}")
"""A discriminator path that reads an attribute of the root element (`/p:Root/@version`,
`@version`): its start tag holds the answer, so the message need not be parsed for it."""


class _NeedsTree(Exception):
    """A discriminator needs more of the message than its root's start tag."""


@dataclasses.dataclass
class _Message:
    """The message as detection sees it: the root's start tag, the JSON value, or the parse."""

    media: str
    root: str | None = None
    head: etree._Element | None = None
    """The root element as its start tag gives it, children not read."""
    json: Any = None
    json_text: str | None = None
    """The JSON text, when the value came from validation's parser (its numbers are numbers)."""
    pointers: tuple[tuple[str, str], ...] = ()
    """The (JSON Pointer, value) pairs the registry's discriminator paths found."""
    parsed: ParsedXml | None = None
    """The XML message parsed: without it, a discriminator below the root raises `_NeedsTree`."""

    def value(self, discriminator: Discriminator) -> str | None:
        if self.media == "json":
            return json_pointer_value(self.json, discriminator.path, self.json_text)
        if (
            self.head is not None
            and not discriminator.match
            and _ON_ROOT.fullmatch(discriminator.path.strip())
        ):
            return xpath_value(self.head.getroottree(), discriminator)
        if self.parsed is None:
            raise _NeedsTree
        tree = self.parsed.tree
        if tree is None:
            return None
        return (
            match_value(tree, discriminator)
            if discriminator.match
            else xpath_value(tree, discriminator)
        )


@dataclasses.dataclass(frozen=True)
class Undecided:
    """An XML message whose type a discriminator below its root decides: what detection found
    before the parse, for the process that parses the message (a validation worker)."""

    root: str
    """The root element in Clark notation."""
    candidates: tuple[MessageTypeRef, ...]
    scope: str = ""
    """What detection was restricted to, as errors say it (" of ID@VERSION")."""

    def decide(self, parsed: ParsedXml) -> MessageTypeRef:
        """The type `Detector.detect` picks, on the message's parse; its `DetectionError` when
        none or several match (a message that did not parse has no value below its root)."""
        message = _Message("xml", root=self.root, parsed=parsed)
        return _winner(self.candidates, message, f"root element {self.root}", self.scope)


def specificity(ref: MessageTypeRef, message: _Message) -> int | None:
    """How closely `ref` matches: +1 for the root QName, +1 for the discriminator; None: out."""
    score = 0
    if message.media == "xml":
        if ref.root is not None:
            if ref.root != message.root:
                return None
            score += 1
        elif ref.media != "xml":
            return None
    elif ref.media != "json":
        return None
    if ref.discriminator is not None:
        if message.value(ref.discriminator) != ref.discriminator.value:
            return None
        score += 1
        if ref.discriminator.match:  # KoSIT: every scenario whose match holds is a candidate
            score = 2
    return score


REMEMBERED = 1024
"""Roots and discriminator values a detector remembers the candidates of: the service keeps
its detectors, and the messages, not the registry, choose the keys."""


class Detector:
    """Detects message types against one store.

    It remembers the candidates of each root QName and discriminator value it has looked up,
    so a batch of messages costs one query per distinct kind: make one per command or request,
    not one per process (it does not see later submissions).
    """

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self._store = store
        self._settings = settings or Settings.defaults()
        self._by_root: LRUCache[str, list[MessageTypeRef]] = LRUCache(maxsize=REMEMBERED)
        self._by_values: LRUCache[tuple[tuple[str, str], ...], list[MessageTypeRef]] = LRUCache(
            maxsize=REMEMBERED
        )
        self._json_paths: list[str] | None = None

    def detect(
        self,
        content: bytes,
        among: Sequence[MessageTypeRef] | None = None,
        parsed: ParsedJson | None = None,
    ) -> MessageTypeRef:
        """The most specific registered message type of `content`.

        `among` restricts detection to those message types (e.g. one version's, when the caller
        named the interface): then a message type without root QName or discriminator matches
        any message of its media type, at the lowest specificity. `parsed`: a JSON message as
        validation's `parse_json` read it, so that detection need not parse it again. An XML
        message is parsed here only when a discriminator below its root decides.
        """
        found = self.examine(content, among, parsed)
        if isinstance(found, Undecided):
            limits = self._settings.validation
            return found.decide(
                parse_xml(
                    content, max_bytes=limits.max_message_bytes, max_depth=limits.max_xml_depth
                )
            )
        return found

    def examine(
        self,
        content: bytes,
        among: Sequence[MessageTypeRef] | None = None,
        parsed: ParsedJson | None = None,
    ) -> MessageTypeRef | Undecided:
        """`detect` without parsing an XML message: when a discriminator below its root
        decides, the `Undecided` choice, for the process that parses the message."""
        media = detect_media(content)
        scope = _scope(among)
        if media == "xml":
            head = root_start(content, self._settings)
            message = _Message(media, root=str(head.tag), head=head)
            candidates = list(among) if among is not None else self._xml_candidates(str(head.tag))
            try:
                return _winner(candidates, message, f"root element {message.root}", scope)
            except _NeedsTree:
                return Undecided(str(head.tag), tuple(candidates), scope)
        if media != "json":
            raise DetectionError("the message is neither XML nor JSON, so its type is unknown")
        message = _Message(media)
        if parsed is not None and parsed.document is not None:
            message.json, message.json_text = parsed.document.json, parsed.document.json_text
        else:  # what validation refuses may still say its type
            message.json = _json_document(content, self._settings)
        if among is not None:
            return _winner(among, message, "a JSON message", scope)
        candidates, sought = self._json_candidates(message)
        if not any(specificity(r, message) is not None for r in candidates):
            examples = self._json_examples(message.pointers)
            label = "JSON message types with discriminators at these paths include"
            raise DetectionError(_no_match(sought, scope, examples, message, label))
        return _winner(candidates, message, sought, scope)

    def other_versions(
        self, content: bytes, among: Sequence[MessageTypeRef]
    ) -> tuple[etree._Element, list[MessageTypeRef]] | None:
        """When an XML message's root is the root of none of `among` (the types of the version
        the caller named) but of other registered versions' types: its root start tag and
        those types, the versions the message was written for. None otherwise."""
        head = self._foreign_root(content, among)
        if head is None:
            return None
        root = str(head.tag)
        named = {r.version_iri for r in among}
        found = [r for r in self._xml_candidates(root) if r.version_iri not in named]
        return (head, found) if found else None

    def foreign_root(self, content: bytes, among: Sequence[MessageTypeRef]) -> bool:
        """Whether `other_versions` must look the message's root up in the store (it is an XML
        root none of `among` has); when not, it answers None without a store query."""
        return self._foreign_root(content, among) is not None

    def _foreign_root(
        self, content: bytes, among: Sequence[MessageTypeRef]
    ) -> etree._Element | None:
        """The root start tag of an XML message whose root none of `among` has, else None."""
        if not among or detect_media(content) != "xml":
            return None
        if any(r.root is None and r.media != "json" for r in among):
            return None  # a type without a root element takes any
        try:
            head = root_start(content, self._settings)
        except DetectionError:
            return None
        return None if any(r.root == str(head.tag) for r in among) else head

    def _xml_candidates(self, root: str) -> list[MessageTypeRef]:
        if root not in self._by_root:
            namespace, _, name = root[1:].partition("}") if root.startswith("{") else ("", "", root)
            if namespace:
                where = f"?mt nif:rootName {_lit(name)} ; nif:rootNamespace {_lit(namespace)} ."
            else:
                where = (
                    f"?mt nif:rootName {_lit(name)} . "
                    'FILTER NOT EXISTS { ?mt nif:rootNamespace ?rns FILTER(?rns != "") }'
                )
            self._by_root[root] = _active(select_message_types(self._store, where))
        return self._by_root[root]

    def _paths(self) -> list[str]:
        """Every discriminator path in the registry, to read from JSON messages.

        Few and distinct (usually one or two JSON Pointers plus the XPaths), found without
        joining to media types or versions, which would visit every message type. An XPath read
        as a pointer finds nothing; `specificity` checks the media type of what a path finds.
        """
        if self._json_paths is None:
            rows = self._store.select(
                f"{sparql_prefixes()}SELECT DISTINCT ?path WHERE {{ ?d nif:path ?path }}"
            )
            self._json_paths = sorted(str(r["path"]) for r in rows)
        return self._json_paths

    def _json_candidates(self, message: _Message) -> tuple[list[MessageTypeRef], str]:
        values = tuple(
            (path, value)
            for path in self._paths()
            if (value := json_pointer_value(message.json, path, message.json_text)) is not None
        )
        message.pointers = values
        if not values:
            pointers = [p for p in self._paths() if p.startswith("/") and ":" not in p]
            listed = ", ".join(pointers[:_LISTED]) + (", ..." if len(pointers) > _LISTED else "")
            where = f" (the registry's discriminators read {listed})" if pointers else ""
            return [], f"a JSON message with none of the discriminator values{where}"
        if values not in self._by_values:
            found: dict[str, MessageTypeRef] = {}
            for path, value in values:
                # the value first: it is the selective constant, and engines keep written order
                where = (
                    f"?jd nif:value {_lit(value)} ; nif:path {_lit(path)} . "
                    "?mt nif:discriminator ?jd ."
                )
                for ref in _active(select_message_types(self._store, where)):
                    found.setdefault(ref.iri, ref)
            self._by_values[values] = sorted(found.values(), key=lambda r: r.name)
        looked = ", ".join(f"{p} = {v!r}" for p, v in values)
        return self._by_values[values], f"a JSON message with {looked}"

    def _json_examples(self, values: tuple[tuple[str, str], ...]) -> list[MessageTypeRef]:
        """Some JSON message types whose discriminators read the paths the message has."""
        found: dict[str, MessageTypeRef] = {}
        for path, _ in values:
            first = f"""{{ SELECT ?mt WHERE {{
      ?jd nif:path {_lit(path)} . ?mt nif:discriminator ?jd .
      ?jversion nif:messageType ?mt .
      FILTER NOT EXISTS {{ ?jversion adms:status <{WITHDRAWN}> }}
    }} LIMIT {_LISTED} }}"""
            for ref in select_message_types(self._store, "", before=first):
                if ref.media == "json":
                    found.setdefault(ref.iri, ref)
        return sorted(found.values(), key=lambda r: r.name)[:_LISTED]


def _winner(
    candidates: Sequence[MessageTypeRef], message: _Message, sought: str, scope: str
) -> MessageTypeRef:
    """The one most specific candidate; `DetectionError` naming them when none or several
    match, `_NeedsTree` when that takes a parse the message does not have."""
    scored = [(s, r) for r in candidates if (s := specificity(r, message)) is not None]
    if not scored:
        raise DetectionError(_no_match(sought, scope, candidates, message))
    best = max(s for s, _ in scored)
    winners = [r for s, r in scored if s == best]
    if len(winners) > 1:
        raise DetectionError(
            f"{len(winners)} message types{scope} match {sought} equally, so nif cannot "
            f"choose: {_names(winners)}; name the interface (ID@VERSION) "
            "and the message type, or give them discriminators in the registry"
        )
    return winners[0]


def _active(refs: list[MessageTypeRef]) -> list[MessageTypeRef]:
    """Without the message types of Withdrawn versions (filtered here: the status is in each
    ref already, and a FILTER NOT EXISTS in the query doubles its cost)."""
    return [r for r in refs if r.status != WITHDRAWN]


def _lit(text: str) -> str:
    return Literal(text).n3()


def _scope(among: Sequence[MessageTypeRef] | None) -> str:
    if among is None:
        return ""
    versions = sorted({f"{r.interface}@{r.version}" for r in among})
    return f" of {', '.join(versions)}"


def _names(refs: Sequence[MessageTypeRef]) -> str:
    shown = ", ".join(r.name for r in refs[:_LISTED])
    more = len(refs) - _LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def _no_match(
    sought: str,
    scope: str,
    candidates: Sequence[MessageTypeRef],
    message: _Message,
    label: str = "candidates",
) -> str:
    if not candidates:
        return f"no registered message type{scope} matches {sought}"
    described = []
    for ref in candidates[:_LISTED]:
        if ref.discriminator is None:
            kind = f"root {ref.root}" if ref.root else (ref.media or "unknown media")
            described.append(f"{ref.name} ({kind})")
            continue
        found = message.value(ref.discriminator)
        needs = f"needs {ref.discriminator.path} = {ref.discriminator.value!r}"
        described.append(
            f"{ref.name} ({needs}, found {found!r})"
            if found is not None
            else f"{ref.name} ({needs}, found nothing)"
        )
    more = len(candidates) - _LISTED
    listing = "; ".join(described) + (f"; and {more} more" if more > 0 else "")
    return f"no registered message type{scope} matches {sought}; {label}: {listing}"
