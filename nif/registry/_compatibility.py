"""Compatibility between the versions of an interface: what is compared, and how.

Each message type of a version is paired with its counterpart in an earlier version (same
identifier; else same direction, media and root element or discriminator) and their pinned
schemas (an XSD, a JSON Schema, or the XSD of a KoSIT scenario) are compared by `nif.compat`
in both directions. What the interface's policy makes of the answers is `_policy`'s.

Comparisons are cached for the process by the two schema sets' content keys, so loading the
demo registry again, or resubmitting a record, compares nothing twice.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re

from rdflib import Graph, Namespace, URIRef

from nif.compat import (
    Change,
    Comparison,
    MessageComparison,
)
from nif.compat import compare_json as _compare_json
from nif.compat import compare_xsd as _compare_xsd
from nif.errors import ArtefactError, NifError, NotFoundError
from nif.registry._blobs import Blobs
from nif.registry._compare_worker import compare_isolated, unknown
from nif.registry._message_types import MessageTypeRef, select_message_types
from nif.registry._namespaces import DCAT, NIF
from nif.registry._profiles import artefacts_of, profile_from
from nif.registry._versions import version_key
from nif.store import Store
from nif.validate import (
    JSON_SCHEMA,
    KOSIT,
    XSD,
    ArtefactSet,
    CompiledCache,
    StepSpec,
    read_scenarios,
)

log = logging.getLogger("nif.registry")

VERDICT = Namespace("https://w3id.org/nif/concept/compatibility/")
_DIRECTION = "https://w3id.org/nif/concept/direction/"
_CORE = re.compile(r"[-+]")


@dataclasses.dataclass(frozen=True)
class TypeSide:
    """One message type of one version, as compared: its schema step (None, with `problem`
    saying why, when it has none nif can compare) and the checksums of its rules."""

    ref: MessageTypeRef
    direction: str | None
    schema: StepSpec | None
    problem: str | None
    rules: tuple[str, ...]
    fingerprint: tuple[object, ...]

    @property
    def name(self) -> str:
        return self.ref.message_type


@dataclasses.dataclass(frozen=True)
class VersionSide:
    """A version and its message types, read from one store and blob store."""

    iri: str
    version: str
    types: tuple[TypeSide, ...]

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return tuple(t.fingerprint for t in self.types)


def order_key(version: str) -> tuple[object, ...]:
    """Semantic version order with a pre-release before its release (3.0.0-beta.1 < 3.0.0)."""
    core = _CORE.split(version, maxsplit=1)[0]
    return (version_key(core), 1 if core == version else 0, version_key(version))


def version_numbers(graph: Graph, interface_iri: str) -> dict[str, str]:
    """version -> version IRI, as the interface record lists them (`dcat:hasVersion`)."""
    found = {}
    for node in graph.objects(URIRef(interface_iri), DCAT.hasVersion):
        number = graph.value(node, DCAT.version)
        if number is not None:
            found[str(number)] = str(node)
    return found


def read_versions(
    store: Store, graph: Graph, interface_iri: str, blobs: Blobs
) -> dict[str, VersionSide]:
    """Every version of the interface whose record `store` holds as graph `interface_iri`
    (its content is `graph`), with its message types' pinned schemas."""
    numbers = version_numbers(graph, interface_iri)
    if not numbers:
        return {}
    refs = select_message_types(
        store,
        f"{URIRef(interface_iri).n3()} dcat:hasVersion ?version . ?version nif:messageType ?mt .",
    )
    by_version: dict[str, list[TypeSide]] = {}
    for ref in refs:
        by_version.setdefault(ref.version_iri, []).append(_type_side(store, graph, ref, blobs))
    return {
        number: VersionSide(iri, number, tuple(by_version.get(iri, ())))
        for number, iri in numbers.items()
    }


