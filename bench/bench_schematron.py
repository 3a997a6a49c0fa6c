"""Schematron: nif end to end vs a bare saxonche transform of the same compiled stylesheet.

Also the time to compile the EN16931 UBL rules (target < 2 s), cold (a fresh process, Saxon
starting) and warm (Saxon already running, nif's cache cleared).
Targets: nif/bare throughput >= 0.95.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EN16931 = ROOT.parent / "shared" / "external" / "en16931"
RULES = EN16931 / "ubl/schematron/EN16931-UBL-validation.sch"
ROUNDS = 5


def invoices() -> list[bytes]:
    paths = sorted((EN16931 / "ubl/examples").glob("*")) + [
        p
        for p in sorted((EN16931 / "test/testfiles").glob("*.xml"))
        if b"CrossIndustryInvoice" not in p.read_bytes()[:2000]
    ]
    return [p.read_bytes() for p in paths]


def compile_times() -> tuple[float, float]:
    code = (
        "import time; t=time.perf_counter();"
        "from nif.validate.schematron import load_schematron, compile_schematron;"
        f"compile_schematron(load_schematron({str(RULES)!r}));"
        "print(time.perf_counter()-t)"
    )
    cold = float(subprocess.check_output([sys.executable, "-c", code], cwd=ROOT).decode())
    from nif.validate.schematron import compile_schematron, load_schematron

    compile_schematron(load_schematron(RULES))
    started = time.perf_counter()
    compile_schematron(load_schematron(RULES))
    return cold, time.perf_counter() - started


def main() -> None:
    from bench._summary import target
    from nif.validate import Profile, validate
    from nif.validate.schematron import compile_to_xslt, load_schematron, saxon_processor

    cold, warm = compile_times()
    print(f"compile EN16931 UBL rules: cold {cold:.2f} s (fresh process), warm {warm:.2f} s")
    print(f"  target < 2 s: {'met' if cold < 2 else 'NOT met'}")

    messages = invoices()
    size = sum(map(len, messages)) / 1024
    profile = Profile.from_files(schematron=[RULES])
    processor = saxon_processor()
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_text=compile_to_xslt(load_schematron(RULES))
    )

    def bare() -> None:
        for content in messages:
            node = processor.parse_xml(xml_text=content.decode("utf-8"))
            executable.transform_to_string(xdm_node=node)

    def nif() -> None:
        for content in messages:
            report = validate(content, profile)
            assert report.verdict != "error", report.steps[-1].error

    bare()
    nif()
    timings: dict[str, list[float]] = {"bare": [], "nif": []}
    cpu: dict[str, list[float]] = {"bare": [], "nif": []}
    for _ in range(ROUNDS):
        for name, run in (("bare", bare), ("nif", nif)):
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            timings[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    bare_t, nif_t = (statistics.median(timings[k]) for k in ("bare", "nif"))
    bare_cpu, nif_cpu = (statistics.median(cpu[k]) for k in ("bare", "nif"))
    n = len(messages)
    print(f"{n} UBL invoices ({size:.0f} KiB), median of {ROUNDS} rounds")
    print(f"  bare saxonche transform: {n / bare_t:8.1f} msg/s")
    print(f"  nif end to end:          {n / nif_t:8.1f} msg/s")
    ratio = bare_t / nif_t
    met = ratio >= 0.95
    print(f"  ratio nif/bare = {ratio:.2f} (target >= 0.95: {'met' if met else 'NOT met'})")
    print(
        f"  CPU time ratio nif/bare = {bare_cpu / nif_cpu:.2f} (all threads; steadier under load)"
    )
    target(
        f"Schematron EN 16931, {n} invoices",
        f"{ratio:.2f}x",
        "bare saxonche transform of the same XSLT",
        ">= 0.95x",
        met,
    )


if __name__ == "__main__":
    main()
