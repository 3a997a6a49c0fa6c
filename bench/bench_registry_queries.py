"""Integrator queries: nif's store (Oxigraph) vs rdflib in memory, on 10,000 interfaces.

The generated registry (about a million triples, pinned, see `_registry_gen`) is bulk-loaded
into a registry's embedded store and parsed into an rdflib `Dataset(default_union=True)`. Five
typical questions, each asked with several parameters drawn from the data: the interfaces of an
agency, the versions with a status (thousands of rows), the message types with a root element,
the agencies offering a schema (by artefact checksum, also through `nif:part`) and full text on
interface titles. Each is written as one would for either engine: constants inline (with
`VALUES` rdflib takes 10 s for the root element), an interface is what has a current version
(rdflib takes minutes over `GRAPH ?g`). nif runs them with `Store.select` (union default graph,
rows as rdflib terms, as the CLI and the service get them), rdflib with `Dataset.query`; both
must return the same rows. p50 and p95 are over every (parameter, round) run after a warm-up.
A last table splits nif's time: the bare pyoxigraph query, and both after `optimize()`.
Targets: rdflib/nif >= 20x per query, nif p50 < 50 ms. `NIF_BENCH_INTERFACES` shrinks it.
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Dataset
from rdflib.term import Node

from bench._registry_gen import Spec, pinned_registry
from nif.registry import Registry
from nif.registry._namespaces import sparql_prefixes
from nif.settings import Settings
from nif.store import DumpFormat, Store

NIF_ROUNDS = 10
RDFLIB_ROUNDS = 2

QUERIES = {
    "interfaces of an agency": """
SELECT ?interface ?id ?title WHERE {
  ?interface dct:publisher $param ; dcat:hasCurrentVersion ?current ; dct:identifier ?id ;
    dct:title ?title .
}""",
    "versions by status": """
SELECT ?interface ?version ?semver WHERE {
  ?version adms:status $param ; dcat:version ?semver .
  ?interface dcat:hasVersion ?version .
}""",
    "message types by root element": """
SELECT ?interface ?version ?type ?path ?value WHERE {
  ?type nif:rootNamespace $namespace ; nif:rootName $name .
  OPTIONAL { ?type nif:discriminator ?d . ?d nif:path ?path ; nif:value ?value }
  ?version nif:messageType ?type .
  ?interface dcat:hasVersion ?version .
}""",
    "agencies offering a schema": """
SELECT DISTINCT ?agency ?label WHERE {
  ?artefact (spdx:checksum|nif:part/spdx:checksum)/spdx:checksumValue $param .
  ?type nif:schema|nif:rules ?artefact .
  ?version nif:messageType ?type .
  ?interface dcat:hasVersion ?version ; dct:publisher ?agency .
  ?agency skos:prefLabel ?label .
}""",
    "full text on titles": """
