"""Service limits through a real server: upload size (413), requests per client and
validations at once (429), and a validation over its time limit (verdict error)."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable, Iterator

import httpx

from tests.conftest import ROOT
from tests.web.conftest import LiveServer
from tests.web.messages import heavy_company_extract

NEWBORN = (
    ROOT / "registry/interfaces/civreg-birth/examples/2.0.0/BirthNotification/valid-newborn.xml"
).read_bytes()


def _refused(answer: httpx.Response, status: int, *words: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["status"] == status
    for word in words:
        assert word in body["message"], body["message"]
    return body  # type: ignore[no-any-return]


def test_an_upload_over_the_limit_is_refused_from_its_content_length(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(max_upload_bytes=2000)
    with server.client() as client:
        big = NEWBORN + b" " * 3000
        body = _refused(client.post("/api/validate", content=big), 413, "max_upload_bytes", "2000")
        assert body["error"] == "too_large"
        assert str(len(big)) in str(body["message"])
        assert client.post("/api/validate", content=NEWBORN).json()["verdict"] == "valid"


def test_a_chunked_upload_is_cut_off_at_the_limit(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(max_upload_bytes=2000)

    def chunks() -> Iterator[bytes]:
        yield NEWBORN
        for _ in range(10):
            yield b" " * 500

    with server.client() as client:
        answer = client.post("/api/validate", content=chunks())
        assert answer.request.headers.get("transfer-encoding") == "chunked"
        _refused(answer, 413, "max_upload_bytes")
        multipart = client.post(
            "/api/validate/batch",
            files=[("files", (f"{i}.xml", NEWBORN)) for i in range(4)],
        )
        _refused(multipart, 413, "max_upload_bytes")


def test_a_zip_whose_contents_are_over_the_limit_is_refused(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(max_upload_bytes=50_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", NEWBORN)
        archive.writestr("bomb.xml", b"<a>" + b" " * 200_000 + b"</a>")
    assert len(buffer.getvalue()) < 50_000
    with server.client() as client:
        answer = client.post(
            "/api/validate/batch",
            content=buffer.getvalue(),
            headers={"Content-Type": "application/zip"},
        )
        _refused(answer, 413, "uncompressed", "max_upload_bytes")


def test_a_client_over_its_rate_gets_429_with_retry_after(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(rate_limit=3)
    with server.client() as client:
        statuses = [client.get("/version").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        answer = client.post("/api/validate", content=NEWBORN)
        body = _refused(answer, 429, "rate_limit", "3 per minute")
        assert body["error"] == "too_many_requests"
        assert int(answer.headers["Retry-After"]) >= 1
        assert client.get("/health").status_code == 200  # monitoring is never limited


def test_no_rate_limit_when_it_is_zero(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(rate_limit=0)
    with server.client() as client:
        assert {client.get("/version").status_code for _ in range(30)} == {200}


def test_validations_beyond_the_concurrency_limit_get_429(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(max_concurrent_validations=1, validation_workers=1, rate_limit=0)
    heavy = heavy_company_extract(3000)
    answers: list[httpx.Response] = []

    def slow() -> None:
        """Until one heavy validation got through (a small one may hold the place first)."""
        with server.client() as own:
            for _ in range(200):
                answers.append(own.post("/api/validate", content=heavy))
                if answers[-1].status_code == 200:
                    return
                time.sleep(0.02)

    with server.client() as client:  # the small one's validators compiled before the race
        assert client.post("/api/validate", content=NEWBORN).status_code == 200
    worker = threading.Thread(target=slow)
    worker.start()
    with server.client() as client:
        while worker.is_alive():
            answers.append(client.post("/api/validate", content=NEWBORN))
            time.sleep(0.05)  # pacing, so that the heavy one finds the place free
    worker.join()
    refused = [a for a in answers if a.status_code == 429]
    assert refused, "no validation was refused"
    body = _refused(refused[0], 429, "max_concurrent_validations")
    assert refused[0].headers["Retry-After"] == "1"
    assert body["error"] == "too_many_requests"
    passed = [a.json()["verdict"] for a in answers if a.status_code == 200]
    assert "invalid" in passed  # the heavy one, checked in full
    assert {a.status_code for a in answers} == {200, 429}
    with server.client() as client:
        assert client.post("/api/validate", content=NEWBORN).json()["verdict"] == "valid"


def test_a_validation_over_its_time_limit_is_stopped_and_the_next_one_works(
    make_server: Callable[..., LiveServer],
) -> None:
    server = make_server(step_timeout=0.2, validation_workers=1)
    with server.client() as client:
        answer = client.post("/api/validate", content=heavy_company_extract(20_000))
        assert answer.status_code == 200
        report = answer.json()
        assert report["verdict"] == "error"
        assert report["profile"] == "busreg-company@2.0.0/CompanyExtract"
        assert "time limit exceeded" in report["steps"][0]["error"]
        text = client.post(
            "/api/validate", content=heavy_company_extract(20_000), params={"format": "text"}
        ).text
        assert text.startswith("ERROR") and "time limit exceeded" in text
        assert client.post("/api/validate", content=NEWBORN).json()["verdict"] == "valid"
