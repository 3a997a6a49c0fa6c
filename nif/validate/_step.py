"""The one small interface every validation step implements (like httpx's transports).

A `Step` is a compiled validator: built once from an `ArtefactSet`, cached by the set's hash,
and safe to share between threads. `check` returns findings; raising means the step could not
run, which makes the verdict `error`, never `valid`.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
from typing import Any, ClassVar

from lxml import etree

from nif.report import ArtefactRef, Finding
from nif.validate._artefacts import ArtefactSet

RELEASE_TREE_BYTES = 4 * 1024 * 1024
"""From this size on, a message's lxml tree (about seven times the message) is not built by
the parse step when a streaming pass can check it, else dropped before Saxon parses it; it
is parsed again only if a step needs it."""


@dataclasses.dataclass
class Document:
    """A parsed message as the steps see it: an lxml tree for XML, a value for JSON."""

    content: bytes
    tree: etree._ElementTree | None = None
    json: Any = None
    json_text: str | None = None
    _saxon: Any = dataclasses.field(default=None, repr=False, compare=False)
    _released: bool = dataclasses.field(default=False, repr=False, compare=False)

    @classmethod
    def streamed(cls, content: bytes) -> Document:
        """A large UTF-8 message checked by a streaming pass (`check_xml`), its tree not built."""
        return cls(content, _released=True)

    def xml_tree(self) -> etree._ElementTree:
        """The tree, for the steps that check XML; a JSON message cannot run them. A tree
        released for Saxon (`saxon_node`) is parsed again from the accepted bytes."""
        if self.tree is None and self._released:
            from nif.validate._xml import safe_parser

            self.tree = etree.fromstring(self.content, safe_parser()).getroottree()
            self._released = False
        if self.tree is None:
            raise TypeError("the message is not XML: an XML step cannot check it")
        return self.tree

    def saxon_node(self, release_tree: bool = False) -> Any:
        """The message parsed by Saxon, once: the XSLT steps of a message share it (parsing
        costs about as much as running the EN 16931 rules). `release_tree`: a large message's
        lxml tree is dropped first, so that the two trees never both live."""
        if self._saxon is None:
            from nif.validate.schematron import release_freed_memory, saxon_processor

            text = self._reencoded()
            if release_tree and len(self.content) >= RELEASE_TREE_BYTES:
                self.tree, self._released = None, True
                release_freed_memory()
            if text is None:
                text = self.content.decode("utf-8").removeprefix("\ufeff")
            self._saxon = saxon_processor().parse_xml(xml_text=text)
        return self._saxon

    @property
    def tree_released(self) -> bool:
        """Whether the lxml tree is not held (dropped for Saxon, or never built for a streamed
        message) and not parsed again since."""
        return self._released

    def _reencoded(self) -> str | None:
        """The message re-serialised as text for Saxon, or None when its bytes are UTF-8 and
        can be decoded as they are (after the tree is released: the two never both live).
        A message without a tree here was streamed, which `check_xml` does only for UTF-8."""
        if self._released:
            return None
        tree = self.xml_tree()
        encoding = (tree.docinfo.encoding or "UTF-8").upper()
        if encoding in ("UTF-8", "US-ASCII", "ASCII"):
            return None
        return str(etree.tostring(tree, encoding="unicode"))


@dataclasses.dataclass
class StepOutcome:
    """What a step found, plus the raw SVRL for Schematron steps.

    A step that decides acceptance itself (a KoSIT configuration) sets `accepted`: the verdict
    then follows it rather than the severities of its findings. `error` says the step could not
    run although it produced output (no KoSIT scenario matched: the fallback report).
    """

    findings: list[Finding]
    svrl: str | None = None
    accepted: bool | None = None
    error: str | None = None
    scenario: str | None = None
    kosit_report: str | None = None


class Step(abc.ABC):
    """A compiled validator for one artefact set."""

    kind: ClassVar[str]
    """Which flavour of step: xsd, schematron, json-schema."""
    media: ClassVar[str]
    """What it checks: "xml" or "json"."""

    def __init__(self, artefacts: ArtefactSet) -> None:
        self.artefacts = artefacts

    @functools.cached_property
    def name(self) -> str:
        """Read for every message a cached step checks: worked out once."""
        return f"{self.kind}:{self.artefacts.root.name}"

    @property
    @abc.abstractmethod
    def engine(self) -> tuple[str, str]:
        """(engine name, engine version) for the report."""

    @abc.abstractmethod
    def check(self, document: Document) -> StepOutcome:
        """Validate; raise to say the step could not run."""

    def refs(self) -> list[ArtefactRef]:
        return self.artefacts.refs()
