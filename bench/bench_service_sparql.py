"""SPARQL under load: the integrator queries at `/sparql` with 8 concurrent clients.

The generated registry of 10,000 interfaces (about a million triples, see `_registry_gen`;
`NIF_BENCH_INTERFACES` shrinks it) is bulk-loaded into a temp NIF_HOME, then `nif serve` runs
on it as a subprocess (real uvicorn, loopback). The five queries of `bench_registry_queries`,
each with its parameters drawn from the data, are sent as SPARQL Protocol POSTs (form body,
JSON results) by 8 clients back to back, one query at a time, each run bounded by a request
count and a time limit; every answer must hold the rows the store gives in-process.

Baseline, in the same run: the same queries through `Store.select` in this process, one at a
time, before the service opens the store (latency and CPU per query), and in 2 processes at
once over read-only snapshots of the store, back to back for `IN_PROCESS_SECONDS` (the rate 2
cores give in process). The service's p99 over the in-process p99 is the cost of the protocol,
JSON results and sharing 2 cores among 8 clients; its CPU per request (its own process and its
query workers, from /proc) over the query's CPU in process is what the protocol costs.

Targets (issue 17), with the 8-slot service: "interfaces of an agency" at >= 0.5x the 2-core
in-process rate and <= the query's CPU + 1 ms per request; "versions by status" at <= 1.3x the
query's CPU, its answers streamed (serialised by Oxigraph in the query worker, passed on in
256 KiB chunks, chunked on the wire past `HOLD_BYTES`).

The service runs twice: with the settings `make serve` uses, and with
`sparql_max_concurrent` and `sparql_max_rows` raised; both without the rate limit (600 requests
a minute per client), which `NIF_BENCH_DEFAULTS=1` keeps. `NIF_BENCH_REQUESTS` and
`NIF_BENCH_SECONDS` bound each run (defaults 400 and 20 s).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench._registry_gen import Spec, pinned_registry
from bench._service import LoadResult, Send, load, ms, percentile, serve
from bench._summary import target
from bench.bench_registry_queries import QUERIES, fill, parameters
from nif.registry import Registry
from nif.settings import Settings
from nif.store import DumpFormat, EmbeddedStore
from nif.web._streaming import HOLD_BYTES

CLIENTS = 8
IN_PROCESS_ROUNDS = 5
IN_PROCESS_SECONDS = 3.0
CORES = 2
SMALL, LARGE = "interfaces of an agency", "versions by status"
JSON_RESULTS = "application/sparql-results+json"
CONFIGURATIONS = {
    "make serve's defaults": {},
    f"sparql_max_concurrent={CLIENTS}, sparql_max_rows=100000": {
        "NIF_SPARQL_MAX_CONCURRENT": str(CLIENTS),
        "NIF_SPARQL_MAX_ROWS": "100000",
    },
}
"""The defaults evaluate 4 queries at once and refuse results over 10,000 rows (the Completed
versions of 10,000 interfaces are more); the second run lifts both, so that every client's
every query is answered."""


def prepare(home: Path) -> dict[str, list[tuple[str, int]]]:
    """Load the generated registry into `home`; each query's texts with their row counts."""
    spec = Spec.from_env()
    nquads, quads = pinned_registry(spec, home)
    print(f"registry: {spec.agencies} agencies, {spec.interfaces} interfaces, {quads} triples")
    with Registry.open(Settings(home=home)) as registry:
        with nquads.open("rb") as data:
            registry.store.load(data, DumpFormat.NQUADS)
        params = parameters(registry.store)
        texts = {
            name: [fill(template, values) for values in params[name]]
            for name, template in QUERIES.items()
        }
        return {
            name: [(query, len(registry.store.select(query))) for query in queries]
            for name, queries in texts.items()
        }


@dataclass
class Baseline:
    """One query's in-process figures: sequential latencies and CPU, and the 2-core rate."""

    times: list[float]
    cpu: float
    """CPU seconds per query, sequential."""
    rate: float = 0.0
    """Queries per second in `CORES` processes at once."""


