"""Certification: time per case of a 50-case suite in evidence mode vs plain validation.

For each demo interface version below, a suite of CASES produce cases is generated in a temp
folder: case N expects the message type of the Nth example message (cycling over the version's
examples of every type, valid and invalid) and asserts, as a real suite does, the value of the
message's first field (an XPath for XML, a JSON Pointer for JSON). The evidence folder holds
those CASES messages. `run_suite` runs the suite on a demo registry in an embedded store; the
baseline, in the same process, is `nif.validate.validate` of the same messages against the same
profiles, built once beforehand. Each is timed (CPU time) ROUNDS times after a warm-up; the
median per case is reported with the overhead of the run over the baseline. A second baseline
adds what a run must do beyond validating: the assertions' checks and each report's JSON form
(`Report.to_dict()`, which a run keeps and stores: it finds the findings' lines and columns,
which `validate()` alone leaves unfound), to show the run's own bookkeeping apart;
runs of the first SMALL cases split the run's time into what each case adds and what every run
costs whatever its size (the store lookups of agency, message types and artefact pins).
Target: overhead over plain validation at most 20%, recorded for each suite.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from bench._summary import target
from nif.certify import (
    CaseOutcome,
    Evidence,
    Purpose,
    Suite,
    check_assertion,
    load_suite,
    read_evidence,
    run_suite,
)
from nif.registry import MessageTypeRef, Registry, pinned_target, resolve_message_types
from nif.report import Verdict
from nif.settings import Settings
from nif.validate import validate

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "registry"
VERSIONS = (
    ("civreg", "civreg-birth", "2.0.0"),
    ("tax", "tax-vat-return", "1.0.0"),
    ("civreg", "civreg-address", "1.0.0"),
)
CASES = 50
SMALL = 10
ROUNDS = 7
SAMPLE = 0.3
TARGET = 20.0

_MANIFEST_HEAD = """\
@prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
@prefix earl: <http://www.w3.org/ns/earl#> .
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<> a mf:Manifest ;
  rdfs:label "benchmark suite of {cases} produce cases" ;
"""


def examples(interface: str, version: str) -> list[tuple[str, Path]]:
    """(message type name, file) of every example message of the version, sorted."""
    folder = DEMO / "interfaces" / interface / "examples" / version
    return sorted((p.parent.name, p) for p in folder.glob("*/*") if p.is_file())


def first_field(content: bytes, suffix: str) -> tuple[str, str, dict[str, str]]:
    """(language, expression, namespaces) selecting the message's first field."""
    if suffix == ".json":
        data = json.loads(content)
        key = next(k for k, v in data.items() if isinstance(v, str | int | float))
        return "json-pointer", f"/{key}", {}
    root = etree.fromstring(content)
    child = next(c for c in root if isinstance(c.tag, str))
    namespace = etree.QName(root).namespace
    if namespace is None:
        return "xpath", f"/{etree.QName(root).localname}/{etree.QName(child).localname}", {}
    expression = f"/m:{etree.QName(root).localname}/m:{etree.QName(child).localname}"
    return "xpath", expression, {"m": namespace}


def expected_value(content: bytes, language: str, expression: str, ns: dict[str, str]) -> str:
    if language == "json-pointer":
        return str(json.loads(content)[expression[1:]])
    found = etree.fromstring(content).xpath(expression, namespaces=ns)
    return str(found[0].text or "")


