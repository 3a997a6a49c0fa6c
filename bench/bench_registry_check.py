"""`nif registry check` vs plain pyshacl over the whole registry graph, with the same findings.

A generated registry (a few percent of its interfaces broken: bad semantic version, http
endpoint, duplicate identifier, no publisher; see `_registry_gen`) is bulk-loaded, pinned, into
a registry's store. nif checks it with `Registry.check(workers=2)`: chunks of records, each
with the registry context it needs, over a process pool. The baseline is one `pyshacl.validate`
of the union of every record plus the vocabularies against the same shapes (inference none,
advanced, warnings allowed), in this process. Both must report the same results (severity,
focus node, path, source shape, constraint).

Whole-graph pyshacl grows faster than linearly (minutes for a few hundred interfaces), so it
runs at a size only when the growth measured so far predicts it within PYSHACL_LIMIT (10 min;
NIF_BENCH_FULL_SHACL=1 runs it anyway); above, the prediction is shown. nif runs at every size.
Target: pyshacl / nif >= 3 at 10,000 interfaces on 2 cores.
`NIF_BENCH_INTERFACES` sets the full size.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path

import pyshacl
from rdflib import Dataset, Graph

from bench._registry_gen import Spec, pinned_registry
from nif.registry import Registry, ShaclResult
from nif.registry._shacl import profile_graphs, report_results
from nif.settings import Settings
from nif.store import DumpFormat

SIZES = (100, 200, 400, 1_000)
PYSHACL_LIMIT = 10 * 60.0
WORKERS = 2

Finding = tuple[str, str, str, str, str]


def finding(result: ShaclResult) -> Finding:
    return (result.severity, result.focus, result.path, result.source_shape, result.constraint)


def nif_check(home: Path, nquads: Path) -> tuple[float, set[Finding]]:
    with Registry.open(Settings(home=home)) as registry:
        with nquads.open("rb") as data:
            registry.store.load(data, DumpFormat.NQUADS)
        started = time.perf_counter()
        report = registry.check(workers=WORKERS)
        elapsed = time.perf_counter() - started
    return elapsed, {finding(r) for r in report.results}


def pyshacl_check(home: Path, nquads: Path) -> tuple[float, set[Finding]]:
    """Plain pyshacl: the whole registry and the vocabularies as one data graph."""
    shapes, vocabularies = profile_graphs(Settings(home=home))
    dataset = Dataset()
    dataset.parse(nquads, format="nquads")
    data = Graph()
    for triple in vocabularies:
        data.add(triple)
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        data.add((s, p, o))
    del dataset
    started = time.perf_counter()
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    elapsed = time.perf_counter() - started
    assert isinstance(report, Graph)
    return elapsed, {finding(r) for r in report_results(report)}


def predict(measured: dict[int, float], size: int) -> float:
    """Extrapolate from the last two sizes with their power law (at least linear)."""
    if len(measured) < 2:
        return 0.0
    (n1, t1), (n2, t2) = sorted(measured.items())[-2:]
    exponent = max(1.0, math.log(t2 / t1) / math.log(n2 / n1))
    return t2 * (size / n2) ** exponent


def compare(nif: set[Finding], plain: set[Finding]) -> str:
    if nif == plain:
        return "same findings"
    lines = [f"DIFFERENT: {len(nif - plain)} only in nif, {len(plain - nif)} only in pyshacl"]
    lines += [f"    nif only: {f}" for f in sorted(nif - plain)[:5]]
    lines += [f"    pyshacl only: {f}" for f in sorted(plain - nif)[:5]]
    return "\n".join(lines)


def main() -> None:
    full = Spec.from_env().interfaces
    sizes = sorted({s for s in SIZES if s < full} | {full})
    force = os.environ.get("NIF_BENCH_FULL_SHACL") == "1"
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f}")
    head = f"  {'interfaces':>10}{'triples':>10}{'violations':>11}{'nif':>9}{'pyshacl':>10}"
    print(f"{head}{'ratio':>8}")
    plain_times: dict[int, float] = {}
    ratio = None
    disagreements = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="nif-bench-check-") as tmp:
            home = Path(tmp)
            nquads, quads = pinned_registry(Spec.from_env(interfaces=size), home / "pinned")
            nif_s, nif_found = nif_check(home, nquads)
            violations = sum(f[0] == "violation" for f in nif_found)
            assert violations, "the generated registry has broken records: nif must find them"
            expected = predict(plain_times, size)
            if force or expected <= PYSHACL_LIMIT:
                plain_s, plain_found = pyshacl_check(home, nquads)
                plain_times[size] = plain_s
                ratio = plain_s / nif_s
                agreement = compare(nif_found, plain_found)
                if nif_found != plain_found:
                    disagreements.append(size)
                shown = f"{plain_s:>9.1f}s{ratio:>7.1f}x  {agreement}"
            else:
                ratio = expected / nif_s
                shown = (
                    f"{'~' + format(expected / 60, '.0f') + ' min':>10}{ratio:>7.1f}x  (predicted)"
                )
            print(f"  {size:>10}{quads:>10}{violations:>11}{nif_s:>8.1f}s{shown}", flush=True)
    assert not disagreements, f"nif and pyshacl disagree at {disagreements}"
    verdict = "OK" if ratio is not None and ratio >= 3 else "MISSED"
    print(
        f"  ratio at {full} interfaces: {ratio:.1f}x (target >= 3x on {WORKERS} workers) {verdict}"
    )


if __name__ == "__main__":
    main()