def in_process(home: Path, queries: dict[str, list[tuple[str, int]]]) -> dict[str, Baseline]:
    """Sequential `Store.select` times and CPU per query, after one warm-up run of each text;
    then the rate of `CORES` processes running the same texts at once."""
    found: dict[str, Baseline] = {}
    with Registry.open(Settings(home=home)) as registry:
        for name, texts in queries.items():
            times: list[float] = []
            cpu = 0.0
            for query, _ in texts:
                registry.store.select(query)
                for _ in range(IN_PROCESS_ROUNDS):
                    started, used = time.perf_counter(), time.process_time()
                    registry.store.select(query)
                    cpu += time.process_time() - used
                    times.append(time.perf_counter() - started)
            found[name] = Baseline(times, cpu / len(times))
        snapshot = home / "bench-snapshot"
        assert isinstance(registry.store, EmbeddedStore)
        registry.store.checkpoint(snapshot)
    spawn = multiprocessing.get_context("spawn")
    for name, texts in queries.items():
        with spawn.Pool(CORES) as pool:
            args = [(str(snapshot), [q for q, _ in texts], IN_PROCESS_SECONDS)] * CORES
            found[name].rate = sum(pool.starmap(_run_for, args))
    return found


def _run_for(snapshot: str, texts: list[str], seconds: float) -> float:
    """Queries per second run back to back over a read-only snapshot for `seconds` (one round
    at least), after a warm-up round: the process's start is not counted."""
    store = EmbeddedStore.read_only(snapshot)
    for query in texts:
        store.select(query)
    done, started = 0, time.perf_counter()
    while done < len(texts) or time.perf_counter() < started + seconds:
        store.select(texts[done % len(texts)])
        done += 1
    rate = done / (time.perf_counter() - started)
    store.close()
    return rate


def sender(
    base: str, texts: list[tuple[str, int]], wrong: list[str], streamed: list[bool] | None = None
) -> Send:
    """Cycle through the texts of one query; an answer with other than the expected number of
    rows is noted in `wrong` (rows are compared by count: the in-process run checked them), and
    in `streamed` whether each answer came as the service streams: chunked past `HOLD_BYTES`
    (a smaller one is held whole, so that an error before its end keeps its status)."""
    url = base + "/sparql"
    turn = 0

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        nonlocal turn
        query, rows = texts[turn % len(texts)]
        turn += 1
        answer = await client.post(url, data={"query": query}, headers={"Accept": JSON_RESULTS})
        if answer.status_code == 200:
            if streamed is not None:  # held whole up to HOLD_BYTES, so a 422 keeps its message
                chunked = answer.headers.get("transfer-encoding") == "chunked"
                streamed.append(chunked or len(answer.content) <= HOLD_BYTES)
            got = len(answer.json()["results"]["bindings"])
            if got != rows:
                wrong.append(f"{got} rows instead of {rows} for\n{query}")
        return answer

    return send


def main() -> None:
    requests = int(os.environ.get("NIF_BENCH_REQUESTS", "400"))
    seconds = float(os.environ.get("NIF_BENCH_SECONDS", "20"))
    defaults = os.environ.get("NIF_BENCH_DEFAULTS", "") not in ("", "0")
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f}")
    base = {} if defaults else {"NIF_RATE_LIMIT": "0"}
    shown = "" if defaults else ", rate limit off"
    print(f"{CLIENTS} clients, each query <= {requests} requests, <= {seconds:.0f} s")
    with tempfile.TemporaryDirectory(prefix="nif-bench-sparql-") as tmp:
        home = Path(tmp)
        started = time.perf_counter()
        queries = prepare(home)
        print(f"  set-up (generate, bulk load): {time.perf_counter() - started:.1f} s")
        baseline = in_process(home, queries)
        print(f"  load average after the in-process baseline: {os.getloadavg()[0]:.2f}")
        wrong: list[str] = []
        for label, env in CONFIGURATIONS.items():
            results: dict[str, LoadResult] = {}
            streamed: list[bool] = []
            with serve(home, {**base, **env}) as service:
                for name, texts in queries.items():
                    send = sender(service.url, texts, wrong, streamed if name == LARGE else None)
                    load(send, CLIENTS, requests=len(texts) * 2, seconds=seconds)  # warm-up
                    results[name] = load(
                        send, CLIENTS, requests=requests, seconds=seconds, service=service
                    )
            print(f"\nnif serve with {label}{shown}, load average {os.getloadavg()[0]:.2f}")
            report(queries, baseline, results)
        targets(baseline, results, streamed)
    if wrong:
        raise SystemExit(f"{len(wrong)} answers differ from the store's; first: {wrong[0]}")


