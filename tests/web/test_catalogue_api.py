"""The registry-reading API (/api/agencies, /api/interfaces, /api/artefacts) on a live server."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.conftest import ROOT
from tests.web.conftest import LiveServer

DEMO = ROOT / "registry"
INTERFACES = sorted(p.name for p in (DEMO / "interfaces").iterdir())
EXAMPLE_FILES = sorted(p for p in (DEMO / "interfaces").glob("*/examples/*/*/*") if p.is_file())


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and body["error"] and body["message"]
    return str(body["message"])


def test_agencies(client: httpx.Client) -> None:
    response = client.get("/api/agencies")
    assert response.status_code == 200
    agencies = response.json()
    assert [a["identifier"] for a in agencies] == ["busreg", "civreg", "socsec", "tax", "vehreg"]
    assert sum(a["interfaces"] for a in agencies) == len(INTERFACES)


def test_one_agency_with_its_interfaces(client: httpx.Client) -> None:
    body = client.get("/api/agencies/civreg").json()
    assert body["name"] == "Civil Registry Office"
    assert body["contacts"][0]["email"] == "iop@civreg.example.gov"
    assert [i["identifier"] for i in body["interfaces"]["items"]] == [
        "civreg-address",
        "civreg-birth",
    ]
    page = client.get("/api/agencies/civreg", params={"limit": 1, "offset": 1}).json()
    assert [i["identifier"] for i in page["interfaces"]["items"]] == ["civreg-birth"]
    assert "'nope'" in _error(client.get("/api/agencies/nope"), 404)


def test_interfaces_are_paged_with_a_next_link(client: httpx.Client) -> None:
    seen: list[str] = []
    url: str | None = "/api/interfaces?limit=3"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == len(INTERFACES) and body["limit"] == 3
        seen += [i["identifier"] for i in body["items"]]
        pages += 1
        url = response.links.get("next", {}).get("url")
    assert seen == INTERFACES and pages == 3
    last = client.get("/api/interfaces", params={"offset": 6, "limit": 3})
    assert "link" not in last.headers
    everything = client.get("/api/interfaces").json()
    assert [i["identifier"] for i in everything["items"]] == INTERFACES
    assert everything["offset"] == 0 and everything["limit"] == 50


def test_the_next_link_keeps_the_filters(client: httpx.Client) -> None:
    response = client.get("/api/interfaces", params={"agency": "civreg", "limit": 1})
    follow = client.get(response.links["next"]["url"]).json()
    assert [i["identifier"] for i in follow["items"]] == ["civreg-birth"]
    assert follow["total"] == 2


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agency": "tax"}, ["tax-income-statement", "tax-vat-return"]),
        ({"q": "BIRTH"}, ["civreg-birth"]),
        ({"q": "hospitals"}, ["civreg-birth"]),
        ({"q": "vat-ret"}, ["tax-vat-return"]),
        ({"q": "nothing like this"}, []),
        ({"status": "Withdrawn"}, []),
        ({"agency": "civreg", "q": "address"}, ["civreg-address"]),
    ],
)
def test_interface_filters(
    client: httpx.Client, params: dict[str, str], expected: list[str]
) -> None:
    body = client.get("/api/interfaces", params=params).json()
    assert [i["identifier"] for i in body["items"]] == expected
    assert body["total"] == len(expected)


def test_status_filter_matches_the_current_version(client: httpx.Client) -> None:
    everything = client.get("/api/interfaces").json()["items"]
    completed = client.get("/api/interfaces", params={"status": "Completed"}).json()
    assert [i["identifier"] for i in completed["items"]] == [
        i["identifier"] for i in everything if i["status"] == "Completed"
    ]
    assert completed["total"] > 0


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "x"}, "offset"),
        ({"status": "Done"}, "status"),
        ({"lang": "<script>"}, "lang"),
    ],
)
def test_bad_parameters_are_400(
    client: httpx.Client, params: dict[str, object], where: str
) -> None:
    assert where in _error(client.get("/api/interfaces", params=params), 400)


def test_unknown_agency_filter_is_404(client: httpx.Client) -> None:
    assert "no agency with identifier 'nope'" in _error(
        client.get("/api/interfaces", params={"agency": "nope"}), 404
    )


def test_interface_detail(client: httpx.Client, server: LiveServer) -> None:
    response = client.get("/api/interfaces/civreg-birth")
    assert response.status_code == 200
    body = response.json()
    assert (body["current_version"], body["status"], body["agency"]) == (
        "2.0.0",
        "Completed",
        "civreg",
    )
    assert [(v["version"], v["current"]) for v in body["versions"]] == [
        ("2.0.0", True),
        ("1.0.0", False),
    ]
    mt = body["versions"][0]["message_types"][0]
    assert mt["identifier"] == "BirthNotification" and mt["direction"] == "request"
    schema = next(a for a in mt["artefacts"] if a["role"] == "schema")
    assert schema["download"] == f"{server.url}/api/artefacts/{schema['sha256']}"
    assert [e["name"] for e in mt["examples"]][:1] == ["valid-newborn.xml"]
    assert all(e["download"].endswith(e["sha256"]) for e in mt["examples"])
    assert "'nope'" in _error(client.get("/api/interfaces/nope"), 404)


def test_every_example_downloads_as_its_file(client: httpx.Client) -> None:
    served = {}
    for identifier in INTERFACES:
        body = client.get(f"/api/interfaces/{identifier}").json()
        for version in body["versions"]:
            for mt in version["message_types"]:
                for example in mt["examples"]:
                    folder = DEMO / "interfaces" / identifier / "examples"
                    path = folder / version["version"] / mt["identifier"] / example["name"]
                    served[path] = example
    assert sorted(served) == EXAMPLE_FILES
    for path, example in served.items():
        response = client.get(example["download"])
        assert response.status_code == 200, path
        assert response.content == path.read_bytes()
        kind = "json" if path.suffix == ".json" else "xml"
        assert response.headers["content-type"].startswith(f"application/{kind}")
        assert f'filename="{path.name}"' in response.headers["content-disposition"]


def test_an_artefact_download(client: httpx.Client) -> None:
    body = client.get("/api/interfaces/civreg-address").json()
    schema = body["versions"][0]["message_types"][0]["artefacts"][0]
    response = client.get(f"/api/artefacts/{schema['sha256']}")
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == schema["sha256"]
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["etag"] == f'"{schema["sha256"]}"'
    assert response.headers["content-disposition"].startswith("attachment;")
    assert schema["file_name"] in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"
    again = client.get(
        f"/api/artefacts/{schema['sha256']}",
        headers={"If-None-Match": '"x", ' + response.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""


def _registered(client: httpx.Client) -> set[str]:
    """Every sha256 the interfaces register: artefacts, their parts, examples."""
    found = set()
    for identifier in INTERFACES:
        for version in client.get(f"/api/interfaces/{identifier}").json()["versions"]:
            for mt in version["message_types"]:
                for item in [*mt["artefacts"], *mt["examples"]]:
                    found.add(item["sha256"])
                    found |= {p["sha256"] for p in item.get("parts", [])}
    return found


def test_only_registered_files_are_served(client: httpx.Client, server: LiveServer) -> None:
    """The blob store also holds every record's content: none of it is served."""
    blobs = {f.parent.name + f.name for f in (server.home / "blobs").glob("*/*") if f.is_file()}
    others = blobs - _registered(client)
    assert len(others) >= len(INTERFACES)
    for sha256 in sorted(others):
        assert sha256 in _error(client.get(f"/api/artefacts/{sha256}"), 404)
    assert "sha256" in _error(client.get(f"/api/artefacts/{'0' * 64}"), 404)
    assert "not a sha256" in _error(client.get("/api/artefacts/birth.xsd"), 400)
    assert client.get("/api/artefacts/..%2F..%2Fsecrets.sqlite").status_code == 404


def test_the_openapi_document_describes_the_catalogue(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/agencies",
        "/api/agencies/{identifier}",
        "/api/interfaces",
        "/api/interfaces/{identifier}",
        "/api/artefacts/{sha256}",
    ):
        operation = paths[path]["get"]
        assert operation["summary"] and operation["description"]
        assert {"200", "404"} <= set(operation["responses"])
    listing = paths["/api/interfaces"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listing["schema"]["$ref"].endswith("/InterfacePage")
