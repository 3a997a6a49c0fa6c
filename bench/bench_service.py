"""Validation under load: `POST /api/validate` on a real `nif serve` vs the in-process batch.

A temp NIF_HOME holds a registry of two interfaces, submitted as a bundle built at bench time
from copies of `../shared/external` (never the repository): `bench-ubl` whose message type is
the UBL 2.1 invoice XSD alone, and `bench-en16931` with the same XSD and the EN 16931 UBL
Schematron. The message is the 21 KB EN 16931 example invoice (ubl-tc434-example1). `nif serve`
runs as a subprocess (real uvicorn) on a free loopback port; async httpx clients send the
message back to back at concurrency 1, 8 and 32, each run bounded by a request count and a time
limit, after a warm-up that lets every validation worker compile its validators. The CPU time
the service process and its workers spent per request (from /proc) shows where the time goes.

Baseline, in the same run: `validate_files(jobs=2)` over copies of the same message with the
same profile (`build_profile` from the same registry). Its steady rate comes from two batch
sizes, so the pool start and the compilation it pays once cancel out, as they do for a warmed-up
service; it runs before and after the service, and the better rate counts (on a shared machine
the load varies over minutes). Targets: throughput at concurrency 8 >= 0.8x the batch's with
the Schematron rules, >= 0.3x with the XSD alone.

The service runs with the settings `make serve` uses except the rate limit (600 requests a
minute per client would refuse most of the load); `NIF_BENCH_DEFAULTS=1` keeps the rate limit
too, to show what a client sees then. `NIF_BENCH_REQUESTS` and `NIF_BENCH_SECONDS` bound each
run (defaults 2000 and 20 s).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import tempfile
import time
from pathlib import Path

import httpx
from lxml import etree

from bench._service import ROOT, LoadResult, Send, Service, load, ms, serve
from bench._summary import target
from nif.registry import Registry
from nif.registry._message_types import resolve_message_types
from nif.registry._profiles import build_profile
from nif.settings import Settings
from nif.validate._batch import available_cpus, validate_files
from nif.validate._xml import has_doctype, safe_parser

EXTERNAL = ROOT.parent / "shared" / "external"
UBL_XSD = EXTERNAL / "ubl-2.1" / "xsd"
EN16931_RULES = EXTERNAL / "en16931" / "ubl" / "schematron"
MESSAGE = EXTERNAL / "en16931" / "ubl" / "examples" / "ubl-tc434-example1.xml"
CONCURRENCY = (1, 8, 32)
BATCH = {False: 10_000, True: 1000}
"""Messages in the large baseline batch, without and with the Schematron rules."""
TARGETS = {False: 0.3, True: 0.8}
"""Throughput at concurrency 8 / the batch's steady rate: the issue's target per case."""
BASE = "https://registry.nif.example/"

AGENCY = f"""\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix cv: <http://data.europa.eu/m8g/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .

<{BASE}agency/bench> a org:Organization, cv:PublicOrganisation, foaf:Agent ;
  dct:identifier "bench" ;
  skos:prefLabel "Benchmark Agency"@en ;
  foaf:name "Benchmark Agency"@en ;
  dcat:contactPoint [ a vcard:Organization ; vcard:fn "Benchmark desk" ;
                      vcard:hasEmail <mailto:bench@bench.example.gov> ] .
"""

INTERFACE = """\
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .

<{i}> a dcat:DataService ;
  dct:identifier "{id}" ;
  dct:title "{title}"@en ;
  dct:description "UBL 2.1 invoices, for the service benchmark."@en ;
  dct:publisher <{base}agency/bench> ;
  dcat:endpointURL <https://api.bench.example.gov/{id}> ;
  nif:transport <https://w3id.org/nif/concept/transport/rest> ;
  dcat:hasVersion <{i}/1.0.0> ;
  dcat:hasCurrentVersion <{i}/1.0.0> .

<{i}/1.0.0> a dcat:DataService, nif:InterfaceVersion ;
  dct:title "{title} 1.0.0"@en ;
  dct:publisher <{base}agency/bench> ;
  dcat:endpointURL <https://api.bench.example.gov/{id}/v1> ;
  dcat:version "1.0.0" ;
  adms:status <http://purl.org/adms/status/Completed> ;
  adms:versionNotes "First version."@en ;
  adms:interoperabilityLevel <http://purl.org/adms/interoperabilitylevel/Technical> ;
  nif:messageType <{i}/1.0.0/Invoice> .

<{i}/1.0.0/Invoice> a nif:MessageType ;
  dct:identifier "Invoice" ;
  dct:title "Invoice"@en ;
  nif:direction <https://w3id.org/nif/concept/direction/request> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/xml> ;
  nif:rootNamespace "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" ;
  nif:rootName "Invoice" ;
  nif:schema <{i}/1.0.0/artefact/UBL-Invoice-2.1.xsd> {rules_ref}.

