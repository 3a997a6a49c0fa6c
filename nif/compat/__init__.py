"""Schema evolution: whether a new version of a schema accepts what the old one accepts
(backward) and the reverse (forward), with counterexamples verified by the real engines.

`compare_files` takes two local schemas, `compare_xsd`/`compare_json` two schema sets (what
the registry pins); all three give a `Comparison`: per message, an `Answer` per direction
(`compatible`, `incompatible` with a counterexample message, or `unknown` with the reason)
and the `Change`s between the two schemas; `render_text` shows one to people.
"""

from nif.compat._compare import compare_files, compare_json, compare_xsd
from nif.compat._model import (
    DIRECTIONS,
    REQUIREMENTS,
    Answer,
    Change,
    Comparison,
    Direction,
    MessageComparison,
    Requirement,
    Verdict,
    Where,
)
from nif.compat._text import render_text

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
    "compare_files",
    "compare_json",
    "compare_xsd",
    "render_text",
]
