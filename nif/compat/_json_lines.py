"""Where a JSON Pointer's value starts in a JSON document's text, as a line number.

`json.loads` keeps no positions, so the change list would otherwise name a pointer but no
line. A small scanner over the text maps every pointer to the line its value starts on; it is
cached per document text, as one comparison asks for many pointers of the same schema.
"""

from __future__ import annotations

import bisect
import json
import re
from functools import lru_cache

__all__ = ["pointer_line"]

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL)
_MAX_DEPTH = 400


def pointer_line(text: bytes | str, pointer: str) -> int | None:
    """The 1-based line where POINTER's value starts in TEXT, or None (no such value, or
    TEXT is not JSON the scanner follows)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig", errors="replace")
    return _lines(text).get(pointer if pointer != "/" else "")


@lru_cache(maxsize=64)
def _lines(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    tokens = [(m.group(), m.start()) for m in _TOKEN.finditer(text)]
    starts = [0, *(m.end() for m in re.finditer("\n", text))]
    position = 0

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    def value(pointer: str, depth: int) -> None:
        nonlocal position
        if position >= len(tokens) or depth > _MAX_DEPTH:
            raise ValueError("not JSON")
        token, offset = tokens[position]
        out[pointer] = line_of(offset)
        position += 1
        if token == "{":
            while position < len(tokens) and tokens[position][0] != "}":
                key = json.loads(tokens[position][0])
                if not isinstance(key, str) or tokens[position + 1][0] != ":":
                    raise ValueError("not JSON")
                position += 2
                escaped = key.replace("~", "~0").replace("/", "~1")
                value(f"{pointer}/{escaped}", depth + 1)
                if tokens[position][0] == ",":
                    position += 1
            position += 1
        elif token == "[":
            index = 0
            while position < len(tokens) and tokens[position][0] != "]":
                value(f"{pointer}/{index}", depth + 1)
                index += 1
                if tokens[position][0] == ",":
                    position += 1
            position += 1

    try:
        value("", 0)
    except (ValueError, IndexError):
        return out
    return out
