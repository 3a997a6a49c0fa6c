"""The replica benchmark runs end to end in a tiny mode, so it cannot rot: one replica, then
two, on an Oxigraph server and PostgreSQL, a few requests each and two PUTs."""

from __future__ import annotations

import pytest

from bench.bench_replicas import Sizes, main
from tests.conftest import require_oxigraph_server, require_postgres


@pytest.mark.slow
def test_the_bench_runs_in_a_tiny_mode(capsys: pytest.CaptureFixture[str]) -> None:
    require_oxigraph_server()
    require_postgres()
    one, two = main(Sizes(requests=16, seconds=30, puts=2, workers=1))
    for side in (one, two):
        assert side.sparql is not None and side.sparql.failures() == ""
        for result in side.validation.values():
            assert (result.requests, result.ok, result.failures()) == (16, 16, "")
            assert result.cpu[0] > 0
    assert len(two.propagation) == 2 and not one.propagation
    printed = capsys.readouterr().out
    assert "two replicas / one:" in printed and "PUT on A until B validates" in printed
