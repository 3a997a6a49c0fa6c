"""Reading the registry for people and scripts: agencies, interfaces, versions, downloads.

The web API and pages call these functions; each takes a `Store` and answers with a few SPARQL
queries whatever the size of the registry (paging and counting happen in the store, details are
fetched for one page at a time, never one query per item). Literals are picked by language: the
requested one, else English, else one without a language, else any.

Records are found as the registry stores them: a record's subject is its graph's name. Virtuoso
does not join a graph variable with a subject inside it, so queries bind both and compare
(`GRAPH ?g { ?r ... } FILTER(?r = ?g)`), as `Registry` does. The result dataclasses live in
`nif.registry._catalogue_model`; they are imported here, so importers find them in this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from nif.errors import InputError, NotFoundError
from nif.registry._catalogue_model import (
    Agency,
    AgencySummary,
    Artefact,
    Contact,
    Download,
    Example,
    Interface,
    InterfaceSummary,
    InterfaceVersion,
    MessageType,
    Page,
    Part,
)
from nif.registry._namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    DIRECTION,
    FOAF,
    MEDIA,
    NIF,
    SKOS,
    SPDX,
    STATUS,
    TECHNIQUE,
    VCARD,
    XSD,
    sparql_prefixes,
)
from nif.store.base import Row, Store

STATUSES = {
    "Completed": "Completed",
    "UnderDevelopment": "Under development",
    "Deprecated": "Deprecated",
    "Withdrawn": "Withdrawn",
}
"""The ADMS statuses a version may have (local name of the concept), with English labels."""
MAX_LIMIT = 200
"""The largest page `interfaces` returns."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_IRI = re.compile(r"[^\s<>\"{}|\\^`]+")
_TECHNIQUE_PREFIXES = (str(TECHNIQUE), "https://w3id.org/nif/concept/representation-technique/")

# agencies


