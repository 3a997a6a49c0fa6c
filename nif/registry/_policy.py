"""The compatibility policy of an interface and what it decides about a new version.

The policy (`nif:compatibilityPolicy`, default by direction: what the provider receives stays
backward compatible, what it sends forward compatible) names the directions each message type
must keep, against the previous version or every earlier one (transitive). `unknown` never
counts as kept (fail closed). A new minor or patch version that breaks its policy is refused
(`refusal` says why); a new major version is stored and marked breaking.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence

from rdflib import Graph, Literal, Namespace, URIRef

from nif.compat import REQUIREMENTS, Answer, Comparison, Direction, MessageComparison, Requirement
from nif.errors import InputError
from nif.registry._compatibility import (
    TypeSide,
    VersionSide,
    compare_sides,
    order_key,
    pair_types,
)
from nif.registry._namespaces import NIF

POLICY = Namespace("https://w3id.org/nif/concept/compatibility-policy/")
POLICIES = (
    "by-direction",
    "by-direction-transitive",
    "backward",
    "backward-transitive",
    "forward",
    "forward-transitive",
    "full",
    "full-transitive",
    "none",
)
_CORE = re.compile(r"[-+]")


@dataclasses.dataclass(frozen=True)
class Policy:
    """An interface's compatibility policy; `open_content_counts=False` accepts a verdict
    that turns only on content a wildcard or an open object lets through."""

    name: str = "by-direction"
    open_content_counts: bool = True

    @property
    def iri(self) -> str:
        return str(POLICY[self.name])

    @property
    def transitive(self) -> bool:
        return self.name.endswith("-transitive")

    def required(self, direction: str | None) -> tuple[Direction, ...]:
        """The directions a message type of `direction` (request, response, notification)
        must keep; by direction, an unknown direction must keep both (fail closed)."""
        base = self.name.removesuffix("-transitive")
        if base != "by-direction":
            return REQUIREMENTS[base]
        if direction == "request":
            return ("backward",)
        if direction in ("response", "notification"):
            return ("forward",)
        return ("backward", "forward")


def read_policy(graph: Graph, interface_iri: str) -> Policy:
    """The policy the interface record states (the default when it states none)."""
    node = URIRef(interface_iri)
    stated = graph.value(node, NIF.compatibilityPolicy)
    name = "by-direction"
    if stated is not None:
        name = str(stated).removeprefix(str(POLICY))
        if name not in POLICIES or not str(stated).startswith(str(POLICY)):
            raise InputError(
                f"<{interface_iri}>: nif:compatibilityPolicy <{stated}> is not one of "
                + ", ".join(f"<{POLICY[p]}>" for p in POLICIES)
            )
    counts = graph.value(node, NIF.openContentCounts)
    open_counts = True
    if isinstance(counts, Literal):
        open_counts = counts.toPython() is not False and str(counts).lower() not in ("false", "0")
    return Policy(name, open_counts)


def major(version: str) -> str:
    """The major part of a version (a pre-release counts as its major.minor.patch)."""
    return _CORE.split(version, maxsplit=1)[0].split(".", 1)[0]


# judging against the policy


@dataclasses.dataclass(frozen=True)
class MessageVerdict:
    """One message type of the assessed version against one earlier version."""

    old: TypeSide | None
    new: TypeSide | None
    compared_with: VersionSide
    required: tuple[Direction, ...]
    comparison: MessageComparison
    met: bool


@dataclasses.dataclass(frozen=True)
class VersionAssessment:
    """A version against the earlier versions its policy compares it with."""

    interface: str
    interface_iri: str
    version: VersionSide
    policy: Policy
    compared: tuple[VersionSide, ...]
    comparisons: tuple[Comparison, ...]
    messages: tuple[MessageVerdict, ...]
    major: bool

    @property
    def breaking(self) -> bool:
        return not all(m.met for m in self.messages)

    def failing(self) -> list[MessageVerdict]:
        return [m for m in self.messages if not m.met]


def _requirement(directions: Sequence[Direction]) -> Requirement:
    if len(set(directions)) == 2:
        return "full"
    if not directions:
        return "none"
    return "backward" if directions[0] == "backward" else "forward"


def compared_versions(policy: Policy, versions: dict[str, VersionSide], version: str) -> list[str]:
    """The versions `version` is compared with: every earlier one (transitive) or the
    highest earlier one, oldest first."""
    earlier = sorted((v for v in versions if order_key(v) < order_key(version)), key=order_key)
    return earlier if policy.transitive else earlier[-1:]


def assess(
    interface: str,
    interface_iri: str,
    policy: Policy,
    versions: dict[str, VersionSide],
    version: str,
    time_limit: float | None = None,
) -> VersionAssessment | None:
    """`version` against the versions the policy names; None when it has no predecessor."""
    earlier = compared_versions(policy, versions, version)
    if not earlier:
        return None
    new = versions[version]
    messages: list[MessageVerdict] = []
    comparisons = []
    for number in earlier:
        old = versions[number]
        pairs, only_old, only_new = pair_types(old, new)
        comparison = compare_sides(interface, old, new, time_limit)
        comparisons.append(comparison)
        for (old_type, new_type), compared in zip(pairs, comparison.messages, strict=True):
            required = policy.required(new_type.direction)
            met = compared.meets(_requirement(required), open_content=policy.open_content_counts)
            messages.append(MessageVerdict(old_type, new_type, old, required, compared, met))
        for gone in only_old:
            messages.append(_one_side(gone, None, old, policy))
        for added in only_new:
            messages.append(_one_side(None, added, old, policy))
    previous = earlier[-1]
    return VersionAssessment(
        interface,
        interface_iri,
        new,
        policy,
        tuple(versions[v] for v in earlier),
        tuple(comparisons),
        tuple(messages),
        major(version) != major(previous),
    )


def _one_side(
    old: TypeSide | None, new: TypeSide | None, against: VersionSide, policy: Policy
) -> MessageVerdict:
    """A message type on one side only: a removed type breaks (its messages have nowhere to
    go) unless the policy is `none`; an added one breaks a policy that asks for forward
    compatibility (old receivers do not know it)."""
    side = new or old
    assert side is not None
    required = policy.required(side.direction)
    root = side.ref.root or "$"
    if new is None:
        gone = Answer("incompatible", reason=f"message type {side.name} is removed")
        keeps = Answer("compatible", reason=f"NEW sends no {side.name} message any more")
        compared = MessageComparison(root, gone, keeps, name=side.name)
        return MessageVerdict(old, None, against, required, compared, not required)
    keeps = Answer("compatible", reason=f"OLD had no {side.name} message to send")
    added = Answer("incompatible", reason=f"message type {side.name} is new: OLD lacks it")
    compared = MessageComparison(root, keeps, added, name=side.name)
    return MessageVerdict(None, new, against, required, compared, "forward" not in required)


def refusal(assessment: VersionAssessment) -> str:
    """Why a breaking minor or patch version is refused: versions, message types,
    directions, verdicts, reasons, changes and counterexamples."""
    previous = assessment.compared[-1].version
    lines = [
        f"{assessment.interface}@{assessment.version.version} is refused: as a minor or patch "
        f"version after {previous} it must meet the interface's compatibility policy "
        f"{assessment.policy.name!r}"
        + ("" if assessment.policy.open_content_counts else " (open content not counted)")
        + ", and it does not:"
    ]
    for verdict in assessment.failing():
        lines.extend(_failure(verdict))
    lines.append(
        "An 'unknown' verdict counts as a break (nif could not establish compatibility). "
        "Publish these changes as a new major version, or change the interface's "
        "nif:compatibilityPolicy."
    )
    return "\n".join(lines)


def _failure(verdict: MessageVerdict) -> Iterable[str]:
    side = verdict.new or verdict.old
    assert side is not None
    against = verdict.compared_with.version
    yield (
        f"- message type {side.name} ({side.direction or 'no direction'}) against {against}: "
        f"must stay {' and '.join(verdict.required)} compatible"
    )
    if verdict.new is None:
        yield f"  removed: message type {side.name} is not in the new version"
    elif verdict.old is None:
        yield f"  added: message type {side.name} is new, old receivers do not know it"
    for direction in verdict.required:
        answer = verdict.comparison.answer(direction)
        if answer.verdict == "compatible":
            continue
        yield f"  {direction}: {answer.verdict}" + (f": {answer.reason}" if answer.reason else "")
        if answer.counterexample:
            yield "  counterexample:"
            yield from ("    " + line for line in answer.counterexample.splitlines())
    for change in verdict.comparison.changes:
        if change.breaks != "none":
            where = f" (old: {change.old or '-'}; new: {change.new or '-'})"
            yield f"  change {change.kind}: {change.detail}, breaks {change.breaks}{where}"