def _type_side(store: Store, graph: Graph, ref: MessageTypeRef, blobs: Blobs) -> TypeSide:
    stated = graph.value(URIRef(ref.iri), NIF.direction)
    direction = str(stated).removeprefix(_DIRECTION) if stated is not None else None
    records = artefacts_of(store, ref)
    rules = tuple(
        sorted(
            pin.sha256 or pin.uri
            for a in records
            if a.role == "rules"
            for pin in ((a.main,) if a.main else ()) + a.parts
        )
    )
    schema: StepSpec | None = None
    problem: str | None = None
    try:
        steps = profile_from(ref, records, blobs).steps
        schema = next((s for s in steps if s.kind in (XSD, JSON_SCHEMA, KOSIT)), None)
        if schema is not None and schema.kind == KOSIT:
            schema, scenario_rules = _kosit_schema(schema)
            rules = tuple(sorted((*rules, *scenario_rules)))
        if schema is None:
            problem = f"{ref.name} has no XML Schema or JSON Schema to compare"
    except NifError as exc:
        problem = f"{ref.name}: its schema cannot be read: {exc}"
    disc = ref.discriminator
    fingerprint = (
        ref.message_type,
        direction,
        ref.media,
        ref.root,
        (disc.path, disc.value) if disc else None,
        schema.artefacts.key if schema else problem,
        schema.json_draft if schema else None,
        rules,
    )
    return TypeSide(ref, direction, schema, problem, rules, fingerprint)


def _kosit_schema(step: StepSpec) -> tuple[StepSpec, tuple[str, ...]]:
    """The XSD a KoSIT scenario validates with, as a step of its own, and the checksums of the
    scenario's Schematron rules (its stylesheets are rules: not compared)."""
    configuration = read_scenarios(step.artefacts)
    scenario = configuration.scenario(step.scenario or "")
    if not scenario.schemas:
        raise ArtefactError(f"KoSIT scenario {scenario.name!r} names no XML Schema")
    parts = step.artefacts.parts
    rules = tuple(
        parts[r.location].sha256 if r.location in parts else r.location
        for r in scenario.schematrons
    )
    schema = ArtefactSet(scenario.schemas[0].location, parts)
    return StepSpec(XSD, schema), rules


# pairing and comparing


def pair_types(
    old: VersionSide, new: VersionSide
) -> tuple[list[tuple[TypeSide, TypeSide]], list[TypeSide], list[TypeSide]]:
    """(pairs, only in OLD, only in NEW): by identifier, else by direction, media and root
    element or discriminator when exactly one unpaired OLD type matches."""
    olds = {t.name: t for t in old.types}
    pairs: list[tuple[TypeSide, TypeSide]] = []
    unpaired: list[TypeSide] = []
    for new_type in new.types:
        match = olds.pop(new_type.name, None)
        if match is None:
            unpaired.append(new_type)
        else:
            pairs.append((match, new_type))
    only_new = []
    for new_type in unpaired:
        candidates = [t for t in olds.values() if _alike(t, new_type)]
        if len(candidates) == 1:
            pairs.append((candidates[0], new_type))
            del olds[candidates[0].name]
        else:
            only_new.append(new_type)
    return pairs, sorted(olds.values(), key=lambda t: t.name), only_new


def _alike(old: TypeSide, new: TypeSide) -> bool:
    if (old.direction, old.ref.media) != (new.direction, new.ref.media):
        return False
    if old.ref.root is not None or new.ref.root is not None:
        return old.ref.root == new.ref.root
    old_d, new_d = old.ref.discriminator, new.ref.discriminator
    return (
        old_d is not None
        and new_d is not None
        and (old_d.path, old_d.value)
        == (
            new_d.path,
            new_d.value,
        )
    )


_cache = CompiledCache(size=512)
"""Message comparisons by the two schema sets' content keys, roots, drafts and rules."""


def compare_types(
    old: TypeSide, new: TypeSide, time_limit: float | None = None
) -> MessageComparison:
    """Both directions for one pair of message types, named after the NEW type; a comparison
    that ran out of `time_limit` is not kept (the machine may only have been busy)."""
    key = hashlib.sha256(repr((old.fingerprint[2:], new.fingerprint[2:])).encode()).hexdigest()
    root = new.ref.root or old.ref.root or "$"
    found = _cache.get(
        key, lambda: compare_isolated(_compare, (old, new, time_limit), root, time_limit)
    )
    if _timed_out(found):
        _cache.discard(key)
    return dataclasses.replace(found, name=new.name)


