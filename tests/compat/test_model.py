"""The comparison model: what `meets` accepts for each requirement, and the JSON shape."""

from __future__ import annotations

import pytest

from nif.compat import REQUIREMENTS, Answer, Change, Comparison, MessageComparison, Where

OK = Answer("compatible")
BROKEN = Answer("incompatible", "<a/>", "NEW requires b")
OPEN = Answer("incompatible", "<a><x/></a>", "x came through a lax wildcard", open_content=True)
UNSURE = Answer("unknown", reason="pattern containment not decided")


@pytest.mark.parametrize(
    ("backward", "forward", "met"),
    [
        (OK, OK, {"backward", "forward", "full", "none"}),
        (OK, BROKEN, {"backward", "none"}),
        (BROKEN, OK, {"forward", "none"}),
        (UNSURE, OK, {"forward", "none"}),
        (BROKEN, UNSURE, {"none"}),
    ],
)
def test_meets_each_requirement(backward: Answer, forward: Answer, met: set[str]) -> None:
    message = MessageComparison("{urn:t}a", backward, forward)
    assert {r for r in REQUIREMENTS if message.meets(r)} == met  # type: ignore[arg-type]
    assert {r for r in REQUIREMENTS if Comparison((message,)).meets(r)} == met  # type: ignore[arg-type]


def test_open_content_is_accepted_only_when_asked() -> None:
    message = MessageComparison("{urn:t}a", OPEN, OK)
    assert not message.meets("backward")
    assert message.meets("backward", open_content=False)
    strict = MessageComparison("{urn:t}a", BROKEN, OK)
    assert not strict.meets("backward", open_content=False)


def test_failing_names_the_messages_that_break() -> None:
    good = MessageComparison("{urn:t}a", OK, OK)
    bad = MessageComparison("{urn:t}b", BROKEN, OK)
    assert Comparison((good, bad)).failing("full") == [bad]


def test_json_shape() -> None:
    change = Change(
        "element-added",
        "required child b added",
        "backward",
        None,
        Where("/xs:schema/xs:element[@name='a']", "file:///v2.xsd", 7),
    )
    message = MessageComparison("{urn:t}a", BROKEN, OK, (change,), "order")
    data = Comparison((message,), "file:///v1.xsd", "file:///v2.xsd").to_json()
    assert data["messages"][0]["backward"] == {
        "verdict": "incompatible",
        "counterexample": "<a/>",
        "reason": "NEW requires b",
        "open_content": False,
    }
    assert data["messages"][0]["changes"][0]["new"] == {
        "file": "file:///v2.xsd",
        "line": 7,
        "path": "/xs:schema/xs:element[@name='a']",
    }
    assert data["messages"][0]["changes"][0]["old"] is None
    assert str(change.new) == "file:///v2.xsd:7 /xs:schema/xs:element[@name='a']"
