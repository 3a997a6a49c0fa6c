"""Loading a registry folder of 10,000 interfaces (about a million triples once pinned).

`Registry.load_folder` on a generated demo-format folder (see `_registry_gen`): parse every
record, pin its schema files (read, parse-check, hash, follow imports and `$ref`s), store the
records with history; once without the SHACL check and once with it (process pool, every core).
Baselines in the same run: rdflib parsing the same Turtle files into a `Dataset`, one graph
per record (parsing only: no pinning, no checks, nothing on disk), and pyoxigraph's
`bulk_load` of the same records already pinned, as N-Quads (the floor for writing them).
Both loads must store the same triples as the pinned N-Quads. No target: the figures say what a
registry load costs and where. `NIF_BENCH_INTERFACES` shrinks it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from bench._registry_gen import Spec, pinned_registry, write_folder
from nif.registry import Registry
from nif.settings import Settings


def nif_load(folder: Path, home: Path, check: bool) -> tuple[float, int, int]:
    """Seconds to load `folder` into a fresh registry at `home`; records stored and refused."""
    with Registry.open(Settings(home=home)) as registry:
        started = time.perf_counter()
        result = registry.load_folder(folder, check=check)
        elapsed = time.perf_counter() - started
        return elapsed, len(result.stored), len(result.rejected)


def store_quads(home: Path) -> int:
    store = ox.Store(str(home / "store"))
    count = len(store)
    del store
    return count


def rdflib_parse(folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    dataset = Dataset()
    for path in sorted((folder / "agencies").glob("*.ttl")):
        iri = f"https://registry.nif.example/agency/{path.stem}"
        dataset.graph(URIRef(iri)).parse(path, format="turtle")
    for bundle in sorted((folder / "interfaces").iterdir()):
        iri = f"https://registry.nif.example/interface/{bundle.name}"
        dataset.graph(URIRef(iri)).parse(bundle / "interface.ttl", format="turtle")
    elapsed = time.perf_counter() - started
    return elapsed, sum(len(g) for g in dataset.graphs())


def oxigraph_bulk(nquads: Path, into: Path) -> float:
    started = time.perf_counter()
    store = ox.Store(str(into))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store
    return time.perf_counter() - started


def main() -> None:
    spec = Spec.from_env(violation_share=0.0)
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="nif-bench-load-") as tmp:
        root = Path(tmp)
        folder = root / "registry"
        write_folder(spec, folder)
        nquads, quads = pinned_registry(spec, root / "pinned")
        files = sum(1 for p in folder.rglob("*") if p.is_file())
        print(
            f"{spec.agencies} agencies, {spec.interfaces} interfaces, {files} files, "
            f"{quads} triples once pinned"
        )
        rdflib_s, rdflib_triples = rdflib_parse(folder)
        bulk_s = oxigraph_bulk(nquads, root / "bulk")
        results = {}
        for check in (False, True):
            home = root / f"home-{check}"
            seconds, stored, refused = nif_load(folder, home, check)
            stored_quads = store_quads(home)
            assert (stored, refused) == (spec.agencies + spec.interfaces, 0), (stored, refused)
            assert stored_quads == quads, f"stored {stored_quads} triples, expected {quads}"
            results[check] = seconds
        records = spec.agencies + spec.interfaces
        print(f"  {'':<44}{'seconds':>9}{'records/s':>11}{'vs rdflib':>11}")
        rows = (
            ("nif load_folder, no SHACL check", results[False]),
            ("nif load_folder, with SHACL check", results[True]),
            (f"rdflib parse into a Dataset ({rdflib_triples} triples)", rdflib_s),
            ("pyoxigraph bulk_load of the pinned N-Quads", bulk_s),
        )
        for label, seconds in rows:
            rate, ratio = records / seconds, seconds / rdflib_s
            print(f"  {label:<44}{seconds:>9.1f}{rate:>11.0f}{ratio:>10.1f}x")
        print(f"  the SHACL check is {1 - results[False] / results[True]:.0%} of a checked load")


if __name__ == "__main__":
    main()
