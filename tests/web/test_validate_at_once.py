"""`POST /api/validate` chooses a remembered target on the event loop (no thread hop), with the
same report as when it is looked up in a thread."""

from __future__ import annotations

import httpx
import pytest

from nif.web.api import validate
from tests.web.test_validate_api import NEWBORN
from tests.web.test_validate_other_version import SAID

NAMED = {"interface": "civreg-birth@2.0.0", "message_type": "BirthNotification"}


def _post(client: httpx.Client, params: dict[str, str]) -> dict[str, object]:
    answer = client.post("/api/validate", params=params, content=NEWBORN.read_bytes())
    assert answer.status_code == 200, answer.text
    report: dict[str, object] = answer.json()
    return {key: report[key] for key in ("verdict", "findings", "profile", "context", "counts")}


def _in_a_thread(*args: object) -> object:
    raise AssertionError("the target was looked up in a thread")


def test_a_remembered_target_is_chosen_on_the_loop(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up = _post(client, NAMED)  # remembers the chooser and the pins
    monkeypatch.setattr(validate, "_choose", _in_a_thread)
    assert _post(client, NAMED) == looked_up


def test_another_version_s_message_still_gets_its_note(client: httpx.Client) -> None:
    params = {"interface": "civreg-birth@1.0.0"}
    for _ in range(2):  # the second time the chooser is remembered: the note needs the store
        first = _post(client, params)["findings"]
        assert isinstance(first, list) and first[0]["message"].startswith(SAID)


def test_a_large_message_is_chosen_in_a_thread(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up = _post(client, NAMED)
    chosen: list[object] = []

    def recorded(*args: object) -> object:
        chosen.append(args)
        return choose(*args)  # type: ignore[arg-type]

    choose = validate._choose
    monkeypatch.setattr(validate, "AT_ONCE_BYTES", len(NEWBORN.read_bytes()) - 1)
    monkeypatch.setattr(validate, "_choose", recorded)
    assert _post(client, NAMED) == looked_up
    assert len(chosen) == 1
