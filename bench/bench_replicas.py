"""Two replicas against one: `nif serve` processes on one Oxigraph server and one PostgreSQL.

Both sides run on the same remote RDF store (an Oxigraph server, `oxigraph serve`) and the same
PostgreSQL state (Debian's, a private cluster), started here with the test harnesses
(`tests/oxigraph_server.py`, `tests/postgres.py`, `tests/replicas.py`). The registry holds
`bench_service`'s two UBL interfaces (XSD only; XSD + the EN 16931 Schematron) and the demo's
civreg agency. Measured, first with one replica, then with two behind a client-side round
robin (the load balancer):

- validation throughput at concurrency 8, each message type, with the CPU per request: the
  CPU seconds of every replica process and its validation workers (from /proc) over requests;
- SPARQL p50/p99 at concurrency 8 of a small SELECT (the query is the store's work; the
  replica adds the protocol, limits and JSON);
- with two replicas, the time from a `PUT` on A (a zip bundle whose JSON Schema admits a new
  value) until B validates a message with that value: median and p99 over `NIF_BENCH_PUTS`
  PUTs (default 50), measured from A's answer to B's first `valid`.

On two cores the throughput ratio is bound by the machine (two replicas share the cores the
one had); the CPU per request says whether a replica costs more work per message. Not run in
CI. The replicas run without the rate limit (it would refuse most of the load).
`NIF_BENCH_REQUESTS` and `NIF_BENCH_SECONDS` bound each load run (defaults 1000 and 20 s);
`NIF_BENCH_WORKERS` sets each replica's validation workers (default 1).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import json
import os
import statistics
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from bench._service import ROOT, LoadResult, Send, _children, _cpu_seconds, load, ms, percentile
from bench.bench_service import CASES, MESSAGE, Case, check_answer, write_bundle
from nif.registry import Registry
from nif.settings import Settings
from tests import oxigraph_server, postgres, replicas

CONCURRENCY = 8
ADDRESS = ROOT / "registry" / "interfaces" / "civreg-address"
AGENCY = ROOT / "registry" / "agencies" / "civreg.ttl"
NEW = "bench-marriage"
SCHEMA = "schemas/2.0.0/address-lookup-request.schema.json"
PURPOSES = b'"court-summons"]'
EXAMPLE = ADDRESS / "examples/2.0.0/AddressLookupRequest/valid-benefit-payment.json"
QUERY = (
    "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
    "SELECT ?i ?id ?v WHERE { ?i a dcat:DataService ; dct:identifier ?id ; "
    "dcat:hasVersion ?v } ORDER BY ?id ?v"
)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How much each run does (the test runs a tiny one)."""

    requests: int = 1000
    seconds: float = 20.0
    puts: int = 50
    workers: int = 1

    @classmethod
    def from_env(cls) -> Sizes:
        return cls(
            int(os.environ.get("NIF_BENCH_REQUESTS", "1000")),
            float(os.environ.get("NIF_BENCH_SECONDS", "20")),
            int(os.environ.get("NIF_BENCH_PUTS", "50")),
            int(os.environ.get("NIF_BENCH_WORKERS", "1")),
        )


@dataclasses.dataclass
class Side:
    """What one configuration (one or two replicas) measured."""

    replicas: int
    validation: dict[str, LoadResult] = dataclasses.field(default_factory=dict)
    sparql: LoadResult | None = None
    propagation: list[float] = dataclasses.field(default_factory=list)
    puts: list[float] = dataclasses.field(default_factory=list)


def cpu(group: Sequence[replicas.Replica]) -> float:
    """CPU seconds so far of every replica process and all its descendants."""
    return sum(
        _cpu_seconds(r.process.pid) + sum(_cpu_seconds(c) for c in _children(r.process.pid))
        for r in group
    )


