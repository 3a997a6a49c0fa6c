"""`POST /api/validate` against a named version with a message of another registered version:
the report's first finding says which version the message is (`NIF-OTHER-VERSION`)."""

from __future__ import annotations

import httpx

from tests.web.test_validate_api import DEMO, NEWBORN

NEWBORN_1 = DEMO / "civreg-birth" / "examples" / "1.0.0" / "BirthNotification" / "valid-newborn.xml"
SAID = (
    "this message is civreg-birth 2.0.0 (urn:nif:demo:civreg:birth:2); you validated against "
    "civreg-birth 1.0.0 (urn:nif:demo:civreg:birth:1)"
)


def test_a_message_of_another_version_is_reported_as_such(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        params={"interface": "civreg-birth@1.0.0"},
        content=NEWBORN.read_bytes(),
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    first = report["findings"][0]
    assert (first["rule_id"], first["step"], first["severity"]) == (
        "NIF-OTHER-VERSION",
        "detect",
        "error",
    )
    assert first["message"].startswith(SAID)
    assert first["location"] == {"line": 2, "xpath": "/BirthNotification"}
    assert report["verdict"] in ("invalid", "error")


def test_the_batch_reports_it_per_message(client: httpx.Client) -> None:
    files = [("files", (p.name, p.read_bytes())) for p in (NEWBORN, NEWBORN_1)]
    answer = client.post(
        "/api/validate/batch", params={"interface": "civreg-birth@1.0.0"}, files=files
    )
    assert answer.status_code == 200, answer.text
    other, own = answer.json()["reports"]
    assert other["findings"][0]["message"].startswith(SAID)
    assert all(f["rule_id"] != "NIF-OTHER-VERSION" for f in own["findings"])


def test_a_version_with_several_types_refuses_with_the_reason(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        params={"interface": "busreg-company@2.0.0"},
        content=NEWBORN.read_bytes(),
    )
    assert answer.status_code == 422, answer.text
    message = answer.json()["message"]
    assert message.startswith("this message is civreg-birth 2.0.0")
    assert "you validated against busreg-company 2.0.0" in message
