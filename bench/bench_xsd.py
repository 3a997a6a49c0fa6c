"""XSD: nif validation with its report vs a bare lxml parse + `XMLSchema.validate` loop.

Both run over the same EN16931 example invoices (UBL and CII, 60+ files, held in memory),
each paired with its schema beforehand. Each round times one pass of each in CPU time, in
alternating order, and the figure is the median of the per-round ratios, so that load from
other processes hits both sides alike. Target: nif/bare throughput >= 0.95.
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path

from lxml import etree

from bench._summary import target

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"
EN16931 = EXTERNAL / "en16931"
SCHEMAS = {
    "Invoice": EXTERNAL / "ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": EXTERNAL / "ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd",
    "CrossIndustryInvoice": EN16931
    / "cii/schema/d16b-uncoupled/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd",
}
ROUNDS = 41


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
    started = time.process_time()
    assert run() == count, "every invoice must be valid"
    return count / (time.process_time() - started)


def main() -> None:
    messages = invoices()
    size = sum(len(content) for _, content in messages)
    bare, nif = bare_loop(messages), nif_loop(messages)
    bare(), nif()  # warm up: compile, caches, allocator
    rates: dict[str, list[float]] = {"bare": [], "nif": []}
    for round_ in range(ROUNDS):
        for name in ("bare", "nif") if round_ % 2 else ("nif", "bare"):
            rates[name].append(throughput(bare if name == "bare" else nif, len(messages)))
    ratio = statistics.median(n / b for n, b in zip(rates["nif"], rates["bare"], strict=True))
    print(f"XSD: {len(messages)} invoices ({size / 1e6:.1f} MB), {ROUNDS} rounds")
    print(f"  bare lxml parse + XMLSchema.validate : {statistics.median(rates['bare']):8.1f} msg/s")
    print(f"  nif validate() with report           : {statistics.median(rates['nif']):8.1f} msg/s")
    print(f"  ratio nif/bare: {ratio:.3f} (target >= 0.95) {'OK' if ratio >= 0.95 else 'MISSED'}")
    target(
        f"XSD, {len(messages)} invoices",
        f"{ratio:.2f}x",
        "bare lxml parse + `XMLSchema.validate`",
        ">= 0.95x",
        ratio >= 0.95,
    )
    hashing = min(timeit.repeat(lambda: [sha256(c).digest() for _, c in messages], number=1))
    share = hashing * statistics.median(rates["nif"]) / len(messages)
    print(f"  of nif's time, the sha256 of each message (in the report): {share:.1%}")


if __name__ == "__main__":
    main()