<{i}/1.0.0/artefact/UBL-Invoice-2.1.xsd> a dct:Standard, dcat:Distribution ;
  dct:title "UBL 2.1 Invoice schema"@en ;
  dcat:downloadURL <ubl/maindoc/UBL-Invoice-2.1.xsd> ;
  dcat:accessURL <ubl/maindoc/UBL-Invoice-2.1.xsd> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/xml> ;
  adms:representationTechnique <http://purl.org/adms/representationtechnique/XMLSchema> .
{rules}"""

RULES = """
<{i}/1.0.0/artefact/EN16931-UBL-validation.sch> a dct:Standard, dcat:Distribution ;
  dct:title "EN 16931 UBL business rules"@en ;
  dcat:downloadURL <en16931/EN16931-UBL-validation.sch> ;
  dcat:accessURL <en16931/EN16931-UBL-validation.sch> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/xml> ;
  adms:representationTechnique <http://purl.org/adms/representationtechnique/Schematron> .
"""


@dataclasses.dataclass(frozen=True)
class Case:
    """One message type under load: the interface that names it and what it runs."""

    interface: str
    title: str
    rules: bool

    @property
    def label(self) -> str:
        return "XSD + EN 16931 Schematron" if self.rules else "XSD only"


CASES = (
    Case("bench-ubl", "UBL invoice (schema only)", rules=False),
    Case("bench-en16931", "EN 16931 invoice", rules=True),
)


def _copy_tree(source: Path, target: Path) -> None:
    """Copy files only (the originals are read-only; copied modes would make the temp dir
    undeletable)."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _expand_doctypes(folder: Path) -> None:
    """Expand away the internal DTD subset of UBL's copy of xmldsig-core: submission refuses
    every DOCTYPE in an artefact, though the validator expands this one the same way itself."""
    for path in folder.rglob("*.xsd"):
        content = path.read_bytes()
        if has_doctype(content):
            root = etree.fromstring(content, safe_parser(resolve_entities="internal"))
            path.write_bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


def write_bundle(folder: Path) -> Path:
    """A submission bundle: the agency, both interfaces and copies of the standards."""
    folder.mkdir(parents=True)
    _copy_tree(UBL_XSD, folder / "ubl")
    _expand_doctypes(folder / "ubl")
    _copy_tree(EN16931_RULES, folder / "en16931")
    (folder / "agency.ttl").write_text(AGENCY)
    for case in CASES:
        iri = f"{BASE}interface/{case.interface}"
        text = INTERFACE.format(
            i=iri,
            id=case.interface,
            title=case.title,
            base=BASE,
            rules_ref=f";\n  nif:rules <{iri}/1.0.0/artefact/EN16931-UBL-validation.sch> "
            if case.rules
            else "",
            rules=RULES.format(i=iri) if case.rules else "",
        )
        (folder / f"{case.interface}.ttl").write_text(text)
    return folder


def prepare_home(home: Path) -> None:
    """Submit the bundle into a fresh registry under `home`."""
    with tempfile.TemporaryDirectory(prefix="nif-bench-bundle-") as tmp:
        bundle = write_bundle(Path(tmp) / "bundle")
        with Registry.open(Settings(home=home)) as registry:
            result = registry.submit(bundle, actor="bench")
    print(f"registry: {len(result.records)} records, {result.artefacts} artefacts pinned")


