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
NIF_BENCH_FULL_SHACL=1 runs it anyway); above, the prediction is shown, and the target row says
up to which size the violations were compared. nif runs at every size.

At the full size the check is incremental (`_check_cache`): after the first check, CHANGED
interfaces get a bad version number and the registry is checked again; only they (and the
records whose context they are) are checked, and their findings must equal a from-scratch
check of the same records. Target: a full check of 10,000 interfaces within 60 s with the
same violations as pyshacl; the first (from scratch) and the incremental check are recorded.
`NIF_BENCH_INTERFACES` sets the full size. About 10 minutes on 2 cores at 10,000.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from pathlib import Path

import pyshacl
from rdflib import Dataset, Graph

from bench._registry_gen import Spec, pinned_registry
from bench._summary import target
from nif.registry import Registry, ShaclResult
from nif.registry._shacl import profile_graphs, report_results
from nif.settings import Settings
from nif.store import DumpFormat

SIZES = (100, 200, 400, 1_000)
PYSHACL_LIMIT = 10 * 60.0
WORKERS = 2
CHANGED = 5
GOAL_S = 60.0

Finding = tuple[str, str, str, str, str]


def finding(result: ShaclResult) -> Finding:
    return (result.severity, result.focus, result.path, result.source_shape, result.constraint)


def nif_check(home: Path, nquads: Path, again: bool = False) -> tuple[float, set[Finding]]:
    """The first (from scratch) check; `again`: then the incremental one after a change."""
    with Registry.open(Settings(home=home)) as registry:
        with nquads.open("rb") as data:
            registry.store.load(data, DumpFormat.NQUADS)
        started = time.perf_counter()
        report = registry.check(workers=WORKERS)
        elapsed = time.perf_counter() - started
        if again:
            incremental(registry, {finding(r) for r in report.results}, elapsed)
    return elapsed, {finding(r) for r in report.results}


def incremental(registry: Registry, first: set[Finding], first_s: float) -> None:
    """Break CHANGED interfaces' version numbers, check again, compare with a fresh check."""
    changed = [i.iri for i in registry.records() if i.kind == "interface"][::97][:CHANGED]
    owned: set[str] = set()
    for iri in changed:
        content = registry.store.read_graph(iri)
        owned |= {str(s) for s in Graph().parse(data=content.decode(), format="nt").subjects()}
        registry.store.replace_graph(iri, re.sub(rb'(dcat#version> )"[^"]*"', rb'\1"x"', content))
    started = time.perf_counter()
    report = registry.check(workers=WORKERS)
    elapsed = time.perf_counter() - started
    again = {finding(r) for r in report.results}
    scratch = registry.check(workers=WORKERS, keys=changed, full=True)
    fresh = {finding(r) for r in scratch.results}
    touched = {f for f in again if f[1] in owned}
    same = touched == fresh and again - touched == {f for f in first if f[1] not in owned}
    print(
        f"  incremental: {len(changed)} interfaces changed, {report.checked} checked, "
        f"{report.reused} reused, {elapsed:.1f}s "
        f"({'same findings as from scratch' if same else 'DIFFERENT from scratch'})",
        flush=True,
    )
    assert same, "the incremental check differs from a check from scratch"
    met = elapsed <= GOAL_S
    target(
        f"full `registry check`, {len(registry.records()):,} records, incremental "
        f"({len(changed)} changed)",
        f"{elapsed:.1f} s ({first_s / elapsed:.0f}x faster than the first)",
        "the first check of the same registry",
        f"<= {GOAL_S:.0f} s with the same violations",
        met,
    )


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
    compared = 0  # the largest size where pyshacl ran (and was compared), not predicted
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="nif-bench-check-") as tmp:
            home = Path(tmp)
            nquads, quads = pinned_registry(Spec.from_env(interfaces=size), home / "pinned")
            nif_s, nif_found = nif_check(home, nquads, again=size == full)
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
                compared = size
                shown = f"{plain_s:>9.1f}s{ratio:>7.1f}x  {agreement}"
            else:
                ratio = expected / nif_s
                shown = (
                    f"{'~' + format(expected / 60, '.0f') + ' min':>10}{ratio:>7.1f}x  (predicted)"
                )
            print(f"  {size:>10}{quads:>10}{violations:>11}{nif_s:>8.1f}s{shown}", flush=True)
    assert not disagreements, f"nif and pyshacl disagree at {disagreements}"
    print(f"  ratio at {full} interfaces: {ratio:.1f}x pyshacl on {WORKERS} workers")
    shown = "plain pyshacl" if compared == full else "plain pyshacl predicted"
    target(
        f"full `registry check`, {full:,} interfaces, first (from scratch)",
        f"{nif_s:.0f} s ({ratio:.1f}x {shown}); violations "
        f"{'DIFFER' if disagreements else 'the same'} where compared (up to {compared:,})",
        "plain pyshacl on the whole graph",
        f"<= {GOAL_S:.0f} s with the same violations",
        nif_s <= GOAL_S and not disagreements and compared == full,
    )


if __name__ == "__main__":
    main()