def measured(group: Sequence[replicas.Replica], send: Send, sizes: Sizes) -> LoadResult:
    """A load at concurrency 8 with the CPU of every replica (own + workers, summed)."""
    before = cpu(group)
    result = load(send, CONCURRENCY, requests=sizes.requests, seconds=sizes.seconds)
    result.cpu = (cpu(group) - before, 0.0)
    return result


def round_robin(urls: Sequence[str]) -> Iterator[str]:
    return itertools.cycle(urls)


def validation_sender(urls: Sequence[str], case: Case, content: bytes) -> Send:
    turn = round_robin(urls)
    params = {"interface": case.interface, "version": "1.0.0", "message_type": "Invoice"}
    headers = {"Content-Type": "application/xml", "Accept": "application/json"}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            next(turn) + "/api/validate", params=params, content=content, headers=headers
        )

    return send


def sparql_sender(urls: Sequence[str]) -> Send:
    turn = round_robin(urls)
    headers = {"Accept": "application/sparql-results+json"}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(next(turn) + "/sparql", data={"query": QUERY}, headers=headers)

    return send


def marriage(purpose: str) -> bytes:
    """civreg-address as another interface, its 2.0.0 request admitting `purpose` too."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(ADDRESS.rglob("*")):
            if path.is_file():
                name = path.relative_to(ADDRESS).as_posix()
                content = path.read_bytes()
                if name == "interface.ttl":
                    content = content.replace(b"civreg-address", NEW.encode())
                    content = content.replace(b"gov/address", b"gov/bench-marriage")
                elif name == SCHEMA:
                    content = content.replace(PURPOSES, f'"court-summons", "{purpose}"]'.encode())
                zf.writestr(name, content)
    return buffer.getvalue()


def valid_on(client: httpx.Client, purpose: str) -> bool:
    message = json.loads(EXAMPLE.read_text()) | {"purpose": purpose}
    answer = client.post(
        "/api/validate",
        params={"interface": f"{NEW}@2.0.0", "message_type": "AddressLookupRequest"},
        files={"file": ("message.json", json.dumps(message).encode())},
    )
    answer.raise_for_status()
    return bool(answer.json()["verdict"] == "valid")


def propagation(
    a: replicas.Replica, b: replicas.Replica, token: str, side: Side, puts: int
) -> None:
    """`puts` PUTs on A; after each, B is asked until it validates with the new version."""
    with a.client(token) as writer, b.client() as reader:
        for number in range(puts + 1):
            purpose = f"purpose-{number}"
            sent = time.perf_counter()
            answer = writer.put(
                f"/api/records/{NEW}",
                content=marriage(purpose),
                headers={"Content-Type": "application/zip"},
            )
            if answer.status_code not in (200, 201):
                raise SystemExit(f"PUT on A answered {answer.status_code}: {answer.text[:500]}")
            stored = time.perf_counter()
            deadline = stored + 60
            while not valid_on(reader, purpose):
                if time.perf_counter() > deadline:
                    raise SystemExit(f"B did not validate {purpose} within 60 s of the PUT")
            if number:  # the first PUT creates the record: not a change
                side.propagation.append(time.perf_counter() - stored)
                side.puts.append(stored - sent)


def prepare(settings: Settings) -> None:
    with tempfile.TemporaryDirectory(prefix="nif-bench-bundle-") as tmp:
        bundle = write_bundle(Path(tmp) / "bundle")
        with Registry.open(settings) as registry:
            result = registry.submit(bundle, actor="bench")
            registry.submit(AGENCY, actor="bench")
    print(f"registry: {len(result.records)} UBL records ({result.artefacts} artefacts) + civreg")


def run_side(settings: Settings, root: Path, count: int, sizes: Sizes) -> Side:
    side = Side(count)
    content = MESSAGE.read_bytes()
    started = replicas.running(
        settings, count, root / f"x{count}", workers=sizes.workers, env={"NIF_RATE_LIMIT": "0"}
    )
    with started as group:
        urls = [r.url for r in group]
        for case in CASES:
            for url in urls:
                check_answer(url, case, content)
            send = validation_sender(urls, case, content)
            load(send, CONCURRENCY, requests=CONCURRENCY * 4, seconds=sizes.seconds)  # warm-up
            side.validation[case.label] = measured(group, send, sizes)
        side.sparql = measured(group, sparql_sender(urls), sizes)
        if count == 2:
            token = replicas.token(settings, "admin", name="bench")
            propagation(group[0], group[1], token, side, sizes.puts)
    return side


@contextlib.contextmanager
def shared_backends(root: Path) -> Iterator[Settings]:
    """An Oxigraph server keeping its data on disk (as a deployment would: writes cost what
    they cost there) and a PostgreSQL database: the settings of both."""
    with (
        oxigraph_server.running(root / "oxigraph", on_disk=True) as store,
        postgres.running() as pg,
    ):
        settings = store.settings_for(Settings(home=root / "loader", actor="bench"))
        yield pg.settings_for(settings)


def run(sizes: Sizes) -> tuple[Side, Side]:
    with (
        tempfile.TemporaryDirectory(prefix="nif-bench-replicas-") as tmp,
        shared_backends(Path(tmp)) as settings,
    ):
        prepare(settings)
        one = run_side(settings, Path(tmp), 1, sizes)
        two = run_side(settings, Path(tmp), 2, sizes)
    return one, two


def cpu_ms(result: LoadResult) -> float:
    return 1000 * result.cpu[0] / result.requests if result.requests else float("nan")


def report(one: Side, two: Side) -> None:
    print(
        f"\n  {'c=8':<28}{'replicas':>9}{'requests':>9}{'req/s':>9}{'p50':>10}{'p99':>10}"
        f"{'CPU/req':>10}  other answers"
    )
    rows = [(label, one.validation[label], two.validation[label]) for label in one.validation]
    assert one.sparql is not None and two.sparql is not None
    rows.append(("SPARQL SELECT", one.sparql, two.sparql))
    for label, *results in rows:
        for count, result in zip((1, 2), results, strict=True):
            print(
                f"  {label:<28}{count:>9}{result.requests:>9}{result.throughput:>9.1f}"
                f"{ms(result.p(0.5)):>10}{ms(result.p(0.99)):>10}"
                f"{cpu_ms(result):>8.1f}ms  {result.failures() or '-'}"
            )
    print("  (CPU/req: every replica process + its validation workers, over the requests)")
    print("\n  two replicas / one:")
    for label, first, second in rows[:-1]:
        print(
            f"    {label}: throughput {second.throughput / first.throughput:.2f}x, "
            f"CPU per request {cpu_ms(second) / cpu_ms(first):.2f}x"
        )
    print(
        f"    SPARQL: p99 {two.sparql.p(0.99) / one.sparql.p(0.99):.2f}x, "
        f"throughput {two.sparql.throughput / one.sparql.throughput:.2f}x"
    )
    if two.propagation:
        print(
            f"\n  PUT on A until B validates the new version ({len(two.propagation)} PUTs): "
            f"median {ms(statistics.median(two.propagation))}, "
            f"p99 {ms(percentile(two.propagation, 0.99))}; "
            f"the PUT itself: median {ms(statistics.median(two.puts))}"
        )


def main(sizes: Sizes | None = None) -> tuple[Side, Side]:
    sizes = sizes or Sizes.from_env()
    cores = len(os.sched_getaffinity(0))
    print(f"cores available: {cores}, load average {os.getloadavg()[0]:.2f}")
    print(
        f"store: Oxigraph server; state: PostgreSQL; {sizes.workers} validation worker(s) a "
        f"replica; each run <= {sizes.requests} requests, <= {sizes.seconds:.0f} s"
    )
    one, two = run(sizes)
    report(one, two)
    return one, two


if __name__ == "__main__":
    main()
