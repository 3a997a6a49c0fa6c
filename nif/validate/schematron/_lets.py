"""Where each `sch:let` is visible, as ISO Schematron scopes them and SchXslt compiles them.

Schema-level and phase-level lets are global variables (SchXslt: a parameter and a variable), as
are the lets of the active patterns, all evaluated on the message's root. A pattern's lets are
visible in that pattern only: when two patterns (or a pattern and the schema or phase) define the
same name, the pattern's variable gets a name of its own (`nif.p<N>.<name>`), references to it in
the pattern's other lets, `documents` and rule contexts are renamed, and each of the pattern's
rule templates binds the plain name to it. A rule's lets are local to its template and may
shadow the others. The same name twice in one scope is a compile error, as SchXslt makes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from lxml import etree

from nif.errors import CompileError
from nif.validate.schematron._names import sch
from nif.validate.schematron._origins import describe
from nif.validate.schematron._sandbox import _tokens


def lets(element: etree._Element) -> list[etree._Element]:
    """The `sch:let` children of a schema, phase, pattern or rule, checked: each has a name,
    and no name comes twice."""
    found = [c for c in element if isinstance(c.tag, str) and c.tag == sch("let")]
    check_unique(found)
    return found


def check_unique(bindings: Iterable[etree._Element]) -> None:
    seen: dict[str, etree._Element] = {}
    for let in bindings:
        name = let.get("name")
        if not name:
            raise CompileError(f"{describe(let)}: sch:let needs a name")
        if name in seen:
            first = seen[name]
            raise CompileError(
                f"{describe(let)}: the variable {name!r} is already defined in this scope "
                f"(line {first.sourceline}); a name may be bound once per schema, phase, "
                "pattern or rule"
            )
        seen[name] = let


@dataclasses.dataclass
class PatternScope:
    """A pattern's lets: the global name each one is compiled to."""

    renamed: dict[str, str]
    """Plain name -> the pattern's own global name, for the lets that would collide."""
    bindings: list[tuple[str, etree._Element]]
    """(global name, let) for every let of the pattern."""

    def rename(self, expression: str) -> str:
        return rename_variables(expression, self.renamed)


def pattern_scopes(top: list[etree._Element], patterns: list[etree._Element]) -> list[PatternScope]:
    """One scope per active pattern, given the schema- and phase-level lets (`top`)."""
    check_unique(top)
    top_names = {let.get("name") for let in top}
    per_pattern = [lets(pattern) for pattern in patterns]
    counts: dict[str, int] = {}
    for bindings in per_pattern:
        for let in bindings:
            counts[let.get("name", "")] = counts.get(let.get("name", ""), 0) + 1
    scopes = []
    for index, bindings in enumerate(per_pattern):
        renamed = {
            name: f"nif.p{index}.{name.replace(':', '.')}"
            for let in bindings
            if (name := let.get("name", "")) in top_names or counts[name] > 1
        }
        scopes.append(
            PatternScope(
                renamed,
                [(renamed.get(let.get("name", ""), let.get("name", "")), let) for let in bindings],
            )
        )
    return scopes


def rename_variables(expression: str, renamed: dict[str, str]) -> str:
    """`expression` with every `$name` in `renamed` replaced (a name bound inside the
    expression is renamed with its references, which keeps its meaning)."""
    if not renamed or "$" not in expression:
        return expression
    out = []
    index = 0
    previous = ""
    for token in _tokens(expression):
        value = token.group()
        if previous == "$" and token.lastgroup == "name" and value in renamed:
            out.append(expression[index : token.start()])
            out.append(renamed[value])
            index = token.end()
        previous = value
    out.append(expression[index:])
    return "".join(out)