def agencies(store: Store, *, lang: str = "en") -> list[AgencySummary]:
    """Every agency, by name, with the number of interfaces each publishes (two queries)."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?p ?o WHERE {"
        " GRAPH ?g { ?r a org:Organization ; ?p ?o } FILTER(?r = ?g)"
        " FILTER(?p IN (dct:identifier, skos:prefLabel, foaf:name, foaf:homepage)) }"
    )
    counts = _interface_counts(store)
    found = [
        AgencySummary(
            iri,
            _text(props.get(DCTERMS.identifier), lang) or "",
            _agency_name(props, lang),
            _iri(props.get(FOAF.homepage)),
            counts.get(iri, 0),
        )
        for iri, props in _by_subject(rows).items()
    ]
    return sorted(found, key=lambda a: (a.name.casefold(), a.identifier))


def agency(
    store: Store, identifier: str, *, lang: str = "en", offset: int = 0, limit: int = 50
) -> Agency:
    """One agency by identifier, with its contact points and a page of its interfaces."""
    iri = agency_iri(store, identifier)
    if iri is None:
        raise NotFoundError(f"no agency with identifier {identifier!r} in the registry")
    graph = _read(store, iri)
    node = URIRef(iri)
    props = {p: list(graph.objects(node, p)) for p in (SKOS.prefLabel, FOAF.name, FOAF.homepage)}
    contacts = [
        Contact(
            _text(list(graph.objects(c, VCARD.fn)), lang),
            _mailto(_iri(list(graph.objects(c, VCARD.hasEmail)))),
            _text(list(graph.objects(c, VCARD.hasTelephone)), lang),
            _iri(list(graph.objects(c, VCARD.hasURL))),
        )
        for c in graph.objects(node, DCAT.contactPoint)
    ]
    return Agency(
        iri,
        identifier,
        _agency_name(props, lang),
        _iri(props[FOAF.homepage]),
        sorted(contacts, key=lambda c: (c.name or "", c.email or "")),
        interfaces(store, agency=identifier, lang=lang, offset=offset, limit=limit),
    )


# interfaces


def interfaces(
    store: Store,
    *,
    agency: str | None = None,
    status: str | None = None,
    text: str | None = None,
    offset: int = 0,
    limit: int = 50,
    lang: str = "en",
) -> Page[InterfaceSummary]:
    """A page of interfaces by identifier, filtered by agency identifier, status of the
    current version (an ADMS status name, see STATUSES) and text in the title, description
    or identifier (case-insensitive). Three queries: count, page, details of the page."""
    if offset < 0:
        raise InputError(f"offset must be 0 or more, got {offset}")
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    where = _interface_filter(agency, status, text)
    count = store.select(sparql_prefixes() + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    total = int(str(count[0]["n"])) if count and "n" in count[0] else 0
    if total == 0 and agency is not None and agency_iri(store, agency) is None:
        raise NotFoundError(f"no agency with identifier {agency!r} in the registry")
    rows = (
        store.select(
            sparql_prefixes() + f"SELECT ?r ?id WHERE {{ {where} }}"
            f" ORDER BY ?id ?r OFFSET {offset} LIMIT {limit}"
        )
        if offset < total
        else []
    )
    iris = [str(r["r"]) for r in rows]
    return Page(_summaries(store, iris, lang), total, offset, limit)


def interface(store: Store, identifier: str, *, lang: str = "en") -> Interface:
    """One interface by identifier, with its versions, message types, artefacts and examples
    (two queries: the record's graph and its agency)."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?a ?p ?o WHERE {"
        f" GRAPH ?g {{ ?r a dcat:DataService ; dct:identifier {Literal(identifier).n3()} }}"
        " FILTER(?r = ?g)"
        " OPTIONAL { ?r dct:publisher ?a . GRAPH ?ag { ?a ?p ?o } FILTER(?a = ?ag)"
        "   FILTER(?p IN (dct:identifier, skos:prefLabel, foaf:name)) } }"
    )
    if not rows:
        raise NotFoundError(f"no interface with identifier {identifier!r} in the registry")
    iri = str(rows[0]["r"])
    publisher = _by_subject([r | {"r": r["a"]} for r in rows if "a" in r and "p" in r])
    agency_props = next(iter(publisher.values()), {})
    graph = _read(store, iri)
    node = URIRef(iri)
    current = graph.value(node, DCAT.hasCurrentVersion)
    versions = sorted(
        (_version(graph, v, v == current, lang) for v in graph.objects(node, DCAT.hasVersion)),
        key=lambda v: _version_key(v.version),
        reverse=True,
    )
    now = next((v for v in versions if v.current), None)
    return Interface(
        iri,
        identifier,
        _text(list(graph.objects(node, DCTERMS.title)), lang) or identifier,
        _text(list(graph.objects(node, DCTERMS.description)), lang),
        _text(agency_props.get(DCTERMS.identifier), lang),
        _agency_name(agency_props, lang) if agency_props else None,
        _iri(list(graph.objects(node, DCAT.endpointURL))),
        _local(graph.value(node, NIF.transport)),
        now.status if now else None,
        now.status_label if now else None,
        now.version if now else None,
        versions,
    )


# downloads