def report(
    queries: dict[str, list[tuple[str, int]]],
    baseline: dict[str, Baseline],
    results: dict[str, LoadResult],
) -> None:
    print(
        f"  {'query':<30}{'rows':>6}{'in-process p50':>15}{'p99':>9}{'CPU':>8}"
        f"{f'{CORES} cores/s':>11}{'service req/s':>14}{'ratio':>7}{'p50':>9}{'p99':>9}"
        f"{'p99 ratio':>10}{'CPU/request':>13}{'CPU ratio':>10}  other answers"
    )
    for name, result in results.items():
        rows = statistics.mean(n for _, n in queries[name])
        local = baseline[name]
        ratio = result.p(0.99) / percentile(local.times, 0.99)
        print(
            f"  {name:<30}{rows:>6.0f}{ms(statistics.median(local.times)):>15}"
            f"{ms(percentile(local.times, 0.99)):>9}{ms(local.cpu):>8}{local.rate:>11.1f}"
            f"{result.throughput:>14.1f}{result.throughput / local.rate:>6.2f}x"
            f"{ms(result.p(0.5)):>9}{ms(result.p(0.99)):>9}{ratio:>9.1f}x"
            f"{result.cpu_per_request():>13}{cpu_per_request(result) / local.cpu:>9.2f}x"
            f"  {result.failures() or '-'}"
        )
    every = [t for r in results.values() for t in r.latencies]
    if every:
        print(f"  all queries, {CLIENTS} clients: p99 {ms(percentile(every, 0.99))}")


def cpu_per_request(result: LoadResult) -> float:
    """The service's CPU seconds per request: its own process and its query workers."""
    return sum(result.cpu) / result.requests if result.requests else float("nan")


def targets(
    baseline: dict[str, Baseline], results: dict[str, LoadResult], streamed: list[bool]
) -> None:
    """Issue 17's two SPARQL targets, from the run with `CLIENTS` slots."""
    if SMALL in results:
        small, local = results[SMALL], baseline[SMALL]
        rate = small.throughput / local.rate
        extra = cpu_per_request(small) - local.cpu
        target(
            f"SPARQL at /sparql, {CLIENTS} clients, {SMALL!r}: rate",
            f"{small.throughput:.0f} req/s, {rate:.2f}x",
            f"the same queries in process on {CORES} cores ({local.rate:.0f}/s)",
            ">= 0.5x",
            rate >= 0.5,
        )
        target(
            f"SPARQL at /sparql, {SMALL!r}: CPU per request",
            f"{ms(cpu_per_request(small))} ({extra * 1000:+.1f} ms)",
            f"the query in process ({ms(local.cpu)})",
            "<= the query's + 1 ms",
            extra <= 0.001,
        )
    if LARGE in results:
        large, local = results[LARGE], baseline[LARGE]
        ratio = cpu_per_request(large) / local.cpu
        chunked = bool(streamed) and all(streamed)
        target(
            f"SPARQL, {LARGE!r}: CPU per request",
            f"{ms(cpu_per_request(large))}, {ratio:.2f}x, p99 {ms(large.p(0.99))}, "
            + ("streamed" if chunked else "not streamed"),
            f"the same query in process ({ms(local.cpu)})",
            "<= 1.3x, results streamed",
            ratio <= 1.3 and chunked,
        )


if __name__ == "__main__":
    main()
