"""KoSIT: a configuration over the EN 16931 rules vs the same XSD and Schematron run by nif.

The configuration (UBL invoice, UBL credit note and CII scenarios) is built as the tests build
it (`tests/kosit_config.py`): the XSDs copied from ../shared/external, the rules precompiled by
nif, nif's test report stylesheet. The direct run uses the very same XSD and XSLT files of the
configuration, with the profile that fits each message. Both are warm (compiled before timing).
Reports the time per message and the ratio KoSIT/direct: the cost of scenario selection, the
report input, the report XSLT and acceptMatch. Target: ratio <= 1.5.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EN16931 = ROOT.parent / "shared" / "external" / "en16931"
ROUNDS = 5


def messages() -> list[tuple[str, bytes]]:
    """(syntax, content) of the UBL and CII examples: invoices, credit notes, CII."""
    out = []
    for path in sorted((EN16931 / "ubl/examples").glob("*")):
        content = path.read_bytes()
        out.append(("cn" if b"<CreditNote" in content[:3000] else "ubl", content))
    for path in sorted((EN16931 / "cii/examples").glob("*.xml")):
        out.append(("cii", path.read_bytes()))
    return out


def main() -> None:
    from nif.validate import KOSIT, Profile, StepSpec, load_kosit, validate
    from tests.kosit_config import RULE_FILES, SCHEMA_FILES, build_config

    with tempfile.TemporaryDirectory(prefix="nif-bench-kosit-") as tmp:
        started = time.perf_counter()
        folder = build_config(Path(tmp) / "config")
        built = time.perf_counter() - started
        print(f"built the configuration (rules compiled by nif) in {built:.1f} s")
        kosit = Profile((StepSpec(KOSIT, load_kosit(folder)),))
        direct = {
            syntax: Profile.from_files(
                xsd=folder / SCHEMA_FILES[syntax], schematron=[folder / RULE_FILES[syntax]]
            )
            for syntax in ("ubl", "cn", "cii")
        }
        items = messages()
        size = sum(len(c) for _, c in items) / 1024

        def run_kosit() -> None:
            for _, content in items:
                report = validate(content, kosit)
                assert report.verdict != "error", report.steps[-1].error

        def run_direct() -> None:
            for syntax, content in items:
                report = validate(content, direct[syntax])
                assert report.verdict != "error", report.steps[-1].error

        started = time.perf_counter()
        run_kosit()
        run_direct()
        print(f"compiled both (first pass) in {time.perf_counter() - started:.1f} s")
        timings: dict[str, list[float]] = {"kosit": [], "direct": []}
        for _ in range(ROUNDS):
            for name, run in (("kosit", run_kosit), ("direct", run_direct)):
                started = time.perf_counter()
                run()
                timings[name].append(time.perf_counter() - started)
    n = len(items)
    kosit_t, direct_t = (statistics.median(timings[k]) for k in ("kosit", "direct"))
    print(f"{n} EN 16931 examples, UBL and CII ({size:.0f} KiB), median of {ROUNDS} rounds")
    print(f"  XSD + Schematron run directly: {1000 * direct_t / n:7.1f} ms/message")
    print(f"  KoSIT configuration:           {1000 * kosit_t / n:7.1f} ms/message")
    ratio = kosit_t / direct_t
    met = "met" if ratio <= 1.5 else "NOT met"
    print(f"  ratio KoSIT/direct = {ratio:.2f} (target <= 1.5: {met})")


if __name__ == "__main__":
    main()