def artefact(store: Store, sha256: str) -> Download:
    """A registered artefact, artefact part or example by its sha256, for serving its blob.

    Only files a current record registers are found: the blob store also holds record
    contents and history, which are not for download."""
    digest = sha256.strip().lower()
    if not _SHA256.fullmatch(digest):
        raise InputError(f"{sha256!r} is not a sha256 checksum (64 hexadecimal digits)")
    value = Literal(digest, datatype=XSD.hexBinary).n3()
    # Each branch starts from the checksum, so none is evaluated over the whole registry, and
    # stops at its first match: a shared standard's bytes may be registered thousands of times.
    # A branch's facts come from one graph, so a graph cannot describe another's files.
    found = f"?c spdx:checksumValue {value} . ?n spdx:checksum ?c ; dcat:downloadURL ?url ."
    branches = {
        "artefact": "?m nif:schema|nif:rules ?n OPTIONAL { ?n dcat:mediaType ?mt }",
        "standard": "?n a dct:Standard OPTIONAL { ?n dcat:mediaType ?mt }",
        "example": "?m nif:example ?n OPTIONAL { ?n dcat:mediaType ?mt }"
        " OPTIONAL { ?n dct:title ?title }",
        "part": "?a nif:part ?n OPTIONAL { ?a dcat:mediaType ?mt }",
    }
    union = " UNION ".join(
        f"{{ SELECT ?kind ?url ?mt ?title WHERE {{ GRAPH ?g {{ {found} {pattern} }}"
        f' BIND("{kind}" AS ?kind) }} LIMIT 1 }}'
        for kind, pattern in branches.items()
    )
    rows = store.select(sparql_prefixes() + f"SELECT ?kind ?url ?mt ?title WHERE {{ {union} }}")
    if not rows:
        raise NotFoundError(f"no registered artefact or example has sha256 {digest}")
    row = min(rows, key=lambda r: list(branches).index(str(r["kind"])))
    name = _file_name(str(row["url"]))
    if row["kind"] == Literal("example") and "title" in row:
        name = str(row["title"])
    kind = "artefact" if row["kind"] == Literal("standard") else str(row["kind"])
    return Download(
        digest, _media_type(row.get("mt")) or "application/octet-stream", name or digest, kind
    )


# helpers


def _interface_filter(agency: str | None, status: str | None, text: str | None) -> str:
    """The WHERE clause binding ?r (an interface record) and ?id under the filters."""
    inner = "?r a dcat:DataService ; dct:identifier ?id ."
    outer = ""
    if status is not None:
        if status not in STATUSES:
            allowed = ", ".join(STATUSES)
            raise InputError(f"status must be one of {allowed}, got {status!r}")
        inner += f" ?r dcat:hasCurrentVersion ?cur . ?cur adms:status <{STATUS[status]}> ."
    if agency is not None:
        inner += " ?r dct:publisher ?a ."
        outer += f" GRAPH ?ag {{ ?a dct:identifier {Literal(agency).n3()} }} FILTER(?a = ?ag)"
    if text is not None and text.strip():
        needle = Literal(text.strip().lower()).n3()
        inner += (
            " FILTER EXISTS { ?r dct:title|dct:description|dct:identifier ?t"
            f" FILTER(CONTAINS(LCASE(STR(?t)), {needle})) }}"
        )
    return f"GRAPH ?g {{ {inner} }} FILTER(?r = ?g) {outer}"


def _summaries(store: Store, iris: Sequence[str], lang: str) -> list[InterfaceSummary]:
    """The listed fields of these interfaces, their agencies and current versions, at once."""
    if not iris:
        return []
    # The VALUES sit in each branch (a store joins an outer VALUES with a UNION only after
    # evaluating the union over the whole registry), and the predicates are filtered, not
    # joined with VALUES (which makes Oxigraph scan every triple of those predicates). Each
    # fact comes from its record's own graph: the interface's, or its agency's.
    # (Virtuoso refuses a BIND after a graph FILTER in a union: the first branch binds ?r.)
    listed = " ".join(_ref(i) for i in iris)
    values = f"VALUES ?i {{ {listed} }}"
    rows = store.select(
        sparql_prefixes() + "SELECT ?r ?p ?o WHERE {"
        f" {{ VALUES ?r {{ {listed} }} GRAPH ?g {{ ?r ?p ?o }} FILTER(?g = ?r) }}"
        f" UNION {{ {values} GRAPH ?g {{ ?i dcat:hasCurrentVersion ?r . ?r ?p ?o }}"
        " FILTER(?g = ?i) }"
        f" UNION {{ {values} GRAPH ?g {{ ?i dct:publisher ?r }} FILTER(?g = ?i)"
        " GRAPH ?ag { ?r ?p ?o } FILTER(?ag = ?r) }"
        " FILTER(?p IN (dct:identifier, dct:title, dct:description, dct:publisher,"
        " dcat:hasCurrentVersion, skos:prefLabel, foaf:name, adms:status, dcat:version)) }"
    )
    subjects = _by_subject(rows)
    found = []
    for iri in iris:
        props = subjects.get(iri, {})
        identifier = _text(props.get(DCTERMS.identifier), lang) or ""
        publisher = _iri(props.get(DCTERMS.publisher))
        agency_props = subjects.get(publisher or "", {})
        current = subjects.get(_iri(props.get(DCAT.hasCurrentVersion)) or "", {})
        status = _local(_first(current.get(ADMS.status)))
        found.append(
            InterfaceSummary(
                iri,
                identifier,
                _text(props.get(DCTERMS.title), lang) or identifier,
                _text(props.get(DCTERMS.description), lang),
                _text(agency_props.get(DCTERMS.identifier), lang),
                _agency_name(agency_props, lang) if agency_props else None,
                status,
                STATUSES.get(status or ""),
                _text(current.get(DCAT.version), lang),
            )
        )
    return found


