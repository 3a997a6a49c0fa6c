"""`QueryWorkers`: the embedded store's queries in worker processes that are killed at the time
limit, over snapshots that follow the writes."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvloop

from nif.errors import (
    NifError,
    QueryTimeoutError,
    ResultTooLargeError,
    TooManyRequestsError,
    UsageError,
)
from nif.store import EmbeddedStore, QueryLimits, QueryWorkers, ResultFormat
from tests.store.test_query_limits import cross_join, fill, rows

NS = "https://test.nif.example/workers/"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store")
    yield opened
    opened.close()


def snapshots(store: EmbeddedStore) -> list[Path]:
    folder = Path(store.location).with_name(".store-queries")
    return sorted(folder.iterdir()) if folder.is_dir() else []


@pytest.mark.slow
def test_a_count_past_the_limit_is_killed_and_frees_its_slot(store: EmbeddedStore) -> None:
    """Oxigraph counts in one step: in the service process it ran to its end; in a worker it
    is stopped, and the only slot answers the next query."""
    graph = fill(store, NS, 200)  # 8 million rows to count
    workers = store.query_workers(1)
    with pytest.raises(QueryTimeoutError, match=r"time limit of 0\.3 s"):
        workers.run(
            cross_join(graph, "(COUNT(*) AS ?n)"), ResultFormat.JSON, QueryLimits(timeout=0.3)
        )
    assert workers.busy == 0
    answer = workers.run(f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", ResultFormat.JSON)
    assert len(rows(answer)) == 200


@pytest.mark.slow
def test_a_worker_starting_does_not_count_against_the_query_time(store: EmbeddedStore) -> None:
    """A worker takes a good part of a second to start (spawn, import Oxigraph); a query sent
    to a new one has its whole time limit once the worker is ready."""
    graph = fill(store, NS, 200)
    workers = store.query_workers(1)
    started = time.monotonic()
    answer = workers.run(
        f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        ResultFormat.JSON,
        QueryLimits(timeout=0.2),
    )
    assert time.monotonic() - started > 0.2  # the start alone took longer than the limit
    assert len(rows(answer)) == 200


@pytest.mark.slow
def test_the_limits_and_errors_are_those_of_the_store(store: EmbeddedStore) -> None:
    graph = fill(store, NS, 20)
    workers = store.query_workers(2)
    query = f"SELECT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with pytest.raises(ResultTooLargeError, match="more than 19 rows"):
        workers.run(query, ResultFormat.JSON, QueryLimits(timeout=10, max_rows=19))
    with pytest.raises(UsageError, match="SERVICE"):
        workers.run("SELECT * { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }", ResultFormat.JSON)
    assert store.query_raw(query, ResultFormat.CSV) == workers.run(query, ResultFormat.CSV)
    with pytest.raises(UsageError, match="use json, xml, csv or tsv"):
        workers.run(query, ResultFormat.TURTLE, QueryLimits(max_rows=5))


def test_queries_see_every_write_before_them_and_old_snapshots_go(
    store: EmbeddedStore,
) -> None:
    workers = store.query_workers(2)
    query = f"SELECT ?s WHERE {{ GRAPH <{NS}g> {{ ?s ?p ?o }} }}"
    for count in (1, 5, 3):
        fill(store, NS, count)
        assert len(rows(workers.run(query, ResultFormat.JSON))) == count
    assert len(snapshots(store)) <= 2  # the current one, and one an idle worker may hold
    store.drop_graph(NS + "g")
    assert rows(workers.run(query, ResultFormat.JSON)) == []
    store.close()
    assert snapshots(store) == []


def test_more_queries_than_slots_are_refused(store: EmbeddedStore) -> None:
    graph = fill(store, NS, 200)
    workers = store.query_workers(1)
    started = threading.Event()
    errors: list[BaseException] = []

    def runaway() -> None:
        started.set()
        try:
            workers.run(
                cross_join(graph, "(COUNT(*) AS ?n)"), ResultFormat.JSON, QueryLimits(timeout=5)
            )
        except NifError as exc:  # stopped by the time limit, or by the store closing
            errors.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    started.wait()
    while workers.busy == 0 or not snapshots(store):  # taken its slot, and sent its query
        time.sleep(0.01)
    with pytest.raises(TooManyRequestsError, match="sparql_max_concurrent"):
        workers.run("ASK {}", ResultFormat.JSON)
    store.close()  # kills the running query: the store is going away
    thread.join()
    assert errors and workers.busy == 0


def test_an_in_memory_store_has_no_workers() -> None:
    with pytest.raises(UsageError, match="in-memory"):
        EmbeddedStore().query_workers(1)
    with pytest.raises(UsageError, match="at least 1"):
        QueryWorkers(EmbeddedStore(), 0)


def _run(answer: Coroutine[Any, Any, bytes]) -> bytes:
    """In uvloop, as the service runs."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(answer)


async def _answer(workers: QueryWorkers, query: str, limits: QueryLimits | None = None) -> bytes:
    return b"".join([chunk async for chunk in workers.astream(query, ResultFormat.TSV, limits)])


@pytest.mark.slow
def test_queries_waited_for_in_the_event_loop_answer_as_in_a_thread(
    store: EmbeddedStore,
) -> None:
    """`astream` waits on the worker's pipe in the event loop (uvloop's reader leaves the pipe
    non-blocking: an answer larger than the pipe's buffer must still come whole)."""
    graph = fill(store, NS, 200)
    workers = store.query_workers(1)
    query = cross_join(graph) + " LIMIT 30000"
    assert _run(_answer(workers, query)) == workers.run(query, ResultFormat.TSV)
    with pytest.raises(QueryTimeoutError, match=r"time limit of 0\.3 s"):
        _run(_answer(workers, cross_join(graph, "(COUNT(*) AS ?n)"), QueryLimits(0.3)))
    assert workers.busy == 0
    assert _run(_answer(workers, "ASK {}")) == workers.run("ASK {}", ResultFormat.TSV)


@pytest.mark.slow
def test_an_answer_left_mid_way_in_the_event_loop_frees_its_slot(store: EmbeddedStore) -> None:
    graph = fill(store, NS, 200)
    workers = store.query_workers(1)

    async def leave() -> bytes:
        answer = workers.astream(cross_join(graph), ResultFormat.TSV)
        first = await anext(answer)
        await answer.aclose()
        return first

    assert _run(leave())
    assert workers.busy == 0
    assert workers.run("ASK {}", ResultFormat.JSON)
