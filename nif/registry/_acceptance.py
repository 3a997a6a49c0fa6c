"""Submission checks: what a record pins must work before it is stored.

After pinning and the shapes, every message type of a submitted interface record is checked
(`_acceptance_checks`): each schema and rule artefact compiles with the engine validation will
use (XSD 1.0 or 1.1, Schematron, JSON Schema, a KoSIT configuration), and every example message
(`nif:example`) gets its `nif:expectedVerdict` and raises each of its `nif:expectedRule`s. A
message type whose artefacts and examples are as the stored record has them is not checked
again. `Registry.submit` refuses the whole submission (`SubmissionCheckError`, 422) naming each
failure; a folder load refuses the failing records and reports them.

The checks run agencies' schemas and rules, so they run in a worker process that can be killed
(`_kept_worker`), one message type at a time, each with a time limit (`step_timeout` per step
and example); a check that overruns or cannot run is a failure (fail closed).
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, URIRef
from rdflib.term import Node

from nif.errors import SubmissionCheckError
from nif.registry._acceptance_checks import Check, CheckFailure, Example, check_in_worker
from nif.registry._blobs import BlobStore
from nif.registry._kept_worker import KeptWorker
from nif.registry._message_types import select_message_types
from nif.registry._namespaces import DCAT, DCTERMS, NIF, SPDX
from nif.registry._profiles import artefacts_of
from nif.registry._records import Record, RecordKind, from_ntriples
from nif.registry._shacl import ShaclReport, ShaclResult
from nif.settings import Settings
from nif.store import DumpFormat, EmbeddedStore
from nif.validate import step_limit
from nif.validate import worker_settings as isolated_settings

if TYPE_CHECKING:
    from nif.registry._registry import Registry

log = logging.getLogger("nif.registry")

_CONSTRAINTS = {"example": NIF.expectedVerdict, "artefact": NIF.schema, "check": NIF.messageType}
"""What a folder load's report names as the constraint a failed check of each kind broke."""
UNLIMITED = 3600.0
"""Seconds a step may take when `step_timeout` is `0` (no limit): an hour, then it is killed."""


def check_submission(
    registry: Registry, records: Sequence[Record], staging: BlobStore, shown: str
) -> None:
    """Raise `SubmissionCheckError` naming every failed check of `records` (see the module)."""
    failures = [f for found in failures_of(registry, records, staging).values() for f in found]
    if failures:
        listed = "\n".join(f"- {f.text()}" for f in failures)
        raise SubmissionCheckError(
            f"{shown}: refused, {len(failures)} submission check(s) failed; nothing was "
            f"stored:\n{listed}",
            failures,
        )


def failures_of(
    registry: Registry, records: Sequence[Record], staging: BlobStore
) -> dict[str, list[CheckFailure]]:
    """The failed checks of each interface record (by graph IRI) that has any."""
    interfaces = [r for r in records if r.kind is RecordKind.INTERFACE]
    stored = set(_checks([s for r in interfaces if (s := _stored(registry, r)) is not None]))
    found: dict[str, list[CheckFailure]] = {}
    seen: set[tuple[str, str, str]] = set()  # an artefact two message types share fails once
    for item in _checks(interfaces):
        if item in stored:
            continue
        for failure in run_check(item, staging.root, registry.settings):
            if (key := (failure.kind, failure.subject, failure.message)) not in seen:
                seen.add(key)
                found.setdefault(item.ref.interface_iri, []).append(failure)
    return found


def failures_report(failures: dict[str, list[CheckFailure]]) -> ShaclReport:
    """The failed checks of a folder load as violations, one per failure, on its record."""
    from nif.registry._ownership import report_of

    return report_of(
        [
            ShaclResult("violation", iri, "", f.text(), constraint=str(_CONSTRAINTS[f.kind]))
            for iri, found in failures.items()
            for f in found
        ]
    )


def _stored(registry: Registry, record: Record) -> Record | None:
    """The stored version of `record`, if there is one."""
    content = registry.store.read_graph(record.iri)
    return from_ntriples(record.iri, content) if content.strip() else None


def _checks(records: Sequence[Record]) -> list[Check]:
    """The checks of every message type of `records`, read as the registry will read them."""
    if not records:
        return []
    from nif.registry._bulk import nquads

    with EmbeddedStore(None) as pending:
        pending.load(nquads({r.iri: r.ntriples() for r in records}), DumpFormat.NQUADS)
        graphs = {r.iri: r.graph for r in records}
        return [
            Check(ref, artefacts_of(pending, ref), _examples(graphs[ref.interface_iri], ref.iri))
            for ref in select_message_types(pending, "")
            if ref.interface_iri in graphs
        ]


def _examples(graph: Graph, message_type: str) -> tuple[Example, ...]:
    """The examples of a message type as its record declares them."""
    found = []
    for node in graph.objects(URIRef(message_type), NIF.example):
        sums = [
            str(value)
            for checksum in graph.objects(node, SPDX.checksum)
            for value in graph.objects(checksum, SPDX.checksumValue)
        ]
        found.append(
            Example(
                iri=str(node),
                title=_text(graph, node, DCTERMS.title) or str(node),
                url=_text(graph, node, DCAT.downloadURL) or str(node),
                sha256=min(sums).lower() if sums else None,
                expected=_text(graph, node, NIF.expectedVerdict),
                rules=tuple(sorted({str(r) for r in graph.objects(node, NIF.expectedRule)})),
            )
        )
    return tuple(sorted(found, key=lambda e: e.iri))


def _text(graph: Graph, node: Node, prop: URIRef) -> str | None:
    values = sorted(str(v) for v in graph.objects(node, prop))
    return values[0] if values else None


def limit_of(item: Check, settings: Settings) -> float:
    """Seconds the checks of `item` may take: each artefact compiled and each example checked
    at `step_timeout` per step, plus `step_limit`'s margin."""
    step = settings.validation.step_timeout or UNLIMITED
    return step * max(1, len(item.artefacts)) * (1 + len(item.examples)) + step_limit(settings)


def _unchecked(item: Check, reason: str) -> CheckFailure:
    return CheckFailure("check", item.ref.name, item.ref.iri, None, None, reason)


worker = KeptWorker("acceptance")
"""The process's submission check worker."""
atexit.register(worker.close)


def run_check(item: Check, staging: Path, settings: Settings) -> list[CheckFailure]:
    """The failures of `item`, checked in the worker; one failure saying why when the check
    overran or could not run (fail closed)."""
    limit = limit_of(item, settings)
    outcome = worker.call(check_in_worker, (item, staging, isolated_settings(settings)), limit)
    if outcome.done and isinstance(outcome.value, list):
        return outcome.value
    if outcome.overran:
        return [
            _unchecked(
                item,
                f"the checks ran past their time limit of {limit:g} s and were stopped "
                "(a schema or rule set too costly to compile or run?)",
            )
        ]
    return [_unchecked(item, f"the checks could not run: {outcome.reason}")]