def _version(graph: Graph, node: Node, current: bool, lang: str) -> InterfaceVersion:
    status = _local(graph.value(node, ADMS.status))
    types = sorted(
        (_message_type(graph, m, lang) for m in graph.objects(node, NIF.messageType)),
        key=lambda m: (m.identifier, m.iri),
    )
    version = _text(list(graph.objects(node, DCAT.version)), lang) or _local(node) or str(node)
    return InterfaceVersion(
        str(node),
        version,
        _text(list(graph.objects(node, DCTERMS.title)), lang),
        status,
        STATUSES.get(status or ""),
        _text(list(graph.objects(node, ADMS.versionNotes)), lang),
        _iri(list(graph.objects(node, DCAT.endpointURL))),
        current,
        types,
    )


def _message_type(graph: Graph, node: Node, lang: str) -> MessageType:
    artefacts = [
        _artefact(graph, a, role, lang)
        for prop, role in ((NIF.schema, "schema"), (NIF.rules, "rules"))
        for a in graph.objects(node, prop)
    ]
    examples = [_example(graph, e, lang) for e in graph.objects(node, NIF.example)]
    identifier = _text(list(graph.objects(node, DCTERMS.identifier)), lang) or ""
    return MessageType(
        str(node),
        identifier,
        _text(list(graph.objects(node, DCTERMS.title)), lang),
        _local(graph.value(node, NIF.direction), str(DIRECTION)),
        _media_type(graph.value(node, DCAT.mediaType)),
        _text(list(graph.objects(node, NIF.rootNamespace)), lang),
        _text(list(graph.objects(node, NIF.rootName)), lang),
        sorted(artefacts, key=lambda a: (a.role, a.file_name or "", a.iri)),
        sorted(examples, key=lambda e: (e.expected != "valid", e.name, e.iri)),
    )


def _artefact(graph: Graph, node: Node, role: str, lang: str) -> Artefact:
    url = _iri(list(graph.objects(node, DCAT.downloadURL)))
    technique = graph.value(node, ADMS.representationTechnique)
    parts = [
        Part(str(u), _file_name(str(u)), _sha256(graph, p))
        for p in graph.objects(node, NIF.part)
        if (u := graph.value(p, DCAT.downloadURL)) is not None
    ]
    return Artefact(
        str(node),
        _text(list(graph.objects(node, DCTERMS.title)), lang),
        role,
        _local(technique, *_TECHNIQUE_PREFIXES) if technique is not None else None,
        _media_type(graph.value(node, DCAT.mediaType)),
        url,
        _file_name(url) if url else None,
        _sha256(graph, node),
        sorted(parts, key=lambda p: p.url),
    )


def _example(graph: Graph, node: Node, lang: str) -> Example:
    url = _iri(list(graph.objects(node, DCAT.downloadURL)))
    name = _file_name(url) if url else None
    verdict = graph.value(node, NIF.expectedVerdict)
    return Example(
        str(node),
        _text(list(graph.objects(node, DCTERMS.title)), lang) or name or str(node),
        str(verdict) if verdict is not None else None,
        _media_type(graph.value(node, DCAT.mediaType)),
        url,
        name,
        _sha256(graph, node),
    )


