"""Message-type lookup: which registered message types an interface, version and type name.

`MessageTypeRef` is what detection matches on and reports name; `resolve_message_types` turns
`--interface ID[@VERSION] [--message-type T]` into refs, `select_message_types` reads the refs
any pattern admits in one query. Every fact is read from the interface's own graph.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping

from rdflib import Literal, URIRef

from nif.errors import NotFoundError, UsageError
from nif.registry._namespaces import DCAT, NIF, STATUS, sparql_prefixes
from nif.registry._versions import version_key
from nif.store import Row, Store

WITHDRAWN = str(STATUS.Withdrawn)
_ENDING = {str(STATUS.Deprecated), WITHDRAWN}
"""Statuses whose versions have a successor: the interface's current version, unless named."""


@dataclasses.dataclass(frozen=True)
class Discriminator:
    """An XPath 1.0 (XML) or JSON Pointer (JSON) path and the string value it must have.

    `namespaces` are the XPath prefix bindings (`sh:declare`), as sorted (prefix, URI) pairs.
    `match`: a KoSIT scenario's match (an XPath 2.0 test, value "true"), which holds when its
    effective boolean value is true, as the KoSIT validator reads it.
    """

    path: str
    value: str
    namespaces: tuple[tuple[str, str], ...] = ()
    match: bool = False


@dataclasses.dataclass(frozen=True)
class MessageTypeRef:
    """One registered message type: what detection matches on and what reports name.

    Its artefacts are not here: `build_profile` reads them for the one message type chosen.
    """

    interface: str
    version: str
    message_type: str
    interface_iri: str
    version_iri: str
    iri: str
    status: str | None = None
    """The version's `adms:status` IRI."""
    end_date: str | None = None
    """The version's end of life (`dct:temporal`/`dcat:endDate`, `YYYY-MM-DD`), if it has one."""
    successor: str | None = None
    """The version that replaces it (`dct:isReplacedBy`, else the interface's current version
    when this one is deprecated, withdrawn or ends), as a version string."""
    media: str | None = None
    root_namespace: str | None = None
    root_name: str | None = None
    discriminator: Discriminator | None = None
    phase: str | None = None
    scenario: str | None = None
    """The KoSIT scenario its configuration (its schema) validates it with."""

    @property
    def name(self) -> str:
        """`interface@version/message-type`, the profile name reports carry."""
        return f"{self.interface}@{self.version}/{self.message_type}"

    @property
    def status_name(self) -> str | None:
        """The status's local name (`Completed`, `Deprecated`...)."""
        return self.status.rsplit("/", 1)[-1] if self.status else None

    @property
    def context(self) -> dict[str, str]:
        """What a report says it was validated against: the version, its status and, where
        known, its end of life and successor."""
        facts = {
            "interface": self.interface,
            "version": self.version,
            "message_type": self.message_type,
            "status": self.status_name,
            "end_date": self.end_date,
            "successor": self.successor,
        }
        return {key: value for key, value in facts.items() if value}

    @property
    def root(self) -> str | None:
        """The root element in Clark notation (`{namespace}name`), None for JSON."""
        if self.root_name is None:
            return None
        return (
            f"{{{self.root_namespace}}}{self.root_name}" if self.root_namespace else self.root_name
        )


def split_interface(argument: str) -> tuple[str, str | None]:
    """`ID@VERSION` -> (ID, VERSION); `ID` -> (ID, None)."""
    identifier, sep, version = argument.partition("@")
    if not identifier or (sep and not version):
        raise UsageError(f"interface {argument!r}: expected ID or ID@VERSION")
    return identifier, version or None


