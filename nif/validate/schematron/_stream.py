"""The lines of elements named by canonical paths, found by one streaming pass over the bytes.

Used when a large message's lxml tree was released before Saxon parsed it (`Document.
saxon_node`): locating a few findings must not build the whole tree again next to Saxon's. The
pass keeps only the open elements and their earlier siblings' counts, and parses as safely as
the message's first parse (`safe_events`: no DTD, no entity, no network).
"""

from __future__ import annotations

from collections.abc import Iterable

from nif.validate._xml import safe_events

Chain = tuple[tuple[str, int], ...]
"""An element's path: (Clark name, position among its parent's children of that name) from
the root down, as the canonical location `/Q{uri}local[n]/...` writes it."""


def element_lines(content: bytes, wanted: Iterable[Chain]) -> dict[Chain, int]:
    """The source line of each wanted element that the message has."""
    targets = set(wanted)
    lines: dict[Chain, int] = {}
    if not targets:
        return lines
    chain: list[tuple[str, int]] = []
    counts: list[dict[str, int]] = [{}]
    events = safe_events(content, ("start", "end"))
    for event, element in events:
        if event == "start":
            tag = element.tag
            count = counts[-1].get(tag, 0) + 1
            counts[-1][tag] = count
            chain.append((tag, count))
            key = tuple(chain)
            if key in targets:
                lines[key] = element.sourceline
                if len(lines) == len(targets):
                    break
            counts.append({})
        else:
            chain.pop()
            counts.pop()
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    return lines
