"""A report's sha256 computed when first read: the same value wherever it is read."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import pickle

from nif.report import Report, Verdict
from nif.validate import Profile, validate

MESSAGE = b'{"a": 1}'
DIGEST = hashlib.sha256(MESSAGE).hexdigest()


def _pending(calls: list[int]) -> Report:
    report = Report("m", "", len(MESSAGE), "application/json", Verdict.VALID, [], [])

    def digest() -> str:
        calls.append(1)
        return DIGEST

    return report.hash_on_read(digest)


def test_validate_reports_the_sha256_of_the_message():
    report = validate(MESSAGE, Profile(()))
    assert report.sha256 == DIGEST
    assert report.to_dict()["sha256"] == DIGEST


def test_the_hash_is_computed_once_and_only_when_read():
    calls: list[int] = []
    report = _pending(calls)
    assert calls == []
    assert report.sha256 == DIGEST and report.sha256 == DIGEST
    assert calls == [1]


def test_every_form_of_the_report_carries_the_hash():
    calls: list[int] = []
    assert _pending(calls).to_dict()["sha256"] == DIGEST
    assert pickle.loads(pickle.dumps(_pending(calls))).sha256 == DIGEST
    assert copy.copy(_pending(calls)).sha256 == DIGEST
    assert dataclasses.replace(_pending(calls)).sha256 == DIGEST
    assert dataclasses.asdict(_pending(calls))["sha256"] == DIGEST
    assert Report.from_dict(_pending(calls).to_dict()) == _pending(calls)


def test_a_pickled_report_leaves_the_message_behind():
    state = pickle.loads(pickle.dumps(_pending([])))
    assert "_digest" not in vars(state)


def test_a_hash_set_later_wins_over_the_pending_one():
    calls: list[int] = []
    report = _pending(calls)
    report.sha256 = "0" * 64
    assert report.sha256 == "0" * 64 and calls == []


def test_the_field_still_has_no_default():
    field = next(f for f in dataclasses.fields(Report) if f.name == "sha256")
    assert field.default is dataclasses.MISSING
