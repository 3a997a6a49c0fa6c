"""Large messages: XSD + EN16931 Schematron on generated UBL invoices of 1k, 10k and 50k lines.

Each size runs in its own child process (`--child`), which compiles the profile, validates a
one-line invoice to warm up, then times `validate()` on the large one (wall and CPU time); the
parent reads the child's peak memory from the kernel (`wait4` rusage, ru_maxrss). A child that
only compiles and warms up is the memory baseline; one more runs the largest invoice with the
Schematron step alone, to tell the Saxon step's peak from the lxml tree's (parse and XSD).
Targets: peak for 50k <= 600 MiB, still linear: CPU t(50k)/t(1k) <= 75.

    python -m bench.bench_large
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"
UBL_INVOICE_XSD = EXTERNAL / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd"
RULES = EXTERNAL / "en16931/ubl/schematron/EN16931-UBL-validation.sch"
SIZES = (1_000, 10_000, 50_000)
REPEATS = {1_000: 5, 10_000: 2, 50_000: 1}
MIB = 1024**2
LIMIT = 600 * MIB


def child(path: str, repeats: int, xsd: bool = True) -> None:
    """Validate one file `repeats` times after a warm-up; print the best run as JSON."""
    from bench._generate import invoice
    from nif.settings import Settings
    from nif.validate import Profile, validate

    # A shared machine stretches the wall time past the default limit, which would make the
    # verdict `error`: the bench measures memory and CPU time.
    settings = Settings(step_timeout=3600.0)
    profile = Profile.from_files(xsd=UBL_INVOICE_XSD if xsd else None, schematron=[RULES])
    assert validate(invoice(1), profile).verdict == "valid"
    if not path:
        print(json.dumps({}))
        return
    content = Path(path).read_bytes()
    best, cpu, report = float("inf"), float("inf"), None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        outcome = validate(content, profile, source=path, settings=settings)
        elapsed = time.perf_counter() - started
        cpu = min(cpu, time.process_time() - started_cpu)
        if elapsed < best:
            best, report = elapsed, outcome
    assert report is not None
    steps = {s.kind: round(s.millis / 1000, 3) for s in report.steps}
    print(
        json.dumps(
            {
                "seconds": best,
                "cpu": cpu,
                "verdict": str(report.verdict),
                "steps": steps,
                "counts": report.counts,
            }
        )
    )


def run_child(path: str, repeats: int, xsd: bool = True) -> tuple[dict, int]:
    """(the child's JSON line, its peak resident memory in bytes)."""
    flag = [] if xsd else ["--schematron-only"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_large", "--child", path, str(repeats), *flag],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child for {path or 'baseline'} failed with {process.returncode}")
    return json.loads(output.decode().strip().splitlines()[-1]), usage.ru_maxrss * 1024


def main() -> None:
    from bench._generate import invoice
    from bench._summary import target

    with tempfile.TemporaryDirectory(prefix="nif-bench-large-") as folder:
        files = {}
        for size in SIZES:
            files[size] = Path(folder) / f"invoice-{size}.xml"
            files[size].write_bytes(invoice(size))
        _, baseline_memory = run_child("", 0)
        results = {size: run_child(str(files[size]), REPEATS[size]) for size in SIZES}
        alone = run_child(str(files[SIZES[-1]]), 1, xsd=False)
        sizes_mb = {size: files[size].stat().st_size / 1e6 for size in SIZES}

    first = SIZES[0]
    base_time = results[first][0]["seconds"]
    base_cpu = results[first][0]["cpu"]
    print("Large UBL invoices: XSD + EN16931 UBL Schematron, one child process per size")
    print(f"  baseline child (compile + 1-line invoice): peak {baseline_memory / 2**20:7.0f} MiB")
    for size in SIZES:
        outcome, memory = results[size]
        print(
            f"  {size:>6} lines {sizes_mb[size]:6.1f} MB: {outcome['seconds']:7.2f} s "
            f"(CPU {outcome['cpu']:6.2f} s, x{outcome['cpu'] / base_cpu:5.1f}) "
            f"(x{outcome['seconds'] / base_time:5.1f} of {first} lines for "
            f"x{size / first:g} lines) steps {outcome['steps']} "
            f"peak {memory / 2**20:6.0f} MiB, {outcome['verdict']} {outcome['counts']}"
        )
    last = SIZES[-1]
    print(
        f"  {last} lines, Schematron alone: {alone[0]['seconds']:7.2f} s "
        f"(CPU {alone[0]['cpu']:6.2f} s) peak {alone[1] / MIB:6.0f} MiB, {alone[0]['verdict']}"
    )
    growth = results[last][0]["cpu"] / base_cpu
    peak = results[last][1]
    linear = growth <= 75
    print(
        f"  CPU t({last})/t({first}) = {growth:.1f} (target <= 75) {'OK' if linear else 'MISSED'}"
    )
    print(
        f"  peak memory {last} lines = {peak / MIB:.0f} MiB, x{peak / baseline_memory:.1f} the "
        f"baseline (target <= 600 MiB) {'OK' if peak <= LIMIT else 'MISSED'}"
    )
    target(
        f"peak memory, {last:,}-line ({sizes_mb[last]:.0f} MB) invoice, XSD + EN 16931",
        f"{peak / MIB:,.0f} MiB ({baseline_memory / MIB:,.0f} MiB before the message), "
        f"CPU t({last // 1000}k)/t({first // 1000}k) = {growth:.0f}",
        "the same process before the message",
        "<= 600 MiB, still linear",
        peak <= LIMIT and linear,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), xsd=sys.argv[4:5] != ["--schematron-only"])
    else:
        main()
