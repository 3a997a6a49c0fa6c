"""`python -m bench [NAME...]`: run every bench/bench_<name>.py, or only those named.

Each benchmark runs in a fresh interpreter so that one cannot warm caches or raise the peak
memory another measures. At the end, the targets every benchmark checked are printed as one
table (see `bench._summary`), with the whole run's time. Exits 1 when a benchmark fails, 2 for
an unknown name.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._summary import SUMMARY_ENV, table

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = [name.removeprefix("bench_").removesuffix(".py") for name in argv] or available()
    unknown = [name for name in names if name not in available()]
    if unknown:
        print(
            f"bench: no benchmark named {', '.join(unknown)} (have: {', '.join(available())})",
            file=sys.stderr,
        )
        return 2
    failed = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nif-bench-") as tmp:
        summary = Path(tmp) / "summary.jsonl"
        env = {**os.environ, SUMMARY_ENV: str(summary)}
        for name in names:
            print(f"\n=== bench_{name} ===", flush=True)
            started = time.perf_counter()
            code = f"from bench.bench_{name} import main; main()"
            done = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, env=env)
            if done.returncode != 0:
                failed.append(name)
            print(f"--- bench_{name}: {time.perf_counter() - started:.1f} s", flush=True)
        print(f"\n=== summary: {len(names)} benchmarks in {time.perf_counter() - began:.0f} s ===")
        print(table(summary) or "(no targets recorded)")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
