"""Compatibility checking: `nif.compat` on XSD against loading the schemas with xmlschema, and
on JSON Schema against IBM's jsonsubschema (`bench/_compat_json.py`).

`NIF_BENCH_COMPAT` names the parts to run (default `xsd,json`).

XSD: UBL 2.1 Invoice against an edited copy of the whole set (in a temporary folder: the
common aggregate components' cac:AddressType with cbc:CityName made required, a change every
document type reaches). Timed in the same process, in alternating order each round:
- `compare_files(original, edited, roots=[Invoice])`: both directions, including loading both
  sets, walking the content models, and building and verifying the backward counterexample
  with nif's validator;
- the baseline: `xmlschema.XMLSchema10(path)` for the original and for the edited copy.
Times are the process's CPU time; the figure is the median of the per-round ratios
compare/baseline, with the median absolute times. `NIF_BENCH_ROUNDS` sets the
rounds (default 3: one comparison takes seconds).
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UBL = ROOT.parent / "shared" / "external" / "ubl-2.1" / "xsd"
INVOICE_XSD = Path("maindoc") / "UBL-Invoice-2.1.xsd"
INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
CAC = Path("common") / "UBL-CommonAggregateComponents-2.1.xsd"
OPTIONAL = '<xsd:element ref="cbc:CityName" minOccurs="0" maxOccurs="1">'
ROUNDS = int(os.environ.get("NIF_BENCH_ROUNDS", "3"))


def edited_copy(folder: Path) -> Path:
    """A copy of UBL 2.1 with cac:AddressType's cbc:CityName required."""
    shutil.copytree(UBL, folder)
    cac = folder / CAC
    text = cac.read_text("utf-8")
    at = text.index(OPTIONAL, text.index('<xsd:complexType name="AddressType">'))
    required = OPTIONAL.replace('minOccurs="0"', 'minOccurs="1"')
    cac.write_text(text[:at] + required + text[at + len(OPTIONAL) :], "utf-8")
    return folder / INVOICE_XSD


def timed(run: Callable[[], object]) -> tuple[float, object]:
    """The process's CPU time of `run` (both sides run in this process: the load of other
    processes does not count) and its result."""
    started = time.process_time()
    result = run()
    return time.process_time() - started, result


def xsd_part() -> None:
    import xmlschema

    from nif.compat import compare_files

    original = UBL / INVOICE_XSD
    with tempfile.TemporaryDirectory(prefix="nif-bench-compat-") as tmp:
        edited = edited_copy(Path(tmp) / "ubl")

        def compare() -> object:
            return compare_files(original, edited, roots=[INVOICE])

        def load_both() -> object:
            return xmlschema.XMLSchema10(str(original)), xmlschema.XMLSchema10(str(edited))

        load_both()  # warm up: the XSD meta-schema, imports of the modules
        times: dict[str, list[float]] = {"compare": [], "load": []}
        answers = set()
        for round_ in range(ROUNDS):
            for name in ("compare", "load") if round_ % 2 else ("load", "compare"):
                seconds, result = timed(compare if name == "compare" else load_both)
                times[name].append(seconds)
                if name == "compare":
                    [message] = result.messages  # type: ignore[attr-defined]
                    answers.add((message.backward.verdict, message.forward.verdict))
    ratio = statistics.median(c / b for c, b in zip(times["compare"], times["load"], strict=True))
    print(f"XSD: UBL 2.1 Invoice vs a copy with AddressType/CityName required, {ROUNDS} rounds")
    print(f"  xmlschema.XMLSchema10 x2 (both sets)  : {statistics.median(times['load']):7.2f} s")
    print(f"  nif compare_files, both directions    : {statistics.median(times['compare']):7.2f} s")
    print(f"  ratio compare/load: {ratio:.2f}")
    print(f"  verdicts (backward, forward): {sorted(answers)}")
    if answers != {("incompatible", "compatible")}:
        raise SystemExit("bench_compat: the XSD verdicts are not (incompatible, compatible)")


def main() -> None:
    parts = os.environ.get("NIF_BENCH_COMPAT", "xsd,json").replace(" ", "").split(",")
    unknown = set(parts) - {"xsd", "json"}
    if unknown:
        raise SystemExit(f"bench_compat: no part {', '.join(sorted(unknown))} (have: xsd, json)")
    if "xsd" in parts:
        if not UBL.is_dir():
            raise SystemExit(f"bench_compat: {UBL} is missing")
        xsd_part()
    if "json" in parts:
        from bench._compat_json import json_part

        json_part()


if __name__ == "__main__":
    main()
