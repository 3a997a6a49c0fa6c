"""Withdrawing a record: it leaves the current registry (its graph and assessments dropped, its
open proposals closed), its history stays. An agency that still publishes interfaces stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nif.errors import RegistryError
from nif.registry._assessment import withdrawn_graphs
from nif.registry._history import RecordVersion, utc_now
from nif.registry._namespaces import sparql_prefixes
from nif.registry._preconditions import Precondition
from nif.registry._proposals import ProposalState
from nif.registry._records import RecordKind
from nif.registry._recovery import intent
from nif.registry._submission import authorise

if TYPE_CHECKING:
    from nif.registry._registry import Registry


def withdraw(
    registry: Registry,
    key: str,
    who: str,
    publisher: str | None,
    expected: Precondition | None = None,
) -> RecordVersion:
    """`Registry.withdraw`: remove the record `key` as `who` (a publisher: only its own), when
    it is what `expected` says (`_preconditions`)."""
    with registry._writing():
        with registry.history.audited(who, "withdraw", key):
            record = registry.read(key)
            authorise([record], publisher, registry._owners([record]))
            if expected is not None:
                expected.check(record.sha256(), key)
            if record.kind is RecordKind.AGENCY:
                users = registry.store.select(
                    sparql_prefixes()
                    + "SELECT DISTINCT ?id WHERE { GRAPH ?g { ?r dct:publisher "
                    + f"<{record.iri}> OPTIONAL {{ ?r dct:identifier ?id }} }}"
                    + " FILTER(?r = ?g) }"
                )
                if users:
                    names = ", ".join(sorted(str(r.get("id", "?")) for r in users))
                    raise RegistryError(
                        f"agency {record.identifier} still publishes {names}; "
                        "withdraw those interfaces first"
                    )
            entry = registry.history.pending(who, "withdraw", key, intent({record.iri: None}))
            try:
                registry.store.replace_graphs(
                    {record.iri: b"", **withdrawn_graphs(registry, record)}
                )
            finally:
                registry.changed()
            version = RecordVersion(
                record.iri, record.identifier, str(record.kind), "withdraw", who, utc_now(), None, 0
            )
            registry.history.add([version])
            registry.history.settle(entry)
            registry.proposals.close_open(record.iri, ProposalState.WITHDRAWN, who)
        registry.history.audit(who, "withdraw", key, "withdrawn", record.iri)
    return version