def _literal(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def make_suite(
    into: Path, interface: str, version: str, refs: dict[str, MessageTypeRef]
) -> tuple[Path, Path]:
    """Write the suite folder and the evidence folder of CASES produce cases; their paths."""
    suite = into / "suites" / interface / version
    evidence = into / "evidence"
    suite.mkdir(parents=True)
    evidence.mkdir()
    found = examples(interface, version)
    entries, cases = [], []
    for number in range(CASES):
        type_name, path = found[number % len(found)]
        content = path.read_bytes()
        case = f"produce-{number:02d}"
        (evidence / f"{case}{path.suffix}").write_bytes(content)
        language, expression, ns = first_field(content, path.suffix)
        expected = expected_value(content, language, expression, ns)
        predicate = "nif:xpath" if language == "xpath" else "nif:jsonPointer"
        declare = "".join(
            f' sh:declare [ sh:prefix "{p}" ; sh:namespace {_literal(n)}^^xsd:anyURI ] ;'
            for p, n in ns.items()
        )
        entries.append(f"<#{case}>")
        cases.append(
            f"<#{case}> a earl:TestCase, nif:ProduceTest ;\n"
            f'  dct:identifier "{case}" ; dct:title "Produces {type_name} ({path.name})" ;\n'
            f'  dct:description "A {type_name} passes its profile and keeps its first field." ;\n'
            f"  nif:mandatory {'true' if number % 5 else 'false'} ;\n"
            f"  nif:expectedType <{refs[type_name].iri}> ;\n"
            f"  nif:assertion [ {predicate} {_literal(expression)} ;{declare}\n"
            f"    nif:expectedValue {_literal(expected)} ] .\n"
        )
    manifest = _MANIFEST_HEAD.format(cases=CASES)
    manifest += f"  mf:entries ( {' '.join(entries)} ) .\n\n" + "\n".join(cases)
    (suite / "manifest.ttl").write_text(manifest, encoding="utf-8")
    return suite, evidence


def median_seconds(actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median seconds of one call of each action over ROUNDS rounds; the actions take turns in
    each round (so a change in the machine's load hits them alike), and each repeats for at
    least SAMPLE seconds, so timer noise does not count. Times are this process's CPU time:
    whatever else runs on the machine does not count (all of a run happens in this process)."""
    repeats = {}
    for name, action in actions.items():
        started = time.process_time()
        action()
        repeats[name] = max(1, round(SAMPLE / max(time.process_time() - started, 1e-6)))
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(ROUNDS):
        for name, action in actions.items():
            started = time.process_time()
            for _ in range(repeats[name]):
                action()
            times[name].append((time.process_time() - started) / repeats[name])
    return {name: statistics.median(found) for name, found in times.items()}


def bench_version(
    registry: Registry, suite: Suite, agency: str, evidence_folder: Path
) -> dict[str, float]:
    """Median per-case seconds of the run and of both baselines, and the run's outcomes."""
    settings = registry.settings
    evidence = read_evidence(evidence_folder, settings)
    refs = {
        r.iri: r
        for r in resolve_message_types(registry.store, suite.interface, suite.version, None)
    }
    profiles = {
        iri: pinned_target(registry.store, ref).profile(registry.blobs) for iri, ref in refs.items()
    }
    work = []
    for case in suite.cases:
        name = next(p for p in evidence.files if Path(p).stem == case.identifier)
        ref = refs[str(case.expected_type)]
        work.append((name, evidence.files[name], ref, profiles[ref.iri], case.assertions))

    def baseline() -> None:
        for name, content, ref, profile, _ in work:
            validate(content, profile, source=name, settings=settings, context=ref.context)

    def with_assertions() -> None:
        for name, content, ref, profile, assertions in work:
            report = validate(content, profile, source=name, settings=settings, context=ref.context)
            if report.verdict is Verdict.VALID:
                for assertion in assertions:
                    check_assertion(assertion, content, settings)
            report.to_dict()

    def certification(cases: int) -> Callable[[], object]:
        part = dataclasses.replace(suite, cases=suite.cases[:cases])
        kept = {name for name, *_ in work[:cases]}
        files = Evidence({n: c for n, c in evidence.files.items() if n in kept})
        return lambda: run_suite(
            registry,
            part,
            agency=agency,
            evidence=files,
            actor="bench",
            purpose=Purpose.CERTIFICATION,
        )

    run = run_suite(
        registry,
        suite,
        agency=agency,
        evidence=evidence,
        actor="bench",
        purpose=Purpose.CERTIFICATION,
    )
    counts = run.counts()
    found = median_seconds(
        {
            "validate": baseline,
            "validate+assertions": with_assertions,
            "run_suite": certification(CASES),
            "small": certification(SMALL),
        }
    )
    marginal = (found["run_suite"] - found["small"]) / (CASES - SMALL)
    return {
        "validate": found["validate"] / CASES,
        "validate+assertions": found["validate+assertions"] / CASES,
        "run_suite": found["run_suite"] / CASES,
        "marginal": marginal,
        "fixed": found["small"] - SMALL * marginal,
        "passed": counts[str(CaseOutcome.PASSED)],
        "failed": counts[str(CaseOutcome.FAILED)],
    }


def main() -> None:
    print(f"{CASES} produce cases per suite, evidence mode; median of {ROUNDS} rounds per case")
    header = f"{'interface version':<22} {'pass/fail':>9} {'validate':>9} {'+a+json':>9}"
    print(
        f"{header} {'run_suite':>9} {'overhead':>9} {'vs +a+json':>10} {'per case':>9}"
        f" {'per run':>8}"
    )
    worst = 0.0
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="nif-bench-certify-") as tmp:
        home = Path(tmp) / "home"
        with Registry.open(Settings(home=home)) as registry:
            registry.load_folder(DEMO, check=False, actor="bench")
            for agency, interface, version in VERSIONS:
                refs = {
                    r.message_type: r
                    for r in resolve_message_types(registry.store, interface, version, None)
                }
                folder, evidence = make_suite(Path(tmp) / interface, interface, version, refs)
                suite = load_suite(folder, registry.settings)
                times = bench_version(registry, suite, agency, evidence)
                base, checked, run = (
                    times["validate"],
                    times["validate+assertions"],
                    times["run_suite"],
                )
                overhead = (run / base - 1) * 100
                worst = max(worst, overhead)
                json_suite = examples(interface, version)[0][1].suffix == ".json"
                what = "JSON Schema" if json_suite else "XML"
                rows.append(
                    (f"certification overhead, {what} suite ({interface}@{version})", overhead)
                )
                print(
                    f"{interface + '@' + version:<22} "
                    f"{int(times['passed']):>4}/{int(times['failed']):<4} "
                    f"{base * 1e3:>6.3f} ms {checked * 1e3:>6.3f} ms {run * 1e3:>6.3f} ms "
                    f"{overhead:>+8.1f}% {(run / checked - 1) * 100:>+9.1f}% "
                    f"{times['marginal'] * 1e3:>6.3f} ms {times['fixed'] * 1e3:>5.1f} ms"
                )
    print("times per case (median); per case/per run: run_suite's time split into what each case")
    print(
        f"adds and what every run costs (store lookups...), from runs of {SMALL} and {CASES} cases"
    )
    for path, overhead in rows:
        target(
            path,
            f"{overhead:+.0f}%",
            "plain validation of the same messages",
            f"<= +{TARGET:.0f}%",
            overhead <= TARGET,
        )
    verdict = "meets" if worst <= TARGET else "misses"
    print(f"largest overhead of run_suite over plain validation: {worst:+.1f}%")
    print(f"({verdict} the target of <= {TARGET:.0f}%)")
