"""A pending location: line and column found on first read, and the same as a settled one
everywhere a location is read (attributes, equality, JSON form, pickling)."""

from __future__ import annotations

import pickle
import threading

from nif.report import Finding, Location, Report, Severity, Verdict


class Finder:
    """Counts the calls, so a test can tell when the positions were looked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, pointer: str) -> tuple[int | None, int | None]:
        self.asked.append(pointer)
        return (3, 7) if pointer == "/a" else (None, None)


def test_a_pending_location_finds_its_position_once_when_first_read() -> None:
    finder = Finder()
    location = Location.pending("/a", finder)
    assert finder.asked == []
    assert (location.line, location.column) == (3, 7)
    assert location.column == 7
    assert finder.asked == ["/a"]


def test_a_pending_location_equals_the_settled_one() -> None:
    pending = Location.pending("/a", Finder())
    settled = Location(line=3, column=7, pointer="/a")
    assert pending == settled
    assert hash(pending) == hash(settled)
    assert repr(pending) == repr(settled)


def test_a_pointer_not_found_has_no_line_or_column() -> None:
    location = Location.pending("/missing", Finder())
    assert (location.line, location.column, location.pointer) == (None, None, "/missing")


def test_the_json_form_has_the_position_found() -> None:
    finding = Finding(
        Severity.ERROR, "json-schema:x", "m", "type", Location.pending("/a", Finder())
    )
    report = Report("<m>", "0" * 64, 1, "application/json", Verdict.INVALID, [finding], [])
    assert report.to_dict()["findings"][0]["location"] == {"line": 3, "column": 7, "pointer": "/a"}
    assert Report.from_dict(report.to_dict()).findings == [finding]


def test_a_pickled_location_is_settled_and_leaves_its_finder_behind() -> None:
    finder = Finder()
    copy = pickle.loads(pickle.dumps(Location.pending("/a", finder)))
    assert finder.asked == ["/a"]
    assert "_find" not in vars(copy)
    assert (copy.line, copy.column) == (3, 7)


def test_threads_reading_at_once_all_see_the_position() -> None:
    location = Location.pending("/a", Finder())
    seen: list[tuple[int | None, int | None]] = []
    threads = [
        threading.Thread(target=lambda: seen.append((location.line, location.column)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [(3, 7)] * 8


def test_a_plain_location_is_as_before() -> None:
    assert Location() == Location(None, None, None, None)
    assert Location(line=2).line == 2
    assert Location.line is None
