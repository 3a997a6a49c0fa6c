"""Content models as finite automata, and language inclusion with a shortest counterexample.

Inclusion is decided on child *names*: whether every child sequence OLD accepts is accepted by
NEW. Names are split into a finite alphabet (the names either side uses, plus one "other name
in namespace X" class per namespace mentioned and one for every unmentioned namespace) so that
wildcards become ordinary symbols. The BFS over the product of the two determinised automata
yields a shortest witness. Whatever cannot be decided exactly comes back as `unknown`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from nif.compat._content import (
    All,
    Choice,
    Element,
    Leaf,
    Sequence,
    Term,
    UnsupportedModel,
    Wildcard,
    namespace_of,
)

__all__ = [
    "Automaton",
    "Inclusion",
    "OtherName",
    "Symbol",
    "build_automaton",
    "language_included",
]

MAX_STATES = 50_000
MAX_PAIRS = 200_000
MAX_ALL_PARTICLES = 12
_OTHER_NAMESPACE = "urn:nif:compat:other"
_RANK = {"skip": 0, "lax": 1, "strict": 2}


@dataclass(frozen=True)
class OtherName:
    """Any element name not used by either model, in `namespace` (None: an unmentioned one)."""

    namespace: str | None
    excluded: frozenset[str] = field(default=frozenset(), compare=False)

    def example(self) -> str:
        """A concrete Clark name of this class, for building a counterexample document."""
        namespace = self.namespace
        if namespace is None:
            mentioned = {namespace_of(n) for n in self.excluded}
            namespace = _OTHER_NAMESPACE
            suffix = 0
            while namespace in mentioned:
                suffix += 1
                namespace = f"{_OTHER_NAMESPACE}{suffix}"
        prefix = f"{{{namespace}}}" if namespace else ""
        local, suffix = "nifOther", 0
        while prefix + local in self.excluded:
            suffix += 1
            local = f"nifOther{suffix}"
        return prefix + local


Symbol = str | OtherName


@dataclass(frozen=True)
class Inclusion:
    """`included` None means unknown (see `reason`); `witness` is set only when it is False
    (then `bindings` still covers the whole product, for the caller to walk on).

    The answer is about child *names* only. `bindings` holds every (old particle, new particle)
    pair the product walk matched one child against (new None: no particle, the witness step);
    each pair is an obligation for the caller: element types must be compatible, and a NEW
    lax/strict wildcard facing an OLD element depends on NEW's global declarations. Only a
    wildcard whose processContents tightens is settled here (as unknown).
    A witness is a name sequence: an `OtherName` taken by an OLD strict wildcard needs a global
    declaration in OLD to be realisable, so witnesses must still be replayed on the engines.
    """

    included: bool | None
    witness: list[Symbol] | None = None
    reason: str | None = None
    bindings: frozenset[tuple[Leaf, Leaf | None]] = frozenset()
    tightened: bool = False
    """Unknown only because a wildcard pair in `bindings` tightens processContents."""


class Automaton:
    """An epsilon-NFA with one start and one final state; transitions are labelled by leaves."""

    def __init__(self) -> None:
        self.epsilon: list[list[int]] = []
        self.moves: list[list[tuple[Leaf, int]]] = []
        self.start = self.new_state()
        self.final = self.start

    def new_state(self) -> int:
        if len(self.moves) >= MAX_STATES:
            raise UnsupportedModel(f"content model needs more than {MAX_STATES} states")
        self.epsilon.append([])
        self.moves.append([])
        return len(self.moves) - 1

    def leaves(self) -> set[Leaf]:
        return {leaf for moves in self.moves for leaf, _ in moves}

    def closure(self, states: Iterable[int]) -> frozenset[int]:
        seen = set(states)
        stack = list(seen)
        while stack:
            for target in self.epsilon[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    def step(self, states: frozenset[int], symbol: Symbol) -> tuple[frozenset[int], set[Leaf]]:
        """The closure after reading one child of class `symbol`, and the leaves that took it."""
        targets: set[int] = set()
        used: set[Leaf] = set()
        for state in states:
            for leaf, target in self.moves[state]:
                if _matches(leaf, symbol):
                    targets.add(target)
                    used.add(leaf)
        return self.closure(targets), used


def build_automaton(term: Term) -> Automaton:
    """Thompson-style construction; counted repetitions are unrolled (capped by MAX_STATES)."""
    automaton = Automaton()
    start, end = _occurs(automaton, term)
    automaton.start, automaton.final = start, end
    return automaton


def _occurs(nfa: Automaton, term: Term) -> tuple[int, int]:
    low, high = term.min, term.max
    if high is not None and high < low:
        raise UnsupportedModel(f"maxOccurs {high} below minOccurs {low}")
    if max(low, high or 0) > MAX_STATES:
        raise UnsupportedModel(f"occurrence bound {max(low, high or 0)} too large to unroll")
    start = nfa.new_state()
    current = start
    for _ in range(low):
        body_start, body_end = _body(nfa, term)
        nfa.epsilon[current].append(body_start)
        current = body_end
    if high is None:
        loop = nfa.new_state()
        nfa.epsilon[current].append(loop)
        body_start, body_end = _body(nfa, term)
        nfa.epsilon[loop].append(body_start)
        nfa.epsilon[body_end].append(loop)
        return start, loop
    end = nfa.new_state()
    nfa.epsilon[current].append(end)
    for _ in range(high - low):
        body_start, body_end = _body(nfa, term)
        nfa.epsilon[current].append(body_start)
        current = body_end
        nfa.epsilon[current].append(end)
    return start, end


def _body(nfa: Automaton, term: Term) -> tuple[int, int]:
    """One occurrence of `term`, ignoring its own min/max."""
    start, end = nfa.new_state(), nfa.new_state()
    if isinstance(term, Element | Wildcard):
        nfa.moves[start].append((term, end))
    elif isinstance(term, Sequence):
        current = start
        for child in term.children:
            child_start, child_end = _occurs(nfa, child)
            nfa.epsilon[current].append(child_start)
            current = child_end
        nfa.epsilon[current].append(end)
    elif isinstance(term, Choice):
        for child in term.children:
            child_start, child_end = _occurs(nfa, child)
            nfa.epsilon[start].append(child_start)
            nfa.epsilon[child_end].append(end)
    else:
        _all(nfa, term, start, end)
    return start, end


def _all(nfa: Automaton, term: All, start: int, end: int) -> None:
    """xs:all by a subset construction: a state per set of particles already seen."""
    if term.max is None or term.max > 1:
        raise UnsupportedModel("xs:all repeated more than once")
    particles: list[tuple[list[Leaf], bool]] = []
    for child in term.children:
        if child.max == 0:
            continue
        if child.max is None or child.max > 1:
            raise UnsupportedModel("xs:all particle with maxOccurs above 1")
        particles.append((_alternatives(child), child.min > 0))
    if len(particles) > MAX_ALL_PARTICLES:
        raise UnsupportedModel(f"xs:all with more than {MAX_ALL_PARTICLES} particles")
    required = sum(1 << i for i, (_, needed) in enumerate(particles) if needed)
    states = {0: start}
    pending = [0]
    while pending:
        mask = pending.pop()
        if mask & required == required:
            nfa.epsilon[states[mask]].append(end)
        for index, (leaves, _) in enumerate(particles):
            bit = 1 << index
            if mask & bit:
                continue
            if mask | bit not in states:
                states[mask | bit] = nfa.new_state()
                pending.append(mask | bit)
            for leaf in leaves:
                nfa.moves[states[mask]].append((leaf, states[mask | bit]))


def _alternatives(term: Term) -> list[Leaf]:
    """The leaves of an xs:all particle: a leaf, or a choice of single leaves (substitutions)."""
    if isinstance(term, Element | Wildcard):
        return [term]
    if isinstance(term, Choice) and all(
        isinstance(c, Element | Wildcard) and c.min == 1 and c.max == 1 for c in term.children
    ):
        if term.min != 1 and term.children:
            raise UnsupportedModel("optional choice inside xs:all")
        return [c for c in term.children if isinstance(c, Element | Wildcard)]
    raise UnsupportedModel("xs:all particle that is not an element or wildcard")


def _matches(leaf: Leaf, symbol: Symbol) -> bool:
    if isinstance(leaf, Element):
        return isinstance(symbol, str) and leaf.name == symbol
    if isinstance(symbol, str):
        return leaf.namespaces.allows(namespace_of(symbol))
    if symbol.namespace is None:
        return leaf.namespaces.negated
    return leaf.namespaces.allows(symbol.namespace)


def alphabet(leaves: Iterable[Leaf]) -> list[Symbol]:
    """Symbol classes on which every leaf of either model is constant (matches all or none)."""
    leaves = list(leaves)
    names = sorted({leaf.name for leaf in leaves if isinstance(leaf, Element)})
    symbols: list[Symbol] = list(names)
    wildcards = [leaf for leaf in leaves if isinstance(leaf, Wildcard)]
    if wildcards:
        excluded = frozenset(names)
        namespaces = {namespace_of(n) for n in names}
        for wildcard in wildcards:
            namespaces |= wildcard.namespaces.names
        symbols += [OtherName(ns, excluded) for ns in sorted(namespaces)]
        symbols.append(OtherName(None, excluded))
    return symbols


def language_included(old: Term | Automaton, new: Term | Automaton) -> Inclusion:
    """Whether every child sequence `old` accepts is accepted by `new`, with a shortest witness."""
    try:
        old_nfa = old if isinstance(old, Automaton) else build_automaton(old)
        new_nfa = new if isinstance(new, Automaton) else build_automaton(new)
    except UnsupportedModel as exc:
        return Inclusion(None, reason=str(exc))
    symbols = alphabet(old_nfa.leaves() | new_nfa.leaves())
    start = (old_nfa.closure([old_nfa.start]), new_nfa.closure([new_nfa.start]))
    parents: dict[tuple[frozenset[int], frozenset[int]], tuple[object, Symbol] | None] = {
        start: None
    }
    bindings: set[tuple[Leaf, Leaf | None]] = set()
    witness: list[Symbol] | None = None
    queue = deque([start])
    while queue:
        pair = queue.popleft()
        old_states, new_states = pair
        if witness is None and old_nfa.final in old_states and new_nfa.final not in new_states:
            # The shortest witness (BFS); the walk goes on so `bindings` is complete.
            witness = _path(parents, pair)
        for symbol in symbols:
            old_next, old_used = old_nfa.step(old_states, symbol)
            if not old_next:
                continue
            new_next, new_used = new_nfa.step(new_states, symbol)
            for old_leaf in old_used:
                bindings.update((old_leaf, n) for n in new_used or [None])
            following = (old_next, new_next)
            if following not in parents:
                if len(parents) >= MAX_PAIRS:
                    if witness is not None:
                        return Inclusion(False, witness, None, frozenset(bindings))
                    return Inclusion(None, reason=f"product exceeds {MAX_PAIRS} states")
                parents[following] = (pair, symbol)
                queue.append(following)
    if witness is not None:
        return Inclusion(False, witness, None, frozenset(bindings))
    tightened = _tightened(bindings)
    if tightened:
        return Inclusion(None, reason=tightened, bindings=frozenset(bindings), tightened=True)
    return Inclusion(True, bindings=frozenset(bindings))


def _path(
    parents: dict[tuple[frozenset[int], frozenset[int]], tuple[object, Symbol] | None],
    pair: tuple[frozenset[int], frozenset[int]],
) -> list[Symbol]:
    path: list[Symbol] = []
    link = parents[pair]
    while link is not None:
        previous, symbol = link
        path.append(symbol)
        link = parents[previous]  # type: ignore[index]
    return path[::-1]


def _tightened(bindings: set[tuple[Leaf, Leaf | None]]) -> str | None:
    """Names match, but a NEW wildcard validates children more strictly than OLD's did."""
    for old_leaf, new_leaf in bindings:
        if (
            isinstance(old_leaf, Wildcard)
            and isinstance(new_leaf, Wildcard)
            and _RANK[new_leaf.process_contents] > _RANK[old_leaf.process_contents]
        ):
            return (
                f"wildcard processContents tightened from {old_leaf.process_contents} "
                f"to {new_leaf.process_contents}: children old accepts may now be rejected"
            )
    return None
