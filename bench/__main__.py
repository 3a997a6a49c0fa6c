"""`python -m bench [NAME...]`: run every bench/bench_<name>.py, or only those named.

Each benchmark runs in a fresh interpreter so that one cannot warm caches or raise the peak
memory another measures. Exits 1 when a benchmark fails, 2 for an unknown name.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

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
    for name in names:
        print(f"\n=== bench_{name} ===", flush=True)
        started = time.perf_counter()
        code = f"from bench.bench_{name} import main; main()"
        done = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent)
        if done.returncode != 0:
            failed.append(name)
        print(f"--- bench_{name}: {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
