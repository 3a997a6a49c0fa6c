"""Conformance suites: what an implementation of one interface version must do.

A suite is a list of test cases and the files they were read from (`nif.certify._manifest`
reads them). Each case is a produce case (the agency's system produces a message of a type), a
consume case (nif sends a request; the answer must be of a type) or a reject case (nif sends an
invalid message; the endpoint must refuse it). The suite's sha256 covers the manifest and every
file it references, so a certificate can pin what it was judged on.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib

from nif.errors import NotFoundError

MANIFEST = "manifest.ttl"
"""A suite's manifest, the first of its files."""


class CaseKind(enum.StrEnum):
    """What a test case checks, from its class."""

    PRODUCE = "produce"
    CONSUME = "consume"
    REJECT = "reject"


@dataclasses.dataclass(frozen=True)
class Assertion:
    """A scenario check on a message: the value at `expression` must equal `expected`.

    `language` is "xpath" (XPath 1.0 for XML, prefixes in `namespaces`) or "json-pointer".
    `expected` None means the expression must select something non-empty.
    """

    language: str
    expression: str
    expected: str | None = None
    namespaces: tuple[tuple[str, str], ...] = ()
    description: str = ""


@dataclasses.dataclass(frozen=True)
class TestCase:
    """One case of a suite; message types are the registry's message type IRIs.

    - produce: `expected_type` (the type produced) and `assertions`;
    - consume: `message` (the request file, relative to the suite), `sent_type`,
      `expected_type` (the answer's type) and `assertions` on the answer;
    - reject: `message` (the invalid message), `sent_type`, and what counts as a refusal:
      an HTTP status among `refusal_statuses` and/or an answer of a type in `refusal_types`
      that meets `assertions` (so a receipt saying "accepted" is no refusal).
    """

    __test__ = False  # not a pytest class

    iri: str
    identifier: str
    title: str
    description: str
    kind: CaseKind
    mandatory: bool
    expected_type: str | None = None
    sent_type: str | None = None
    message: str | None = None
    assertions: tuple[Assertion, ...] = ()
    refusal_statuses: tuple[int, ...] = ()
    refusal_types: tuple[str, ...] = ()

    @property
    def message_types(self) -> tuple[str, ...]:
        """Every message type IRI the case names."""
        named = (self.expected_type, self.sent_type, *self.refusal_types)
        return tuple(dict.fromkeys(t for t in named if t is not None))


@dataclasses.dataclass(frozen=True)
class SuiteFile:
    """A file of a suite (its manifest or a message), as read when the suite was loaded."""

    path: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclasses.dataclass(frozen=True)
class Suite:
    """The conformance suite of one interface version, with its files' contents."""

    interface: str
    version: str
    iri: str
    title: str
    description: str
    cases: tuple[TestCase, ...]
    files: tuple[SuiteFile, ...]

    @property
    def sha256(self) -> str:
        """Over every file: the sha256 of the lines `<file sha256>  <path>`, sorted by path."""
        lines = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(self.files, key=lambda f: f.path))
        return hashlib.sha256(lines.encode()).hexdigest()

    @property
    def mandatory(self) -> tuple[TestCase, ...]:
        return tuple(c for c in self.cases if c.mandatory)

    def summary(self) -> dict[str, object]:
        """What a list of suites shows: names, case counts and the sha256."""
        return {
            "interface": self.interface,
            "version": self.version,
            "iri": self.iri,
            "cases": len(self.cases),
            "mandatory": len(self.mandatory),
            "sha256": self.sha256,
        }

    def case(self, identifier: str) -> TestCase:
        for case in self.cases:
            if case.identifier == identifier:
                return case
        known = ", ".join(c.identifier for c in self.cases)
        raise NotFoundError(
            f"the suite of {self.interface}@{self.version} has no case {identifier!r} "
            f"(cases: {known})"
        )

    def message(self, case: TestCase) -> bytes:
        """The content of the message `case` sends (consume and reject cases)."""
        for file in self.files:
            if file.path == case.message:
                return file.content
        raise NotFoundError(f"case {case.identifier} sends no message")