SELECT ?interface ?title WHERE {
  ?interface dcat:hasCurrentVersion ?current ; dct:title ?title .
  FILTER (REGEX(?title, $param, "i"))
}""",
}
WORDS = ("pension", "birth", "mortgage", "insolvency", "diploma", "transit", "plate", "grant")


def parameters(store: Store) -> dict[str, list[dict[str, str]]]:
    """Parameters (SPARQL terms by placeholder) for each query, drawn from the registry."""
    prefixes = sparql_prefixes()
    agencies = store.select(
        prefixes + "SELECT ?a WHERE { ?a a cv:PublicOrganisation } ORDER BY ?a LIMIT 400"
    )
    roots = store.select(
        prefixes
        + "SELECT DISTINCT ?ns ?name WHERE { ?t nif:rootNamespace ?ns ; nif:rootName ?name }"
        " ORDER BY ?ns ?name"
    )
    checksums = store.select(
        prefixes + "SELECT DISTINCT ?v WHERE { ?c spdx:checksumValue ?v } ORDER BY ?v"
    )
    statuses = ("Completed", "Deprecated", "Withdrawn", "UnderDevelopment")
    return {
        "interfaces of an agency": [{"param": r["a"].n3()} for r in agencies[::50]],
        "versions by status": [{"param": f"<http://purl.org/adms/status/{s}>"} for s in statuses],
        "message types by root element": [
            {"namespace": r["ns"].n3(), "name": r["name"].n3()}
            for r in roots[:: max(1, len(roots) // 8)]
        ],
        "agencies offering a schema": [
            {"param": r["v"].n3()} for r in checksums[:: max(1, len(checksums) // 8)]
        ],
        "full text on titles": [{"param": f'"{w}"'} for w in WORDS],
    }


def fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(f"${key}", value)
    return sparql_prefixes() + template


def rows_key(names: list[str], rows: list[dict[str, Node]]) -> list[tuple[str, ...]]:
    """Rows as sorted tuples of N3 terms, comparable across engines."""
    return sorted(tuple(r[n].n3() if r.get(n) is not None else "" for n in names) for r in rows)


def variables(query: str) -> list[str]:
    head = query.split("WHERE", 1)[0]
    return [word[1:] for word in head.split() if word.startswith("?")]


def rdflib_rows(dataset: Dataset, query: str) -> list[dict[str, Node]]:
    names = variables(query)
    return [
        {n: row[n] for n in names if row[n] is not None}  # type: ignore[index]
        for row in dataset.query(query)
    ]


def timings(run: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        out.append(time.perf_counter() - started)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    spec = Spec.from_env()
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="nif-bench-queries-") as tmp:
        home = Path(tmp)
        nquads, quads = pinned_registry(spec, home)
        print(f"{spec.agencies} agencies, {spec.interfaces} interfaces, {quads} triples")
        settings = Settings(home=home)
        started = time.perf_counter()
        with Registry.open(settings) as registry, nquads.open("rb") as data:
            registry.store.load(data, DumpFormat.NQUADS)
        print(f"  nif store bulk load : {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        dataset = Dataset(default_union=True)
        dataset.parse(nquads, format="nquads")
        print(f"  rdflib Dataset parse: {time.perf_counter() - started:6.1f} s")
        gc.collect()
        gc.freeze()  # a million rdflib terms: keep the collector from rescanning them mid-query
        with Registry.open(settings) as registry:
            compare(registry.store, dataset)


def compare(store: Store, dataset: Dataset) -> None:
    """Time each query on both engines and check they agree; then, for the embedded store,
    show the engine alone (pyoxigraph rows, before nif turns them into rdflib terms) and the
    effect of compacting the store (`optimize()`, which nif does not call yet)."""
    params = parameters(store)
    queries = {
        name: [fill(template, values) for values in params[name]]
        for name, template in QUERIES.items()
    }
    engine = getattr(store, "_store", None)  # the pyoxigraph.Store under EmbeddedStore
    print(
        f"  {'query':<30}{'rows':>6}{'nif p50':>9}{'p95':>9}{'rdflib p50':>11}{'p95':>9}"
        f"{'ratio':>7}  target"
    )
    missed, nif_p50 = [], {}
    for name, texts in queries.items():
        times: dict[str, list[float]] = {"nif": [], "rdflib": []}
        rows = 0
        for query in texts:
            got = rows_key(variables(query), store.select(query))
            assert got == rows_key(variables(query), rdflib_rows(dataset, query)), (
                f"{name}: nif and rdflib disagree on\n{query}"
            )
            rows += len(got)
            times["nif"] += timings(lambda q=query: store.select(q), NIF_ROUNDS)
            times["rdflib"] += timings(lambda q=query: rdflib_rows(dataset, q), RDFLIB_ROUNDS)
        nif50, rdf50 = statistics.median(times["nif"]), statistics.median(times["rdflib"])
        nif_p50[name] = nif50
        ratio = rdf50 / nif50
        ok = ratio >= 20 and nif50 < 0.05
        if not ok:
            missed.append(name)
        print(
            f"  {name:<30}{rows // len(texts):>6}{ms(nif50):>9}{ms(p95(times['nif'])):>9}"
            f"{ms(rdf50):>11}{ms(p95(times['rdflib'])):>9}{ratio:>6.0f}x  "
            f"{'OK' if ok else 'MISSED'}"
        )
    print("  (rows: mean per parameter; both engines return the same rows for every parameter)")
    verdict = "all met" if not missed else "missed by " + ", ".join(missed)
    print(f"  targets (>= 20x, p50 < 50 ms): {verdict}")
    if engine is None:
        return
    raw = {name: engine_p50(engine, texts) for name, texts in queries.items()}
    engine.optimize()
    optimized = {name: engine_p50(engine, texts) for name, texts in queries.items()}
    tuned = {
        name: statistics.median(
            t for q in texts for t in timings(lambda q=q: store.select(q), NIF_ROUNDS)
        )
        for name, texts in queries.items()
    }
    print(
        f"  {'where the time goes (p50)':<30}{'nif':>9}{'engine':>9}"
        f"{'after optimize(): engine':>26}{'nif':>8}"
    )
    for name in queries:
        print(
            f"  {name:<30}{ms(nif_p50[name]):>9}{ms(raw[name]):>9}{ms(optimized[name]):>26}"
            f"{ms(tuned[name]):>8}"
        )


def engine_p50(engine: object, texts: list[str]) -> float:
    """p50 of the bare pyoxigraph query, rows fetched but not converted."""
    return statistics.median(
        t
        for q in texts
        for t in timings(
            lambda q=q: list(engine.query(q, use_default_graph_as_union=True)),  # type: ignore[attr-defined]
            NIF_ROUNDS,
        )
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms" if seconds < 1 else f"{seconds:.2f}s"


if __name__ == "__main__":
    main()
