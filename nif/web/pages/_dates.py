"""Dates and times as a reader of each language writes them (Babel's CLDR formats).

One format per language everywhere (pages, feeds' pages, the certificate PDF): a date is CLDR's
"long" date ("31 December 2025", "31. Dezember 2025", "31 décembre 2025"), a moment is the
"long" date-time in UTC with the zone named. Record data is shown as it came when it is not an
ISO 8601 value, so a page never fails over a malformed date.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime

Moment = str | dt.date | dt.datetime | None


def _parse(value: Moment) -> dt.date | dt.datetime | None:
    """`value` as a date (no time given) or an aware UTC datetime; None when it is not ISO 8601."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    try:
        if "T" in text or " " in text:
            return _parse(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        return dt.date.fromisoformat(text.removesuffix("Z")[:10])
    except ValueError:
        return None


def date_text(value: Moment, lang: str) -> str:
    """The day of `value` in `lang` ("" for no value; the value itself when not a date)."""
    if value is None or value == "":
        return ""
    parsed = _parse(value)
    if parsed is None:
        return str(value)
    day = parsed.date() if isinstance(parsed, dt.datetime) else parsed
    return format_date(day, format="long", locale=lang)


def datetime_text(value: Moment, lang: str) -> str:
    """The moment `value` in `lang`, in UTC with the zone named; a bare date as `date_text`."""
    if value is None or value == "":
        return ""
    parsed = _parse(value)
    if parsed is None:
        return str(value)
    if not isinstance(parsed, dt.datetime):
        return format_date(parsed, format="long", locale=lang)
    return format_datetime(parsed, format="long", tzinfo=dt.UTC, locale=lang)
