"""A report's values found when first read: a JSON finding's line and column, a report's
sha256. Finding them walks or hashes the message again, and many reports are only counted."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nif.report._model import Location, Report


class FoundOnRead:
    """A `Location`'s line or column: kept in the instance as any field, or, for a pending
    location, found when first read. A data descriptor, so that a dataclass default cannot answer
    for it; the class itself reads None, the field's default."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, location: Location | None, owner: type | None = None) -> int | None:
        if location is None:
            return None
        values = location.__dict__
        if self._name not in values:
            location._settle()
        value: int | None = values[self._name]
        return value

    def __set__(self, location: Location, value: int | None) -> None:
        location.__dict__[self._name] = value


class HashedOnRead:
    """`Report.sha256`: kept in the instance as any field or, once `hash_on_read` was called,
    computed when first read (hashing a small message costs a tenth of its XSD check, and many
    reports are only counted). No value on the class, so that the field keeps no default."""

    def __get__(self, report: Report | None, owner: type | None = None) -> str:
        if report is None:
            raise AttributeError("sha256")
        values = report.__dict__
        if "sha256" not in values:
            digest = values.get("_digest")
            if digest is not None:  # else another thread has just set it
                values["sha256"] = digest()
                values.pop("_digest", None)
        value: str = values["sha256"]
        return value

    def __set__(self, report: Report, value: str) -> None:
        report.__dict__["sha256"] = value
        report.__dict__.pop("_digest", None)
