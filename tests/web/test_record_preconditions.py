"""Optimistic concurrency over HTTP: `ETag` on reads, `If-Match` / `If-None-Match` on writes,
412 for a stale one (nothing stored, the refusal audited), through a real server."""

from __future__ import annotations

import concurrent.futures
import hashlib

import httpx
import pytest

from tests.web.test_records_api import (
    ADDRESS,
    ADDRESS_TITLE,
    BIRTH,
    BUSREG,
    DESK,
    NEW,
    WHO,
    MakeServer,
    agency,
    audit,
    bundle,
    credentials,
    current,
    fresh,
    new_interface,
)

STALE = '"' + "0" * 64 + '"'


def etag_of(client: httpx.Client, record: str) -> str:
    answer = client.get(f"/api/records/{record}")
    assert answer.status_code == 200, answer.text
    return answer.headers["etag"]


def versions(client: httpx.Client, record: str) -> list[dict[str, object]]:
    return list(client.get(f"/api/records/{record}/history").json()["versions"])


def put_if(
    client: httpx.Client, record: str, body: bytes, media: str, **headers: str
) -> httpx.Response:
    sent = {"Content-Type": media, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return client.put(f"/api/records/{record}", content=body, headers=sent)


def test_the_etag_is_the_sha256_of_the_canonical_ntriples_in_every_format(
    make_server: MakeServer,
) -> None:
    live = fresh(make_server)
    with live.client() as reader:
        ntriples = reader.get(f"/api/records/{ADDRESS}", params={"format": "ntriples"})
        expected = '"' + hashlib.sha256(ntriples.content).hexdigest() + '"'
        for fmt in ("turtle", "ntriples", "json-ld", "rdf-xml"):
            answer = reader.get(f"/api/records/{ADDRESS}", params={"format": fmt})
            assert answer.headers["etag"] == expected, fmt
        assert f'"{versions(reader, ADDRESS)[-1]["sha256"]}"' == expected
        again = reader.get(f"/api/records/{ADDRESS}", headers={"If-None-Match": expected})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == expected
        other = reader.get(f"/api/records/{ADDRESS}", headers={"If-None-Match": STALE})
        assert other.status_code == 200


def test_a_write_with_the_current_etag_stores_and_answers_the_new_one(
    make_server: MakeServer,
) -> None:
    live = fresh(make_server)
    with live.client() as reader, live.client(live.token("admin")) as admin:
        tag = etag_of(reader, "civreg")
        answer = put_if(admin, "civreg", agency("civreg", [DESK]), "text/turtle", If_Match=tag)
        assert answer.status_code == 200, answer.text
        new = answer.headers["etag"]
        assert new != tag and new == etag_of(reader, "civreg")
        assert new == f'"{versions(reader, "civreg")[-1]["sha256"]}"'
        listed = put_if(
            admin, "civreg", agency("civreg"), "text/turtle", If_Match=f"{STALE}, W/{new}, {new}"
        )
        assert listed.status_code == 200, listed.text
        any_current = put_if(admin, "civreg", agency("civreg", [DESK]), "text/turtle", If_Match="*")
        assert any_current.status_code == 200


def test_a_stale_etag_is_412_naming_the_current_one_and_nothing_is_stored(
    make_server: MakeServer,
) -> None:
    live = fresh(make_server)
    with live.client() as reader, live.client(live.token("admin", name="operator")) as admin:
        tag = etag_of(reader, ADDRESS)
        before = (current(reader, ADDRESS), len(versions(reader, ADDRESS)))
        body = bundle(ADDRESS, [ADDRESS_TITLE])
        answer = put_if(admin, ADDRESS, body, "application/zip", If_Match=STALE)
        assert answer.status_code == 412, answer.text
        problem = answer.json()
        assert problem["error"] == "precondition_failed"
        assert problem["details"] == {"etag": tag}
        assert answer.headers["etag"] == tag
        assert tag in problem["message"]
        weak = put_if(admin, ADDRESS, body, "application/zip", If_Match=f"W/{tag}")
        assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches
        assert (current(reader, ADDRESS), len(versions(reader, ADDRESS))) == before
        refused = [e for e in audit(live) if e["target"].startswith(ADDRESS)]
        assert refused[0]["outcome"] == "refused"
        assert "If-Match" in refused[0]["detail"] and tag in refused[0]["detail"]
        assert all(e["outcome"] != "pending" for e in audit(live))


def test_if_none_match_star_creates_only(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as admin:
        exists = put_if(admin, "civreg", agency("civreg"), "text/turtle", If_None_Match="*")
        assert exists.status_code == 412
        assert exists.json()["details"]["etag"] == etag_of(admin, "civreg")
        created = put_if(admin, NEW, new_interface(), "application/zip", If_None_Match="*")
        assert created.status_code == 201, created.text
        assert created.headers["etag"] == etag_of(admin, NEW)
        missing = put_if(admin, "civreg-none", new_interface(), "application/zip", If_Match="*")
        assert missing.status_code in (400, 412)


def test_if_match_on_a_record_that_does_not_exist_is_412(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client(live.token("admin")) as admin:
        answer = put_if(admin, NEW, new_interface(), "application/zip", If_Match="*")
        assert answer.status_code == 412, answer.text
        assert answer.json()["details"] == {"etag": None}
        assert "etag" not in answer.headers
        assert admin.get(f"/api/records/{NEW}").status_code == 404


def test_a_proposal_keeps_the_etag_of_the_current_record(make_server: MakeServer) -> None:
    live = fresh(make_server)
    completed = bundle(BUSREG, [("status/UnderDevelopment>", "status/Completed>")])
    with live.client() as reader, live.client(live.token("publisher", "busreg")) as busreg:
        tag = etag_of(reader, BUSREG)
        stale = put_if(busreg, BUSREG, completed, "application/zip", If_Match=STALE)
        assert stale.status_code == 412  # checked before the review rule keeps it
        answer = put_if(busreg, BUSREG, completed, "application/zip", If_Match=tag)
        assert answer.status_code == 202, answer.text
        assert answer.headers["etag"] == tag == etag_of(reader, BUSREG)


def test_withdraw_with_if_match(make_server: MakeServer) -> None:
    live = fresh(make_server)
    with live.client() as reader, live.client(live.token("admin")) as admin:
        tag = etag_of(reader, BIRTH)
        stale = admin.delete(f"/api/records/{BIRTH}", headers={"If-Match": STALE})
        assert stale.status_code == 412
        assert stale.json()["details"] == {"etag": tag}
        assert reader.get(f"/api/records/{BIRTH}").status_code == 200
        done = admin.delete(f"/api/records/{BIRTH}", headers={"If-Match": tag})
        assert done.status_code == 200, done.text
        assert reader.get(f"/api/records/{BIRTH}").status_code == 404


MALFORMED = [
    "abc",
    '"abc',
    'W/"abc',
    '"a" "b"',
    '"a";"b"',
    'W/ "a"',
    'w/"a"',
    ",",
    ", ,",
    '*, "a"',
    "**",
    '"a\\"b"',
    '"tab\there"',
    ", ".join(['"x"'] * 65),
    '"' + "a" * 5000,
]


@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
def test_malformed_conditions_are_400_and_audited(make_server: MakeServer, header: str) -> None:
    live = fresh(make_server)
    with live.client() as reader, live.client(live.token("admin")) as admin:
        before = current(reader, "civreg")
        for value in MALFORMED:
            answer = put_if(
                admin,
                "civreg",
                agency("civreg", [DESK]),
                "text/turtle",
                **{header.replace("-", "_"): value},
            )
            assert answer.status_code == 400, (value, answer.text)
            assert header in answer.json()["message"]
            assert len(answer.json()["message"]) < 400
            gone = admin.delete(f"/api/records/{BIRTH}", headers={header: value})
            assert gone.status_code == 400, (value, gone.text)
        assert current(reader, "civreg") == before
        assert reader.get(f"/api/records/{BIRTH}").status_code == 200
        refused = [e for e in audit(live) if e["outcome"] == "refused"]
        assert len(refused) == 2 * len(MALFORMED)
        malformed_on_read = reader.get("/api/records/civreg", headers={"If-None-Match": "abc"})
        assert malformed_on_read.status_code == 200  # a read ignores what a cache may send


# the authorisation matrix: authorisation is decided before the precondition

COND_OPS = ["put-stale", "put-create-only", "delete-stale"]
UNAUTHENTICATED = dict.fromkeys(COND_OPS, 401)
FORBIDDEN = dict.fromkeys(COND_OPS, 403)
STALE_ANSWERS = dict.fromkeys(COND_OPS, 412)
COND_EXPECTED = {
    "anonymous": UNAUTHENTICATED,
    "publisher-A": STALE_ANSWERS,
    "publisher-B": FORBIDDEN,
    "certifier": FORBIDDEN,
    "admin": STALE_ANSWERS,
    "revoked": UNAUTHENTICATED,
    "unknown": UNAUTHENTICATED,
    "malformed": UNAUTHENTICATED,
}


def conditional(client: httpx.Client, op: str) -> httpx.Response:
    match op:
        case "put-stale":
            body = bundle(ADDRESS, [ADDRESS_TITLE])
            return put_if(client, ADDRESS, body, "application/zip", If_Match=STALE)
        case "put-create-only":
            return put_if(
                client, "civreg", agency("civreg", [DESK]), "text/turtle", If_None_Match="*"
            )
        case _:
            return client.delete(f"/api/records/{BIRTH}", headers={"If-Match": STALE})


@pytest.mark.parametrize("who", WHO)
def test_conditional_writes_authorisation_matrix(make_server: MakeServer, who: str) -> None:
    live = fresh(make_server)
    token = credentials(live, who)
    with live.client() as reader, live.client(token) as client:
        before = {r: current(reader, r) for r in (ADDRESS, BIRTH, "civreg")}
        for op in COND_OPS:
            answer = conditional(client, op)
            assert answer.status_code == COND_EXPECTED[who][op], (who, op, answer.text)
            if answer.status_code == 412:
                assert answer.json()["details"]["etag"].startswith('"')
        assert {r: current(reader, r) for r in before} == before
    entries = audit(live)
    assert all(e["outcome"] == "refused" for e in entries[: len(COND_OPS)])


def test_two_writers_with_one_etag_one_wins(make_server: MakeServer) -> None:
    """Both based on one version, at once: one is stored, the other is 412 (the check is made
    under the write lock), and the history has one new version."""
    live = fresh(make_server)
    with live.client() as reader:
        tag = etag_of(reader, "civreg")
        before = len(versions(reader, "civreg"))
    bodies = [agency("civreg", [DESK]), agency("civreg", [(DESK[0], DESK[0] + " (B)")])]

    def write(body: bytes) -> int:
        with live.client(live.token("admin")) as admin:
            return put_if(admin, "civreg", body, "text/turtle", If_Match=tag).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(write, bodies))
    assert statuses == [200, 412]
    with live.client() as reader:
        assert len(versions(reader, "civreg")) == before + 1
