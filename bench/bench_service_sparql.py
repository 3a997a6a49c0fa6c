"""SPARQL under load: the integrator queries at `/sparql` with 8 concurrent clients.

The generated registry of 10,000 interfaces (about a million triples, see `_registry_gen`;
`NIF_BENCH_INTERFACES` shrinks it) is bulk-loaded into a temp NIF_HOME, then `nif serve` runs
on it as a subprocess (real uvicorn, loopback). The five queries of `bench_registry_queries`,
each with its parameters drawn from the data, are sent as SPARQL Protocol POSTs (form body,
JSON results) by 8 clients back to back, one query at a time, each run bounded by a request
count and a time limit; every answer must hold the rows the store gives in-process.

Baseline, in the same run: the same queries through `Store.select` in this process, one at a
time, before the service opens the store. The service's p99 over the in-process p99 is the cost
of the protocol, JSON results and sharing 2 cores among 8 clients.

The service runs twice: with the settings `make serve` uses, and with
`sparql_max_concurrent` and `sparql_max_rows` raised; both without the rate limit (600 requests
a minute per client), which `NIF_BENCH_DEFAULTS=1` keeps. `NIF_BENCH_REQUESTS` and
`NIF_BENCH_SECONDS` bound each run (defaults 400 and 20 s).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench._registry_gen import Spec, pinned_registry
from bench._service import LoadResult, Send, load, ms, percentile, serve
from bench.bench_registry_queries import QUERIES, fill, parameters
from nif.registry import Registry
from nif.settings import Settings
from nif.store import DumpFormat

CLIENTS = 8
IN_PROCESS_ROUNDS = 5
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


def in_process(home: Path, queries: dict[str, list[tuple[str, int]]]) -> dict[str, list[float]]:
    """Sequential `Store.select` times per query, after one warm-up run of each text."""
    times: dict[str, list[float]] = {}
    with Registry.open(Settings(home=home)) as registry:
        for name, texts in queries.items():
            times[name] = []
            for query, _ in texts:
                registry.store.select(query)
                for _ in range(IN_PROCESS_ROUNDS):
                    started = time.perf_counter()
                    registry.store.select(query)
                    times[name].append(time.perf_counter() - started)
    return times


def sender(base: str, texts: list[tuple[str, int]], wrong: list[str]) -> Send:
    """Cycle through the texts of one query; an answer with other than the expected number of
    rows is noted in `wrong` (rows are compared by count: the in-process run checked them)."""
    url = base + "/sparql"
    turn = 0

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        nonlocal turn
        query, rows = texts[turn % len(texts)]
        turn += 1
        answer = await client.post(url, data={"query": query}, headers={"Accept": JSON_RESULTS})
        if answer.status_code == 200:
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
        wrong: list[str] = []
        for label, env in CONFIGURATIONS.items():
            results: dict[str, LoadResult] = {}
            with serve(home, {**base, **env}) as service:
                for name, texts in queries.items():
                    send = sender(service.url, texts, wrong)
                    load(send, CLIENTS, requests=len(texts) * 2, seconds=seconds)  # warm-up
                    results[name] = load(
                        send, CLIENTS, requests=requests, seconds=seconds, service=service
                    )
            print(f"\nnif serve with {label}{shown}")
            report(queries, baseline, results)
    if wrong:
        raise SystemExit(f"{len(wrong)} answers differ from the store's; first: {wrong[0]}")


def report(
    queries: dict[str, list[tuple[str, int]]],
    baseline: dict[str, list[float]],
    results: dict[str, LoadResult],
) -> None:
    print(
        f"  {'query':<30}{'rows':>6}{'in-process p50':>15}{'p99':>9}"
        f"{'service req/s':>14}{'p50':>9}{'p99':>9}{'p99 ratio':>10}{'CPU/request':>13}"
        "  other answers"
    )
    for name, result in results.items():
        rows = statistics.mean(n for _, n in queries[name])
        local = baseline[name]
        ratio = result.p(0.99) / percentile(local, 0.99)
        print(
            f"  {name:<30}{rows:>6.0f}{ms(statistics.median(local)):>15}"
            f"{ms(percentile(local, 0.99)):>9}{result.throughput:>14.1f}{ms(result.p(0.5)):>9}"
            f"{ms(result.p(0.99)):>9}{ratio:>9.1f}x{result.cpu_per_request():>13}"
            f"  {result.failures() or '-'}"
        )
    every = [t for r in results.values() for t in r.latencies]
    if every:
        print(f"  all queries, {CLIENTS} clients: p99 {ms(percentile(every, 0.99))}")


if __name__ == "__main__":
    main()
