"""Content negotiation, the one place for it: `Accept`-style headers read with their q-values,
media ranges matched against what a route offers, and `?format=` names.

Every route that answers in more than one format (validation reports, records, certificates,
runs as EARL, SPARQL results, the signing key) and the pages' language and error pages choose
here, so a wildcard, a q-value or a `?format=` means the same everywhere: `?format=` wins over
`Accept`; each offer gets the q of the most specific range that matches it (`type/sub`, then
`type/*`, then `*/*`); the highest q wins and the route's order of offers breaks ties; nothing
acceptable is a 406 that says what the route offers.

A request body's `Content-Type` is read here too (`media_type`, `body_type`), so that every
route that takes a body of several types refuses another with the same 415; and
`If-None-Match` (`not_modified`), so that every route with an ETag answers 304 alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import Query
from starlette.exceptions import HTTPException

from nif.errors import UsageError

T = TypeVar("T")


def not_modified(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header holds `etag` (a quoted strong tag): any of its
    comma-separated tags, weak (`W/`) or strong, or `*` (RFC 9110: weak comparison)."""
    tags = {t.strip().removeprefix("W/") for t in (header or "").split(",") if t.strip()}
    return etag in tags or "*" in tags


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


def _media_ranges(accept: str) -> list[tuple[str, str, float]]:
    """`Accept` as (type, subtype, q), q clamped to 0..1; values without a `/` are skipped."""
    found = []
    for media_range, quality in ranges(accept):
        if "/" in media_range:
            main, sub = (piece.strip() for piece in media_range.split("/", 1))
            found.append((main, sub, min(1.0, max(0.0, quality))))
    return found


def _quality(media_type: str, accepted: list[tuple[str, str, float]]) -> float:
    """The q of the most specific range matching `media_type` (0 when none does)."""
    main, _, sub = media_type.partition("/")
    best: tuple[int, float] = (-1, 0.0)
    for range_main, range_sub, quality in accepted:
        if (range_main, range_sub) == (main, sub):
            specificity = 2
        elif range_main == main and range_sub == "*":
            specificity = 1
        elif (range_main, range_sub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, quality)
    return best[1]


def best(accept: str | None, offers: Sequence[tuple[str, T]]) -> T | None:
    """What the offer (media type, value) `Accept` rates highest stands for; the first offer
    without an `Accept`; None when `Accept` accepts none of them."""
    if not offers:
        return None
    if not accept or not accept.strip():
        return offers[0][1]
    accepted = _media_ranges(accept)
    top: tuple[float, int] | None = None
    chosen: T | None = None
    for order, (media_type, value) in enumerate(offers):
        quality = _quality(media_type, accepted)
        if quality > 0 and (top is None or (quality, -order) > top):
            top, chosen = (quality, -order), value
    return chosen


def choose(accept: str | None, offers: Sequence[tuple[str, T]], what: str) -> T:
    """`best`, or a 406 naming `what` is answered, the `Accept` given and the types offered."""
    chosen = best(accept, offers)
    if chosen is None:
        offered = ", ".join(dict.fromkeys(media_type for media_type, _ in offers))
        raise HTTPException(
            406,
            f"none of the media types in Accept ({accept}) can be given for {what}; "
            f"offered: {offered} (or use ?format=)",
        )
    return chosen


def named(fmt: str, names: Mapping[str, T], what: str) -> T:
    """The value `?format=` names; a 400 listing the names known for `what`."""
    wanted = fmt.strip().lower()
    if wanted not in names:
        raise UsageError(f"format {fmt!r} is not one of {', '.join(names)} (for {what})")
    return names[wanted]


def format_query(names: Iterable[str]) -> Any:
    """The `?format=` query parameter of a route, naming the formats that override `Accept`."""
    return Query(alias="format", description=f"Overrides Accept: {', '.join(names)}.")


def negotiate(
    accept: str | None,
    fmt: str | None,
    offers: Sequence[tuple[str, T]],
    names: Mapping[str, T],
    what: str,
) -> T:
    """`?format=` (a name of `names`) if given, else the best of `Accept` among `offers`."""
    if fmt is not None:
        return named(fmt, names, what)
    return choose(accept, offers, what)


def media_type(content_type: str | None) -> str:
    """The media type of a `Content-Type` header, lower-cased, without its parameters ("" for
    none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def body_type(content_type: str | None, accepted: Mapping[str, T], doing: str) -> T:
    """What `accepted` maps the request body's media type to; a 415 saying what `doing`
    (a verb: "submit") takes, for a body of another type or without `Content-Type`."""
    media = media_type(content_type)
    if media not in accepted:
        given = f"a body of type {media!r}" if media else "a body without Content-Type"
        raise HTTPException(415, f"cannot {doing} {given}: send one of {', '.join(accepted)}")
    return accepted[media]


def prefers_html(accept: str) -> bool:
    """Whether `Accept` wants text/html more than JSON: named with a higher q, or with the
    same q before it (a browser's Accept); `*/*` alone is a script's and means JSON."""
    for value in preferred(accept):
        if value == "text/html":
            return True
        if value == "application/json":
            return False
    return False
