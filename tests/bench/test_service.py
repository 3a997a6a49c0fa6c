"""The service benchmarks' harness: a real `nif serve` subprocess and the bounded load."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bench._service import load, percentile, serve


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([3.0, 1.0, 2.0], 0.0) == 1.0
    with pytest.raises(ValueError):
        percentile([], 0.5)


@pytest.mark.slow
def test_load_on_a_served_home_counts_every_answer(tmp_path: Path) -> None:
    with serve(tmp_path, {"NIF_RATE_LIMIT": "0"}) as service:

        async def health(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get(service.url + "/health")

        async def missing(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get(service.url + "/api/no-such-thing")

        found = load(health, 4, requests=40, seconds=60, service=service)
        lost = load(missing, 2, requests=6, seconds=60)
        own, workers = service.cpu()
    assert own > 0.1, "starting the service (importing nif) took no CPU time?"
    assert workers > 0.1, "the validation workers (importing nif) were not found"
    assert found.cpu[0] >= 0 and lost.cpu == (0.0, 0.0)
    assert service.process.returncode is not None, "the service outlived its block"
    assert (found.requests, found.ok, len(found.latencies)) == (40, 40, 40)
    assert found.throughput > 0 and found.p(0.5) <= found.p(0.99)
    assert found.failures() == ""
    assert (lost.ok, lost.failures()) == (0, "404 x6")


@pytest.mark.slow
def test_a_service_that_cannot_start_says_why(tmp_path: Path) -> None:
    bad = {"NIF_RATE_LIMIT": "not-a-number"}
    with (
        pytest.raises(RuntimeError, match=r"(?s)did not become healthy.*NIF_RATE_LIMIT"),
        serve(tmp_path, bad, timeout=60),
    ):
        pass