def batch_rate(home: Path, case: Case, messages: int) -> tuple[float, float, float]:
    """The in-process batch of `case` with 2 workers: (fixed cost s, steady messages/s, the
    plain rate of the large batch)."""
    settings = Settings(home=home)
    with Registry.open(settings) as registry:
        (ref,) = resolve_message_types(registry.store, case.interface, "1.0.0", "Invoice")
        profile = build_profile(registry.store, ref, registry.blobs)
    times = {}
    with tempfile.TemporaryDirectory(prefix="nif-bench-batch-") as tmp:
        paths = []
        for index in range(messages):
            path = Path(tmp) / f"{index:05d}.xml"
            path.symlink_to(MESSAGE)
            paths.append(path)
        small = max(2, messages // 10)
        for count in (small, messages):
            started = time.perf_counter()
            reports = validate_files(paths[:count], profile, settings=settings, jobs=2)
            times[count] = time.perf_counter() - started
            verdicts = {r.verdict for r in reports}
            if verdicts != {"valid"}:
                raise SystemExit(f"batch of {case.interface}: verdicts {verdicts}, expected valid")
    steady = (messages - small) / (times[messages] - times[small])
    fixed = times[small] - small / steady
    return fixed, steady, messages / times[messages]


def sender(base: str, case: Case, content: bytes) -> Send:
    """The request the load sends: the raw message, its message type named."""
    url = base + "/api/validate"
    params = {"interface": case.interface, "version": "1.0.0", "message_type": "Invoice"}
    headers = {"Content-Type": "application/xml", "Accept": "application/json"}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(url, params=params, content=content, headers=headers)

    return send


def check_answer(base: str, case: Case, content: bytes) -> None:
    """One request before the load: it must be a 200 with verdict valid (after waiting out the
    rate limit, which an earlier run may have used up when it is on)."""
    params = {"interface": case.interface, "version": "1.0.0", "message_type": "Invoice"}
    deadline = time.monotonic() + 120
    while True:
        answer = httpx.post(
            base + "/api/validate",
            params=params,
            content=content,
            headers={"Content-Type": "application/xml"},
            timeout=300,
        )
        if answer.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(float(answer.headers.get("Retry-After", "1")))
    if answer.status_code != 200 or answer.json().get("verdict") != "valid":
        raise SystemExit(
            f"{case.interface}: POST /api/validate answered {answer.status_code}: "
            f"{answer.text[:500]}"
        )


def run_case(
    service: Service, case: Case, content: bytes, requests: int, seconds: float
) -> dict[int, LoadResult]:
    check_answer(service.url, case, content)
    send = sender(service.url, case, content)
    load(send, max(CONCURRENCY), requests=max(CONCURRENCY) * 4, seconds=seconds)  # warm-up
    return {
        concurrency: load(send, concurrency, requests=requests, seconds=seconds, service=service)
        for concurrency in CONCURRENCY
    }


def main() -> None:
    requests = int(os.environ.get("NIF_BENCH_REQUESTS", "2000"))
    seconds = float(os.environ.get("NIF_BENCH_SECONDS", "20"))
    defaults = os.environ.get("NIF_BENCH_DEFAULTS", "") not in ("", "0")
    content = MESSAGE.read_bytes()
    print(f"cores available: {available_cpus()}, load average {os.getloadavg()[0]:.2f}")
    print(f"message: {MESSAGE.name}, {len(content):,} bytes")
    env = {} if defaults else {"NIF_RATE_LIMIT": "0"}
    shown = "make serve's defaults" if defaults else "make serve's defaults, rate limit off"
    print(f"service: nif serve with {shown}; each run <= {requests} requests, <= {seconds:.0f} s")
    with tempfile.TemporaryDirectory(prefix="nif-bench-service-") as tmp:
        home = Path(tmp)
        prepare_home(home)
        batches = {case: [batch_rate(home, case, BATCH[case.rules])] for case in CASES}
        figures = {}
        with serve(home, env) as service:
            for case in CASES:
                figures[case] = run_case(service, case, content, requests, seconds)
        for case in CASES:
            batches[case].append(batch_rate(home, case, BATCH[case.rules]))
            best = max(batches[case], key=lambda figures: figures[1])
            report(case, figures[case], *best, BATCH[case.rules])
    print(f"\nHTTP stack: {http_stack()}")
    for case in CASES:
        steady = max(batches[case], key=lambda figures: figures[1])[1]
        ratio = figures[case][8].throughput / steady
        target(
            f"service, c=8, {'XSD + EN 16931' if case.rules else 'XSD only'}",
            f"{ratio:.2f}x ({figures[case][8].throughput:.0f} req/s)",
            f"in-process batch, 2 workers, steady rate ({steady:.0f}/s)",
            f">= {TARGETS[case.rules]}x",
            ratio >= TARGETS[case.rules],
        )


def http_stack() -> str:
    """What `nif serve`'s uvicorn runs on here: it takes httptools and uvloop when installed
    (about half the CPU per request of h11 and asyncio's loop, `python -m bench service_stack`)."""
    found = [name for name in ("httptools", "uvloop") if importlib.util.find_spec(name)]
    return "uvicorn with " + (" + ".join(found) if found else "h11 + asyncio (pure Python)")


def report(
    case: Case,
    results: dict[int, LoadResult],
    fixed: float,
    steady: float,
    plain: float,
    messages: int,
) -> None:
    print(f"\n{case.interface} ({case.label})")
    print(
        f"  {'concurrency':<12}{'requests':>9}{'req/s':>9}{'p50':>10}{'p99':>10}"
        f"{'CPU/request':>16}  other answers"
    )
    for concurrency, result in results.items():
        print(
            f"  {concurrency:<12}{result.requests:>9}{result.throughput:>9.1f}"
            f"{ms(result.p(0.5)):>10}{ms(result.p(0.99)):>10}{result.cpu_per_request():>16}"
            f"  {result.failures() or '-'}"
        )
    print("  (CPU/request: the service process + its validation workers)")
    print(
        f"  batch, 2 workers: {steady:.1f} messages/s steady, the better of a run before and "
        f"after the service ({plain:.1f}/s over {messages} messages, {fixed:.1f} s fixed cost)"
    )
    ratio = results[8].throughput / steady
    goal = TARGETS[case.rules]
    print(f"  service at concurrency 8 / batch: {ratio:.2f}x (target >= {goal}x)")


if __name__ == "__main__":
    main()
