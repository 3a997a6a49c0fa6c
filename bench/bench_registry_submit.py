"""Submission latency of one interface into registries of 100, 1,000 and 10,000 interfaces.

Each registry is set up fast (pinned records bulk-loaded, see `_registry_gen`); then the same
SUBMISSIONS new interface bundles (folder with interface.ttl and its schema files, published by
an agency every registry has) are submitted to each, alternating between the registries so
that load from other processes hits them alike. A submission is `Registry.submit` end to end:
parse, pin, SHACL check with the registry context, replace the graph, history and audit.
One warm-up submission per registry is not counted (it reads the shapes once per process).
Target: median latency at 10,000 <= 1.5 x at 100. `NIF_BENCH_INTERFACES` sets the largest size.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench._registry_gen import Spec, pinned_registry, write_folder
from nif.registry import Registry
from nif.settings import Settings
from nif.store import DumpFormat

SUBMISSIONS = 20
FIRST_NEW = 900_000
"""Index of the first submitted interface: far above any registry's own."""


def registry_of(size: int, home: Path) -> Registry:
    nquads, _ = pinned_registry(Spec.from_env(interfaces=size), home)
    registry = Registry.open(Settings(home=home))
    with nquads.open("rb") as data:
        registry.store.load(data, DumpFormat.NQUADS)
    return registry


def bundles(into: Path, count: int) -> list[Path]:
    """`count` new, conforming interface bundles, all published by the first agency."""
    spec = Spec.from_env(interfaces=count, first=FIRST_NEW, violation_share=0.0)
    write_folder(spec, into)
    return sorted((into / "interfaces").iterdir())


def main() -> None:
    largest = Spec.from_env().interfaces
    sizes = sorted({min(s, largest) for s in (100, 1_000, 10_000)} | {largest})
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f}")
    with (
        tempfile.TemporaryDirectory(prefix="nif-bench-submit-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        root = Path(tmp)
        registries = {}
        for size in sizes:
            started = time.perf_counter()
            registries[size] = stack.enter_context(registry_of(size, root / f"home-{size}"))
            seconds = time.perf_counter() - started
            print(f"  registry of {size:>6} interfaces set up in {seconds:5.1f} s")
        new = bundles(root / "new", SUBMISSIONS + 1)
        latencies: dict[int, list[float]] = {size: [] for size in sizes}
        for number, bundle in enumerate(new):
            for size in sizes if number % 2 else reversed(sizes):
                started = time.perf_counter()
                result = registries[size].submit(bundle)
                elapsed = time.perf_counter() - started
                assert result.report.conforms and len(result.records) == 1, result.report.text()
                if number:
                    latencies[size].append(elapsed)
        print(f"  {'interfaces':>10}{'median':>9}{'min':>9}{'max':>9}")
        for size in sizes:
            times = latencies[size]
            print(
                f"  {size:>10}{statistics.median(times) * 1000:>7.0f}ms"
                f"{min(times) * 1000:>7.0f}ms{max(times) * 1000:>7.0f}ms"
            )
        ratio = statistics.median(latencies[sizes[-1]]) / statistics.median(latencies[sizes[0]])
        verdict = "OK" if ratio <= 1.5 else "MISSED"
        print(
            f"  ratio {sizes[-1]} / {sizes[0]}: {ratio:.2f} (target <= 1.5) {verdict}, "
            f"median of {SUBMISSIONS} submissions each"
        )


if __name__ == "__main__":
    main()