def message_types_query(pattern: str, *, before: str = "") -> str:
    """A SELECT for the message types `pattern` admits, one row per fact `_refs` assembles.

    `pattern` binds ?mt from constants, most selective first (e.g. `?mt nif:rootName "X"`),
    and may filter on ?version; `before` is joined outside the graph (a subquery binding ?mt).
    Every fact is read from the interface's own graph (`GRAPH ?g`, ?g the interface record),
    so statements another graph makes about its nodes cannot change its message types. Each
    UNION branch repeats the pattern and is a plain join of triple patterns, without OPTIONAL:
    engines evaluate a nested optional group, an OPTIONAL in a graph pattern or a VALUES block
    for the whole store before joining (Oxigraph does), which costs 0.1-1 s on 10,000
    interfaces where these branches cost a millisecond. Facts a message type may lack are
    branches of their own ("status", "end", "successor", "current", "fact").
    """
    core = f"""{pattern}
    ?version nif:messageType ?mt .
    ?interface dcat:hasVersion ?version ."""

    def branch(row: str, body: str) -> str:
        # Virtuoso does not join a graph variable with a subject inside it (so ?g is compared
        # apart), and refuses a BIND between that FILTER and a UNION (so ?row is bound first).
        return (
            f'{{ BIND("{row}" AS ?row) {before} GRAPH ?g {{ {core} {body} }}'
            " FILTER(?interface = ?g) }"
        )

    head = branch(
        "head",
        """
    ?interface dct:identifier ?iid .
    ?version dcat:version ?ver .
    ?mt dct:identifier ?mtid .""",
    )
    status = branch("status", "?version adms:status ?status .")
    end = branch("end", "?version dct:temporal ?period . ?period dcat:endDate ?end .")
    successor = branch(
        "successor", "?version dct:isReplacedBy ?next . ?next dcat:version ?nextver ."
    )
    current = branch(
        "current", "?interface dcat:hasCurrentVersion ?next . ?next dcat:version ?nextver ."
    )
    fact = branch(
        "fact",
        "?mt ?fp ?fv . FILTER(?fp IN"
        " (dcat:mediaType, nif:rootNamespace, nif:rootName, nif:schematronPhase,"
        " nif:kositScenario))",
    )
    discriminator = branch(
        "discriminator",
        """
    ?mt nif:discriminator ?d .
    ?d nif:path ?dpath ; nif:value ?dvalue .""",
    )
    declare = branch(
        "declare",
        """
    ?mt nif:discriminator ?d .
    ?d sh:declare ?decl .
    ?decl sh:prefix ?prefix ; sh:namespace ?nsUri .""",
    )
    return f"""{sparql_prefixes()}
SELECT ?mt ?row ?iid ?interface ?version ?ver ?mtid ?status ?end ?nextver ?fp ?fv
       ?d ?dpath ?dvalue ?decl ?prefix ?nsUri
WHERE {{
  {head} UNION {status} UNION {end} UNION {successor} UNION {current} UNION {fact}
  UNION {discriminator} UNION {declare}
}}"""


def _media(media: str | None, root_name: str | None) -> str | None:
    """'xml' or 'json' from the media type IRI (`.../json`, `...+json`), else from the root."""
    if media:
        tail = media.rstrip("/").rsplit("/", 1)[-1].lower()
        if tail == "json" or tail.endswith("+json"):
            return "json"
        if tail == "xml" or tail.endswith("+xml"):
            return "xml"
    return "xml" if root_name else None


def first(rows: list[Row], name: str) -> str | None:
    """The smallest value of `name` over `rows` (one when the record is well-formed)."""
    values = sorted(str(r[name]) for r in rows if name in r)
    return values[0] if values else None


def _discriminator(rows: list[Row], declares: list[Row], match: bool) -> Discriminator | None:
    """The first discriminator (by path) with the prefixes that same node declares; `match`:
    it is a KoSIT scenario's match."""
    if not rows:
        return None
    row = min(rows, key=lambda r: (str(r["dpath"]), str(r["dvalue"]), str(r["d"])))
    namespaces = sorted(
        {(str(r["prefix"]), str(r["nsUri"])) for r in declares if r["d"] == row["d"]}
    )
    return Discriminator(str(row["dpath"]), str(row["dvalue"]), tuple(namespaces), match)


def _refs(rows: list[Row]) -> list[MessageTypeRef]:
    """Rows of `message_types_query` grouped into refs (a message type as one interface's
    graph states it), ordered by name."""
    grouped: dict[tuple[str, str], dict[str, list[Row]]] = {}
    for row in rows:
        key = (str(row["mt"]), str(row["interface"]))
        grouped.setdefault(key, {}).setdefault(str(row["row"]), []).append(row)
    refs = []
    for (iri, _), kinds in grouped.items():
        heads = kinds.get("head")
        if not heads:
            continue
        facts: dict[str, list[Row]] = {}
        for row in kinds.get("fact", []):
            facts.setdefault(str(row["fp"]), []).append(row)

        def fact(prop: URIRef, facts: dict[str, list[Row]] = facts) -> str | None:
            return first(facts.get(str(prop), []), "fv")

        root_name = fact(NIF.rootName)
        scenario = fact(NIF.kositScenario)
        version = first(heads, "ver") or ""
        status = first(kinds.get("status", []), "status")
        end_date = first(kinds.get("end", []), "end")
        refs.append(
            MessageTypeRef(
                interface=first(heads, "iid") or "",
                version=version,
                message_type=first(heads, "mtid") or "",
                interface_iri=first(heads, "interface") or "",
                version_iri=first(heads, "version") or "",
                iri=iri,
                status=status,
                end_date=end_date[:10] if end_date else None,
                successor=_successor(kinds, version, status, end_date),
                media=_media(fact(DCAT.mediaType), root_name),
                root_namespace=fact(NIF.rootNamespace) or None,
                root_name=root_name,
                discriminator=_discriminator(
                    kinds.get("discriminator", []), kinds.get("declare", []), scenario is not None
                ),
                phase=fact(NIF.schematronPhase),
                scenario=scenario,
            )
        )
    return sorted(refs, key=lambda r: (r.interface, version_key(r.version), r.message_type))


