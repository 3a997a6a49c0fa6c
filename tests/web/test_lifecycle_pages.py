"""Current, deprecated and retired versions on the API, the pages and in the service's verdicts
(the demo's civreg-birth 1.0.0 ended on 2025-12-31; busreg-company 2.0.0 is deprecated)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import ROOT

OLD_BIRTH = (
    ROOT / "registry/interfaces/civreg-birth/examples/1.0.0/BirthNotification/valid-newborn.xml"
)


def test_the_api_marks_current_deprecated_and_retired_versions(client: httpx.Client) -> None:
    versions = {
        v["version"]: v for v in client.get("/api/interfaces/civreg-birth").json()["versions"]
    }
    old, new = versions["1.0.0"], versions["2.0.0"]
    assert (old["status"], old["current"], old["retired"]) == ("Deprecated", False, True)
    assert (old["end_date"], old["successor"]) == ("2025-12-31", "2.0.0")
    assert (new["status"], new["current"], new["retired"]) == ("Completed", True, False)
    assert (new["end_date"], new["successor"]) == (None, None)
    company = client.get("/api/interfaces/busreg-company").json()["versions"]
    deprecated = next(v for v in company if v["status"] == "Deprecated")
    current = next(v for v in company if v["current"])
    assert deprecated["successor"] == current["version"] and not deprecated["retired"]


@pytest.mark.parametrize(
    ("lang", "ended", "successor", "badge"),
    [
        ("en", "ended on December 31, 2025", "replaced by 2.0.0", "no longer accepted"),
        ("de", "endete am 31. Dezember 2025", "ersetzt durch 2.0.0", "nicht mehr angenommen"),
        ("fr", "a pris fin le 31 décembre 2025", "remplacée par 2.0.0", "plus acceptée"),
    ],
)
def test_the_interface_page_says_when_a_version_ended_and_what_replaces_it(
    client: httpx.Client, lang: str, ended: str, successor: str, badge: str
) -> None:
    page = client.get("/interfaces/civreg-birth", params={"lang": lang}).text
    section = page.split('<h2 id="v-1.0.0">', 1)[1].split('<section class="version"', 1)[0]
    assert ended in section and badge in section
    assert f'<a href="#v-2.0.0">{successor}</a>' in section
    current = page.split('<h2 id="v-2.0.0">', 1)[1].split("</h2>", 1)[0]
    assert badge not in current


def test_the_self_test_list_marks_current_deprecated_and_retired(client: httpx.Client) -> None:
    page = client.get("/self-test").text
    options = {
        m.group(1): m.group(2)
        for m in re.finditer(r'<option value="([^"]+)"[^>]*>[^<]*?(?: \(([^)]*)\))?</option>', page)
    }
    assert options["civreg-birth@1.0.0/BirthNotification"] == "no longer accepted"
    assert options["civreg-birth@2.0.0/BirthNotification"] == "current"
    company = {k: v for k, v in options.items() if k.startswith("busreg-company@")}
    assert "deprecated" in company.values() and "current" in company.values()
    assert "veraltet" in client.get("/self-test", params={"lang": "de"}).text


def test_the_service_answers_error_for_a_retired_version(client: httpx.Client) -> None:
    answer = client.post(
        "/api/validate",
        params={"interface": "civreg-birth@1.0.0"},
        content=OLD_BIRTH.read_bytes(),
    )
    report = answer.json()
    assert answer.status_code == 200 and report["verdict"] == "error"
    assert report["context"] | {"message_type": ""} == {
        "interface": "civreg-birth",
        "version": "1.0.0",
        "message_type": "",
        "status": "Deprecated",
        "end_date": "2025-12-31",
        "successor": "2.0.0",
    }
    [retired] = [f for f in report["findings"] if f["step"] == "lifecycle"]
    assert (retired["severity"], retired["rule_id"]) == ("fatal", "NIF-RETIRED")
    assert "2025-12-31" in retired["message"] and "civreg-birth 2.0.0" in retired["message"]
    assert report["created"] and report["nif_version"]
    text = client.post(
        "/api/validate",
        params={"interface": "civreg-birth@1.0.0", "format": "text"},
        content=OLD_BIRTH.read_bytes(),
    ).text
    assert "(Deprecated, end of life 2025-12-31, successor 2.0.0)" in text
    assert "NIF-RETIRED" in text
