"""Reading `Accept`-style headers (`Accept`, `Accept-Language`): values with their q-values.

The API's report formats, record formats, SPARQL result formats and the pages' languages each
match values their own way; the header syntax is read once, here.
"""

from __future__ import annotations


def ranges(header: str) -> list[tuple[str, float]]:
    """Each value of the header, lower-cased, with its q (1 when absent, 0 when malformed),
    in the order given."""
    found = []
    for item in header.split(","):
        value, *params = (piece.strip() for piece in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, text = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(text)
                except ValueError:
                    quality = 0.0
        found.append((value.lower(), quality))
    return found


def preferred(header: str) -> list[str]:
    """The values the header accepts (q > 0), most wanted first; ties keep the header's order."""
    ranked = sorted(
        (-quality, position, value)
        for position, (value, quality) in enumerate(ranges(header))
        if quality > 0
    )
    return [value for _, _, value in ranked]
