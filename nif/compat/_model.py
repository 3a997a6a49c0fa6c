"""The answer of a compatibility check: per message, a verdict for each direction and the
changes, in one model that the CLI, the registry and the pages all read.

`backward` asks whether NEW accepts every message OLD accepts (old senders keep working with
the new receiver); `forward` asks whether OLD accepts every message NEW accepts (old receivers
keep working with the new sender). `full` is both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DIRECTIONS",
    "REQUIREMENTS",
    "Answer",
    "Change",
    "Comparison",
    "Direction",
    "MessageComparison",
    "Requirement",
    "Verdict",
    "Where",
]

Verdict = Literal["compatible", "incompatible", "unknown"]
Direction = Literal["backward", "forward"]
Breaks = Literal["backward", "forward", "both", "none"]
Requirement = Literal["backward", "forward", "full", "none"]
DIRECTIONS: tuple[Direction, ...] = ("backward", "forward")
REQUIREMENTS: dict[str, tuple[Direction, ...]] = {
    "backward": ("backward",),
    "forward": ("forward",),
    "full": ("backward", "forward"),
    "none": (),
}


@dataclass(frozen=True)
class Where:
    """A place in one schema: the file (URI as the schema set names it), the line when known,
    and the XPath of the declaration (XSD) or the JSON Pointer (JSON Schema)."""

    path: str
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path}

    def __str__(self) -> str:
        at = self.file or ""
        if at and self.line is not None:
            at += f":{self.line}"
        return f"{at} {self.path}".strip()


@dataclass(frozen=True)
class Change:
    """One difference between OLD and NEW: what it is, where in each, and the directions it
    may break: those whose verdict is not `compatible` and for which the change is not proven
    safe by itself (it only widens the side that must accept). `none`: proven safe both ways.
    The verdicts are the authority; the change list is for people reading what moved."""

    kind: str
    detail: str
    breaks: Breaks
    old: Where | None = None
    new: Where | None = None
    open_content: bool = False
    message_path: str | None = None
    """Where in a message the change shows: child names from the root (XSD), e.g.
    `/Invoice/AccountingSupplierParty/@schemeID`; None when it is the declaration's path."""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "detail": self.detail,
            "breaks": self.breaks,
            "old": self.old.to_json() if self.old else None,
            "new": self.new.to_json() if self.new else None,
            "open_content": self.open_content,
            "message_path": self.message_path,
        }


@dataclass(frozen=True)
class Answer:
    """One direction's verdict. `counterexample` (the message text) is set only for
    `incompatible`, and only once the real engines judged it valid under the schema that must
    accept it and invalid under the other. `open_content` says the verdict turns only on
    content an open part of a schema lets through (a lax/skip wildcard, an open JSON object)."""

    verdict: Verdict
    counterexample: str | None = None
    reason: str | None = None
    open_content: bool = False
    media: str = "xml"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "counterexample": self.counterexample,
            "reason": self.reason,
            "open_content": self.open_content,
        }


@dataclass(frozen=True)
class MessageComparison:
    """Both directions for one message: an XSD global element (Clark name) or a JSON root."""

    root: str
    backward: Answer
    forward: Answer
    changes: tuple[Change, ...] = ()
    name: str | None = None
    """The message type this compares, when the comparison came from the registry."""

    def answer(self, direction: Direction) -> Answer:
        return self.backward if direction == "backward" else self.forward

    def meets(self, requirement: Requirement, *, open_content: bool = True) -> bool:
        """Whether every direction `requirement` names is `compatible`. With
        `open_content=False`, a verdict that turns only on open content is accepted."""
        for direction in REQUIREMENTS[requirement]:
            answer = self.answer(direction)
            if answer.verdict == "compatible":
                continue
            if not open_content and answer.open_content:
                continue
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "name": self.name,
            "backward": self.backward.to_json(),
            "forward": self.forward.to_json(),
            "changes": [change.to_json() for change in self.changes],
        }


@dataclass(frozen=True)
class Comparison:
    """Every message compared between OLD and NEW, plus the messages found on one side only."""

    messages: tuple[MessageComparison, ...]
    old: str = ""
    new: str = ""
    only_old: tuple[str, ...] = field(default=())
    only_new: tuple[str, ...] = field(default=())

    def meets(self, requirement: Requirement, *, open_content: bool = True) -> bool:
        return not self.unmet(requirement, open_content=open_content)

    def failing(
        self, requirement: Requirement, *, open_content: bool = True
    ) -> list[MessageComparison]:
        return [m for m in self.messages if not m.meets(requirement, open_content=open_content)]

    def unmet(self, requirement: Requirement, *, open_content: bool = True) -> list[str]:
        """The messages that keep `requirement` from holding. A message only OLD has is
        rejected by NEW (backward not met), one only NEW has by OLD (forward not met)."""
        directions = REQUIREMENTS[requirement]
        unmet = [m.root for m in self.failing(requirement, open_content=open_content)]
        if "backward" in directions:
            unmet += [f"{root} (only in OLD)" for root in self.only_old]
        if "forward" in directions:
            unmet += [f"{root} (only in NEW)" for root in self.only_new]
        return unmet

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "messages": [message.to_json() for message in self.messages],
            "only_old": list(self.only_old),
            "only_new": list(self.only_new),
        }