def _timed_out(compared: MessageComparison) -> bool:
    return any("time limit" in (a.reason or "") for a in (compared.backward, compared.forward))


def _compare(old: TypeSide, new: TypeSide, time_limit: float | None) -> MessageComparison:
    root = new.ref.root or old.ref.root or "$"
    if old.schema is None or new.schema is None:
        return unknown(root, old.problem or new.problem or "no schema to compare")
    if old.schema.kind != new.schema.kind:
        return unknown(root, f"OLD is {old.schema.kind}, NEW {new.schema.kind}: not compared")
    try:
        if new.schema.kind == XSD:
            compared = _compare_roots(old, new, root, time_limit)
        else:
            if old.schema.json_draft != new.schema.json_draft:
                return unknown(
                    root,
                    f"OLD follows JSON Schema draft {old.schema.json_draft or '(none)'}, NEW "
                    f"{new.schema.json_draft or '(none)'} (dct:conformsTo): not compared",
                )
            comparison = _compare_json(
                old.schema.artefacts,
                new.schema.artefacts,
                draft=new.schema.json_draft,
                time_limit=time_limit,
            )
            compared = comparison.messages[0]
    except NifError as exc:
        return unknown(root, f"the schemas could not be compared: {exc}")
    except Exception:  # a failure of the comparison is no answer: unknown, never a wrong one
        log.exception("comparing %s with %s failed", old.ref.name, new.ref.name)
        reason = "the comparison failed unexpectedly (the service log has the details)"
        return unknown(root, reason)
    return _with_rules(compared, old, new)


def _compare_roots(
    old: TypeSide, new: TypeSide, root: str, time_limit: float | None
) -> MessageComparison:
    assert old.schema is not None and new.schema is not None
    old_root, new_root = old.ref.root, new.ref.root
    if old_root is None or new_root is None:
        return unknown(root, "the message type names no root element (nif:rootName)")
    roots: list[object] = [new_root] if old_root == new_root else [(old_root, new_root)]
    comparison = _compare_xsd(
        old.schema.artefacts,
        new.schema.artefacts,
        roots,  # type: ignore[arg-type]
        time_limit=time_limit,
    )
    if not comparison.messages:
        return unknown(root, f"the schemas do not both declare {root}")
    return comparison.messages[0]


def _with_rules(compared: MessageComparison, old: TypeSide, new: TypeSide) -> MessageComparison:
    """The verdicts are the schemas' (issue 14 compares schemas); rules (Schematron) are not
    compared, so when they differ the change list says so, for the people reading it."""
    if old.rules == new.rules:
        return compared
    change = Change(
        "rules-changed",
        "the Schematron rules differ between the versions; the verdicts compare the schemas "
        "only, not the rules",
        "both" if old.rules and new.rules else "backward" if new.rules else "forward",
    )
    return dataclasses.replace(compared, changes=(*compared.changes, change))


def compare_sides(
    interface: str, old: VersionSide, new: VersionSide, time_limit: float | None = None
) -> Comparison:
    """Every message type of NEW against its counterpart in OLD; the others listed apart.
    `time_limit` bounds each pair's comparison (`registry.compatibility_time_limit`)."""
    pairs, only_old, only_new = pair_types(old, new)
    return Comparison(
        tuple(compare_types(o, n, time_limit) for o, n in pairs),
        f"{interface}@{old.version}",
        f"{interface}@{new.version}",
        tuple(t.name for t in only_old),
        tuple(t.name for t in only_new),
    )


def find_version(versions: dict[str, VersionSide], interface: str, version: str) -> VersionSide:
    if version not in versions:
        known = ", ".join(sorted(versions, key=order_key)) or "none"
        raise NotFoundError(f"interface {interface} has no version {version} (versions: {known})")
    return versions[version]
