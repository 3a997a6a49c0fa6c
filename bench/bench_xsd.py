"""XSD: nif validation with its report vs a bare lxml parse + `XMLSchema.validate` loop.

Both run over the same EN16931 example invoices (UBL and CII, 60+ files, held in memory),
each paired with its schema beforehand. Rounds alternate between the two so drift hits both.
Target: nif/bare throughput >= 0.9.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"
EN16931 = EXTERNAL / "en16931"
SCHEMAS = {
    "Invoice": EXTERNAL / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": EXTERNAL / "ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd",
    "CrossIndustryInvoice": EN16931
    / "cii/schema/d16b-uncoupled/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd",
}
ROUNDS = 7
PASSES = 5
"""Each round validates every invoice PASSES times, once per engine."""


def invoices() -> list[tuple[str, bytes]]:
    paths = sorted(
        p
        for folder in ("ubl/examples", "cii/examples", "test/testfiles")
        for p in (EN16931 / folder).iterdir()
        if p.suffix.lower() == ".xml"
    )
    out = []
    for path in paths:
        content = path.read_bytes()
        out.append((etree.QName(etree.fromstring(content)).localname, content))
    return out


def bare_loop(messages: list[tuple[str, bytes]]) -> Callable[[], int]:
    schemas = {root: etree.XMLSchema(etree.parse(str(path))) for root, path in SCHEMAS.items()}
    pairs = [(content, schemas[root]) for root, content in messages]

    def run() -> int:
        valid = 0
        for content, schema in pairs:
            valid += schema.validate(etree.fromstring(content))
        return valid

    return run


def nif_loop(messages: list[tuple[str, bytes]]) -> Callable[[], int]:
    from nif.validate import Profile, StepSpec, validate
    from nif.validate._xsd import load_xsd

    profiles = {
        root: Profile((StepSpec("xsd", load_xsd(path)),), name=root)
        for root, path in SCHEMAS.items()
    }
    pairs = [(content, profiles[root]) for root, content in messages]

    def run() -> int:
        return sum(validate(content, profile).verdict == "valid" for content, profile in pairs)

    return run


def throughput(run: Callable[[], int], count: int) -> float:
    started = time.perf_counter()
    for _ in range(PASSES):
        assert run() == count, "every invoice must be valid"
    return count * PASSES / (time.perf_counter() - started)


def main() -> None:
    messages = invoices()
    size = sum(len(content) for _, content in messages)
    bare, nif = bare_loop(messages), nif_loop(messages)
    bare(), nif()  # warm up: compile, caches, allocator
    rates: dict[str, list[float]] = {"bare": [], "nif": []}
    for _ in range(ROUNDS):
        rates["bare"].append(throughput(bare, len(messages)))
        rates["nif"].append(throughput(nif, len(messages)))
    bare_rate, nif_rate = (statistics.median(rates[k]) for k in ("bare", "nif"))
    print(f"XSD: {len(messages)} invoices ({size / 1e6:.1f} MB), {ROUNDS} rounds x {PASSES}")
    print(f"  bare lxml parse + XMLSchema.validate : {bare_rate:8.1f} msg/s")
    print(f"  nif validate() with report           : {nif_rate:8.1f} msg/s")
    ratio = nif_rate / bare_rate
    print(f"  ratio nif/bare: {ratio:.3f} (target >= 0.9) {'OK' if ratio >= 0.9 else 'MISSED'}")


if __name__ == "__main__":
    main()