def _successor(
    kinds: dict[str, list[Row]], version: str, status: str | None, end_date: str | None
) -> str | None:
    """The version `dct:isReplacedBy` names; else, for a version that is deprecated, withdrawn
    or ends, the interface's current version when that is another one."""
    named = first(kinds.get("successor", []), "nextver")
    if named is not None:
        return named
    if status not in _ENDING and end_date is None:
        return None
    current = first(kinds.get("current", []), "nextver")
    return current if current != version else None


def select_message_types(store: Store, pattern: str, *, before: str = "") -> list[MessageTypeRef]:
    """The message types `pattern` admits (see `message_types_query`), in one query."""
    return _refs(store.select(message_types_query(pattern, before=before)))


def resolve_message_types(
    store: Store, interface: str, version: str | None = None, message_type: str | None = None
) -> list[MessageTypeRef]:
    """The message types `--interface ID[@VERSION] [--message-type T]` names.

    One ref when the message type is named or the version has only one; several when detection
    must choose among the version's message types. Without a version, the interface's
    `dcat:hasCurrentVersion`. Raises `NotFoundError` saying what exists instead.
    """
    version_iri, version = pick_version(store, interface, version)
    refs = select_message_types(store, f"{URIRef(version_iri).n3()} nif:messageType ?mt .")
    if not refs:
        raise NotFoundError(f"{interface}@{version} has no message types")
    if message_type is None:
        return refs
    chosen = [r for r in refs if r.message_type == message_type]
    if not chosen:
        known = ", ".join(r.message_type for r in refs)
        raise NotFoundError(
            f"{interface}@{version} has no message type {message_type!r} (message types: {known})"
        )
    return chosen


def pick_version(store: Store, interface: str, version: str | None) -> tuple[str, str]:
    """(IRI, version) of `interface`@`version`, or of its current version when None, as the
    interface's own graph states them; `NotFoundError` saying which versions there are.

    The current version comes from a UNION branch, not an OPTIONAL: Virtuoso drops the rows
    of an unmatched OPTIONAL on the variable a graph FILTER compares."""
    identifier = Literal(interface).n3()
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT ?version ?ver ?current WHERE {{
  {{ GRAPH ?g {{ ?interface dct:identifier {identifier} ; dcat:hasVersion ?version .
      ?version dcat:version ?ver . }} FILTER(?interface = ?g) }}
  UNION
  {{ GRAPH ?g {{ ?interface dct:identifier {identifier} ; dcat:hasCurrentVersion ?current }}
     FILTER(?interface = ?g) }}
}}"""
    )
    if not any("ver" in r for r in rows):
        if store.ask(
            f"""{sparql_prefixes()}
ASK {{ ?i dct:identifier {identifier} ; a dcat:DataService .
  FILTER NOT EXISTS {{ ?i a nif:InterfaceVersion }} }}"""
        ):
            raise NotFoundError(f"interface {interface} has no versions")
        raise NotFoundError(
            f"no interface {interface!r} in the registry{_suggest(store, interface)}"
        )
    versions = {str(r["ver"]): str(r["version"]) for r in rows if "ver" in r}
    current = {str(r["current"]) for r in rows if "current" in r}
    if version is not None:
        if version in versions:
            return versions[version], version
        raise NotFoundError(
            f"interface {interface} has no version {version} "
            f"(versions: {_listing(versions, current)})"
        )
    named = sorted((v for v, iri in versions.items() if iri in current), key=version_key)
    if len(named) == 1:
        return versions[named[0]], named[0]
    reason = "declares no current version" if not named else "declares several current versions"
    raise NotFoundError(
        f"interface {interface} {reason}: name one as {interface}@VERSION "
        f"(versions: {_listing(versions, current)})"
    )


def _listing(versions: Mapping[str, str], current: set[str]) -> str:
    return ", ".join(
        f"{v} (current)" if versions[v] in current else v for v in sorted(versions, key=version_key)
    )


def _suggest(store: Store, interface: str) -> str:
    """`; did you mean ...` among the interfaces whose identifier starts like `interface`.

    Only on this error path; the prefix keeps it quick on 10,000 interfaces.
    """
    rows = store.select(
        f"""{sparql_prefixes()}
SELECT DISTINCT ?id WHERE {{
  ?i dct:identifier ?id . FILTER(STRSTARTS(?id, {Literal(interface[:3]).n3()}))
  ?i dcat:hasVersion ?v .
}}"""
    )
    close = difflib.get_close_matches(interface, [str(r["id"]) for r in rows], n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""
