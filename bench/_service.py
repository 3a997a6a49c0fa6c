"""Load on a real `nif serve`: the service as a subprocess on a free loopback port, and a bounded
async httpx load generator that reports requests/s and latency percentiles.

The service runs in its own process (real uvicorn, as `make serve` starts it), so the load
generator's CPU is not the service's; on a 2-core machine both still share the cores, which is
what a client on the same host sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
"""One request of the load, sent on the shared client."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass(frozen=True)
class Service:
    """A running `nif serve`: its base URL and process."""

    url: str
    process: subprocess.Popen[bytes]

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the service process and by its children (the validation
        and query workers, those it killed and waited for included), from /proc (Linux):
        where a request's time goes."""
        own = _cpu_seconds(self.process.pid)
        live = sum(_cpu_seconds(child, waited=True) for child in _children(self.process.pid))
        return own, _cpu_seconds(self.process.pid, own=False, waited=True) + live


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int, *, own: bool = True, waited: bool = False) -> float:
    """User + system time of a live process (`own`) and of its children that ended and were
    waited for (`waited`: a killed worker's time is not lost); 0 when it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    ticks = int(fields[11]) + int(fields[12]) if own else 0
    return (ticks + (int(fields[13]) + int(fields[14]) if waited else 0)) / _TICKS


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (spawned workers and their resource trackers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    return found


@contextlib.contextmanager
def serve(home: Path, env: dict[str, str] | None = None, timeout: float = 120) -> Iterator[Service]:
    """`nif serve --home HOME` on a free port until the block ends; `env` adds NIF_* settings.

    Waits for `/health` to answer 200; the service's log goes to HOME/serve.log, shown when it
    does not start.
    """
    port = free_port()
    command = [sys.executable, "-m", "nif", "serve", "--home", str(home), "--port", str(port)]
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    service = Service(f"http://127.0.0.1:{port}", process)
    try:
        _wait_healthy(service, timeout, log_path)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(service: Service, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(service.url + "/health", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    log = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"nif serve did not become healthy at {service.url}:\n{log}")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (`fraction` in 0..1) of a non-empty list."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


@dataclasses.dataclass
class LoadResult:
    """What one load run measured: successful latencies and every status seen."""

    concurrency: int
    elapsed: float
    latencies: list[float]
    statuses: Counter[int]
    errors: Counter[str]
    cpu: tuple[float, float] = (0.0, 0.0)
    """CPU seconds the service (its own process, its workers) spent during the run, if known."""

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def ok(self) -> int:
        return self.statuses[200]

    @property
    def throughput(self) -> float:
        """Successful requests per second."""
        return self.ok / self.elapsed if self.elapsed else 0.0

    def p(self, fraction: float) -> float:
        return percentile(self.latencies, fraction) if self.latencies else float("nan")

    def cpu_per_request(self) -> str:
        """The service's CPU milliseconds per answered request, own process + workers."""
        if not self.requests or self.cpu == (0.0, 0.0):
            return "-"
        own, workers = (1000 * seconds / self.requests for seconds in self.cpu)
        return f"{own:.1f}+{workers:.1f}ms"

    def failures(self) -> str:
        """Non-200 statuses and transport errors, e.g. `429 x12, ReadTimeout x1` (or '')."""
        parts = [f"{s} x{n}" for s, n in sorted(self.statuses.items()) if s != 200]
        parts += [f"{e} x{n}" for e, n in sorted(self.errors.items())]
        return ", ".join(parts)


async def _load(send: Send, concurrency: int, requests: int, seconds: float) -> LoadResult:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    issued = 0
    async with httpx.AsyncClient(limits=limits, timeout=300) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                sent = time.perf_counter()
                try:
                    response = await send(client)
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(concurrency, elapsed, latencies, statuses, errors)


def load(
    send: Send,
    concurrency: int,
    *,
    requests: int,
    seconds: float,
    service: Service | None = None,
) -> LoadResult:
    """`concurrency` clients sending `send` back to back (keep-alive connections), until
    `requests` were sent or `seconds` passed; requests in flight then still finish. With
    `service`, the result holds the CPU time it spent meanwhile."""
    before = service.cpu() if service else (0.0, 0.0)
    result = asyncio.run(_load(send, concurrency, requests, seconds))
    if service:
        after = service.cpu()
        result.cpu = (after[0] - before[0], after[1] - before[1])
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms" if seconds < 1 else f"{seconds:.2f}s"