def _sha256(graph: Graph, node: Node) -> str | None:
    for checksum in graph.objects(node, SPDX.checksum):
        value = graph.value(checksum, SPDX.checksumValue)
        if value is not None and _SHA256.fullmatch(str(value).lower()):
            return str(value).lower()
    return None


def _interface_counts(store: Store) -> dict[str, int]:
    rows = store.select(
        sparql_prefixes() + "SELECT ?a (COUNT(DISTINCT ?r) AS ?n) WHERE {"
        " GRAPH ?g { ?r a dcat:DataService ; dct:publisher ?a } FILTER(?r = ?g) } GROUP BY ?a"
    )
    return {str(r["a"]): int(str(r["n"])) for r in rows if "a" in r and "n" in r}


def agency_iri(store: Store, identifier: str) -> str | None:
    """The IRI of the agency record with identifier `identifier`, None when there is none."""
    rows = store.select(
        sparql_prefixes() + "SELECT ?r WHERE {"
        f" GRAPH ?g {{ ?r a org:Organization ; dct:identifier {Literal(identifier).n3()} }}"
        " FILTER(?r = ?g) } LIMIT 1"
    )
    return str(rows[0]["r"]) if rows else None


def _read(store: Store, iri: str) -> Graph:
    graph = Graph()
    graph.parse(data=store.read_graph(iri), format="nt")
    return graph


def _by_subject(rows: Iterable[Row]) -> dict[str, dict[Node, list[Node]]]:
    """Rows of ?r ?p ?o as {subject: {predicate: [objects]}}, in first-seen order."""
    found: dict[str, dict[Node, list[Node]]] = {}
    for row in rows:
        props = found.setdefault(str(row["r"]), {})
        values = props.setdefault(row["p"], [])
        if row["o"] not in values:
            values.append(row["o"])
    return found


def _text(values: Sequence[Node] | None, lang: str) -> str | None:
    """The literal in `lang` (or its primary language: "de" for "de-CH", and the other way),
    else English, else without a language, else the first by text."""
    literals = sorted((v for v in values or () if isinstance(v, Literal)), key=str)
    wanted = lang.lower()
    for primary in (wanted, wanted.split("-")[0], "en", None):
        for value in literals:
            tag = value.language.lower() if value.language else None
            if tag == primary or (primary and tag and tag.split("-")[0] == primary):
                return str(value)
    return str(literals[0]) if literals else None


def _agency_name(props: dict[Node, list[Node]], lang: str) -> str:
    return (
        _text(props.get(SKOS.prefLabel), lang)
        or _text(props.get(FOAF.name), lang)
        or _text(props.get(DCTERMS.identifier), lang)
        or ""
    )


def _first(values: Sequence[Node] | None) -> Node | None:
    return sorted(values, key=str)[0] if values else None


def _iri(values: Sequence[Node] | None) -> str | None:
    iris = sorted(str(v) for v in values or () if isinstance(v, URIRef))
    return iris[0] if iris else None


def _local(node: Node | None, *prefixes: str) -> str | None:
    """A concept's name: the IRI after a known prefix, else after its last / or #."""
    if node is None:
        return None
    text = str(node)
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return re.split(r"[/#]", text.rstrip("/#"))[-1] or text


def _media_type(node: Node | None) -> str | None:
    if node is None:
        return None
    return str(node).removeprefix(str(MEDIA))


def _mailto(url: str | None) -> str | None:
    return url.removeprefix("mailto:") if url else None


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


def _version_key(version: str) -> tuple[tuple[int, object], ...]:
    """Order versions as numbers where they are numbers: 1.10.0 after 1.9.0."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+]", version))


def _ref(iri: str) -> str:
    """An IRI from the store, written into a query; anything that could break out is refused."""
    if not _IRI.fullmatch(iri):
        raise InputError(f"{iri!r} is not an IRI nif can query")
    return f"<{iri}>"
