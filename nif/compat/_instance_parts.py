"""What the instance generator asks of xmlschema's components: is this particle an element or a
wildcard, does a type hold QNames, where does a recursion end. Duck-typed, as xmlschema's classes
differ between XSD 1.0 and 1.1.
"""

from __future__ import annotations

from typing import Any


class _Stub:
    """An undeclared element a lax or skip wildcard admits: generated empty."""

    abstract = False
    type = None

    def __init__(self, name: str) -> None:
        self.name = name


def _is_element(particle: Any) -> bool:
    return hasattr(particle, "substitution_group") or isinstance(particle, _Stub)


def _is_wildcard(particle: Any) -> bool:
    return hasattr(particle, "process_contents") and not hasattr(particle, "model")


def _is_qname(simple: Any) -> bool:
    primitive = getattr(simple, "primitive_type", None)
    return primitive is not None and primitive.local_name in ("QName", "NOTATION")


def _nil_ends(decl: Any, stack: list[str]) -> bool:
    """Whether `xsi:nil` ends a recursion: the element recurs, is nillable and not fixed."""
    return bool(decl.nillable) and decl.fixed is None and decl.name in stack[:-1]


def _inherited(simple: Any, attribute: str) -> Any:
    """`attribute` of a list or union type, looked up through its restrictions."""
    while not hasattr(simple, attribute):
        simple = simple.base_type
    return getattr(simple, attribute)


def _split(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, local = name[1:].split("}", 1)
        return namespace, local
    return "", name
