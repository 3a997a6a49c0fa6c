"""`POST /api/validate` answers a raw body with a plain query without FastAPI's dependency
solving, and any other request through FastAPI's handler, with the same answers either way."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import fastapi.routing
import httpx
import pytest

from tests.web.test_validate_api import NEWBORN

NAMED = {"interface": "civreg-birth@2.0.0", "message_type": "BirthNotification"}


@pytest.fixture
def solved(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of FastAPI's dependency solving, from now on."""
    calls: list[object] = []
    solve: Callable[..., Any] = fastapi.routing.solve_dependencies

    async def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return await solve(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return calls


def _answer(client: httpx.Client, params: dict[str, str], **kwargs: Any) -> tuple[int, str, str]:
    answer = client.post("/api/validate", params=params, **kwargs)
    return answer.status_code, answer.headers["content-type"], answer.text


def _report(answer: tuple[int, str, str]) -> tuple[int, str, str]:
    """The answer without when its report was made and how long each step took."""
    status, media, text = answer
    return status, media, _TIMING.sub("(timing)", text)


_TIMING = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ?|time=\"[\d.]+\"|millis\W+[\d.]+|\d+(\.\d+)? ?ms\b"
)


def test_a_raw_body_with_a_plain_query_skips_dependency_solving(
    client: httpx.Client, solved: list[object]
) -> None:
    plain = _answer(client, NAMED, content=NEWBORN.read_bytes())
    assert plain[0] == 200
    assert solved == []
    other = _answer(client, {**NAMED, "unrelated": "1"}, content=NEWBORN.read_bytes())
    assert solved  # an unknown parameter: FastAPI's handler answered
    assert _report(other) == _report(plain)


@pytest.mark.parametrize(
    "params",
    [
        {**NAMED, "format": "text"},
        {**NAMED, "format": "junit"},
        {"interface": "civreg-birth@2.0.0", "version": "9.9.9"},
        {"interface": "@"},
        {"interface": "no-such-interface"},
    ],
)
def test_the_fast_path_answers_as_fastapi_s_handler(
    client: httpx.Client, solved: list[object], params: dict[str, str]
) -> None:
    content = NEWBORN.read_bytes()
    fast = _answer(client, params, content=content)
    assert solved == []
    declared = _answer(client, {**params, "unrelated": "1"}, content=content)
    assert solved
    assert _report(fast) == _report(declared)


@pytest.mark.parametrize(
    "query",
    [
        "format=pdf",
        "format=",
        "interface=civreg-birth@2.0.0&interface=civreg-birth@1.0.0",
    ],
)
def test_an_unusual_query_goes_to_fastapi_s_handler(
    client: httpx.Client, solved: list[object], query: str
) -> None:
    answer = client.post(f"/api/validate?{query}", content=NEWBORN.read_bytes())
    assert solved
    assert answer.status_code in (200, 400), answer.text


def test_a_multipart_form_goes_to_fastapi_s_handler(
    client: httpx.Client, solved: list[object]
) -> None:
    files = {"file": ("newborn.xml", NEWBORN.read_bytes(), "application/xml")}
    status, _, text = _answer(client, NAMED, files=files)
    assert status == 200, text
    assert solved


def test_an_empty_body_is_refused_on_the_fast_path(
    client: httpx.Client, solved: list[object]
) -> None:
    answer = client.post("/api/validate", params=NAMED, content=b"")
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad_input"
    assert solved == []
