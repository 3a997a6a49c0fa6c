"""`import_kosit`: a KoSIT configuration registered as an interface version, validated,
detected by its scenarios' matches, imported again, used by a suite, and refused clearly."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from rdflib import URIRef

from nif.certify import Evidence, Purpose, load_suite, run_suite
from nif.errors import (
    CompileError,
    DetectionError,
    InputError,
    NotFoundError,
    RegistryError,
    RejectedError,
    UsageError,
)
from nif.registry import (
    NIF,
    NIF_TECHNIQUE,
    KositImport,
    KositResult,
    Registry,
    _detect,
    _discriminators,
    _message_types,
    import_kosit,
    resolve_message_types,
    validate_registered,
    version_checksums,
)
from nif.report import Report, Severity, Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT
from tests.kosit_config import ScenarioSpec, build_config
from tests.validate.kosit.conftest import CII_INVOICE as CII
from tests.validate.kosit.conftest import UBL_INVOICE as UBL
from tests.validate.kosit.conftest import bad_type_code

ENDPOINT = "https://api.tax.example.gov/einvoice"


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kosit-configs")


@pytest.fixture(scope="module")
def en16931(configs: Path) -> Path:
    """UBL invoice, UBL credit note and CII scenarios."""
    return build_config(configs / "en16931")


@pytest.fixture(scope="module")
def cii_only(configs: Path) -> Path:
    return build_config(configs / "cii", scenarios=[ScenarioSpec("EN16931 CII", "cii")])


@pytest.fixture
def reg(tmp_path: Path) -> Iterator[Registry]:
    """A registry on the embedded store holding the demo agencies tax and civreg."""
    settings = Settings(home=tmp_path / "home", actor="tester")
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    for agency in ("tax", "civreg"):
        registry.submit(ROOT / "registry" / "agencies" / f"{agency}.ttl")
    yield registry
    registry.close()


def spec(version: str = "1.0.0", **changes: object) -> KositImport:
    values: dict[str, object] = {
        "interface": "einvoice",
        "version": version,
        "publisher": "tax",
        "endpoint": ENDPOINT,
    }
    values.update(changes)
    return KositImport(**values)  # type: ignore[arg-type]


def reg_import(reg: Registry, config: Path, **changes: object) -> KositResult:
    return import_kosit(reg, config, spec(**changes), actor="tester")


def validated(reg: Registry, *paths: Path, interface: str | None) -> list[Report]:
    return validate_registered(
        list(paths),
        lambda: contextlib.nullcontext(reg.store),
        reg.settings,
        interface=interface,
        message_type=None,
        severity_overrides={},
        fail_on=Severity.ERROR,
        jobs=1,
        keep_svrl=False,
    )


def test_the_scenarios_become_message_types_of_a_pinned_configuration(
    reg: Registry, en16931: Path
) -> None:
    result = reg_import(reg, en16931)
    assert result.message_types == {
        "EN16931 UBL Invoice": "EN16931-UBL-Invoice",
        "EN16931 UBL CreditNote": "EN16931-UBL-CreditNote",
        "EN16931 CII": "EN16931-CII",
    }
    assert not result.unchanged and result.submitted.report.conforms
    refs = resolve_message_types(reg.store, "einvoice", "1.0.0")
    assert {r.scenario for r in refs} == set(result.message_types)
    ubl = next(r for r in refs if r.scenario == "EN16931 UBL Invoice")
    assert ubl.root == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert ubl.discriminator is not None and ubl.discriminator.match
    assert (ubl.discriminator.path, ubl.discriminator.value) == ("/ubl:Invoice", "true")
    record = reg.read("einvoice").graph
    (config,) = set(record.objects(URIRef(ubl.iri), NIF.schema))
    assert (config, None, NIF_TECHNIQUE.KoSITConfiguration) in record
    url = str(record.value(config, URIRef("http://www.w3.org/ns/dcat#downloadURL")))
    assert url == "https://registry.nif.example/files/einvoice/kosit/1.0.0/scenarios.xml"
    parts = list(record.objects(config, NIF.part))
    assert len(parts) > 20  # the XSDs of UBL and CII, both rule sets and the report XSLT
    assert len(version_checksums(reg.store, ubl.version_iri)) == len(parts) + 1
    assert reg.check(workers=1, keys=["einvoice"]).conforms  # `nif registry check` agrees


@pytest.mark.slow
def test_ubl_and_cii_validate_through_the_registry(
    reg: Registry, en16931: Path, tmp_path: Path
) -> None:
    reg_import(reg, en16931)
    bad = tmp_path / "bad-type-code.xml"
    bad.write_bytes(bad_type_code())
    named = validated(reg, UBL, CII, bad, interface="einvoice@1.0.0")
    assert [r.verdict for r in named] == [Verdict.VALID, Verdict.VALID, Verdict.INVALID]
    assert [r.context["message_type"] for r in named] == [
        "EN16931-UBL-Invoice",
        "EN16931-CII",
        "EN16931-UBL-Invoice",
    ]
    assert "BR-CL-01" in {f.rule_id for f in named[2].findings}
    detected = validated(reg, CII, interface=None)  # the root given by the match finds it
    assert detected[0].verdict == Verdict.VALID
    assert detected[0].profile == "einvoice@1.0.0/EN16931-CII"


def test_detection_evaluates_matches_as_kosit_does(reg: Registry, configs: Path) -> None:
    config = build_config(
        configs / "matches",
        scenarios=[
            # XPath 2.0 only (exists(), a value comparison): Saxon evaluates it
            ScenarioSpec(
                "CII 380",
                "cii",
                match="exists(/rsm:CrossIndustryInvoice) and "
                "number((//*[local-name() = 'TypeCode'])[1]) eq 380",
            ),
            ScenarioSpec(
                "CII credit", "cii", match="/rsm:CrossIndustryInvoice[.//*:TypeCode = '381']"
            ),
        ],
    )
    reg_import(reg, config)
    refs = resolve_message_types(reg.store, "einvoice", "1.0.0")
    roots = {r.scenario: r.root for r in refs}
    assert roots["CII 380"] is None  # not a root element step: no root QName
    assert roots["CII credit"] is not None  # the root with a predicate names it
    detector = _detect.Detector(reg.store, reg.settings)
    assert detector.detect(CII.read_bytes(), refs).scenario == "CII 380"
    credit = CII.read_bytes().replace(b"<ram:TypeCode>380<", b"<ram:TypeCode>381<", 1)
    assert credit != CII.read_bytes()
    assert detector.detect(credit, refs).scenario == "CII credit"
    with pytest.raises(DetectionError, match=r"no registered message type of einvoice@1\.0\.0"):
        detector.detect(UBL.read_bytes(), refs)
    (report,) = validated(reg, _written(configs / "credit.xml", credit), interface=None)
    assert report.verdict == Verdict.VALID  # found by its root, with no interface named


def _written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_two_matching_scenarios_are_a_detection_error_naming_both(
    reg: Registry, configs: Path
) -> None:
    config = build_config(
        configs / "twice",
        scenarios=[
            ScenarioSpec("CII", "cii"),
            ScenarioSpec("CII again", "cii", match="exists(/rsm:CrossIndustryInvoice)"),
        ],
    )
    reg_import(reg, config)
    refs = resolve_message_types(reg.store, "einvoice", "1.0.0")
    with pytest.raises(DetectionError) as caught:
        _detect.Detector(reg.store, reg.settings).detect(CII.read_bytes(), refs)
    assert "einvoice@1.0.0/CII," in str(caught.value)
    assert "einvoice@1.0.0/CII-again" in str(caught.value)


def test_importing_again_is_idempotent_and_a_change_needs_replace(
    reg: Registry, cii_only: Path, configs: Path
) -> None:
    submitted = reg_import(reg, cii_only).submitted
    assert submitted is not None
    first = submitted.records[0]
    again = reg_import(reg, cii_only)
    assert again.unchanged and again.submitted is None  # nothing to store
    assert again.message_types == {"EN16931 CII": "EN16931-CII"}
    retitled = reg_import(reg, cii_only, status="Deprecated")  # same files, another record
    assert retitled.unchanged and retitled.submitted is not None
    reg_import(reg, cii_only)  # and back
    changed = configs / "cii-changed"
    shutil.copytree(cii_only, changed)
    scenarios = changed / "scenarios.xml"
    scenarios.write_text(
        scenarios.read_text("utf-8").replace(
            "</createReport>", '<customLevel level="warning">BR-01</customLevel></createReport>'
        ),
        "utf-8",
    )
    with pytest.raises(RegistryError, match=r"einvoice@1\.0\.0 exists with another configuration"):
        reg_import(reg, changed)
    replacing = reg_import(reg, changed, replace=True)
    assert not replacing.unchanged and replacing.submitted is not None
    replaced = replacing.submitted.records[0]
    assert replaced.sha256 != first.sha256
    history = [v.sha256 for v in reg.versions("einvoice")]
    assert len(set(history)) == 3 and history[0] == history[2] == first.sha256
    assert history[3] == replaced.sha256 and len(history) == 4
    assert {v.action for v in reg.versions("einvoice")} == {"import-kosit"}
    audit = [e for e in reg.history.audit_log() if e.action == "import-kosit"]
    assert audit and {e.target for e in audit} == {str(cii_only), str(changed)}
    assert not any("nif-kosit-" in e.target + e.detail for e in reg.history.audit_log())


@pytest.mark.slow
def test_a_second_version_keeps_the_first_usable(
    reg: Registry, cii_only: Path, en16931: Path
) -> None:
    reg_import(reg, cii_only)
    reg_import(reg, en16931, version="1.1.0", endpoint=None)
    record = reg.read("einvoice").graph
    interface = URIRef("https://registry.nif.example/interface/einvoice")
    dcat = "http://www.w3.org/ns/dcat#"
    current = record.value(interface, URIRef(dcat + "hasCurrentVersion"))
    assert str(current).endswith("/1.1.0")
    assert str(record.value(current, URIRef(dcat + "previousVersion"))).endswith("/1.0.0")
    reports = validated(reg, CII, interface="einvoice@1.0.0")
    assert reports[0].verdict == Verdict.VALID, [f.message for f in reports[0].findings]
    assert len(resolve_message_types(reg.store, "einvoice", "1.1.0")) == 3


@pytest.mark.slow
def test_a_suite_case_runs_on_the_imported_version(
    reg: Registry, en16931: Path, tmp_path: Path
) -> None:
    reg_import(reg, en16931)
    folder = tmp_path / "suites" / "einvoice" / "1.0.0"
    folder.mkdir(parents=True)
    (folder / "manifest.ttl").write_text(
        """@prefix mf: <http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#> .
@prefix earl: <http://www.w3.org/ns/earl#> .
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<> a mf:Manifest ;
  rdfs:label "einvoice 1.0.0"@en ;
  mf:entries ( <#produce-invoice> ) .

<#produce-invoice> a earl:TestCase, nif:ProduceTest ;
  dct:identifier "produce-invoice" ;
  dct:title "Produces an EN 16931 UBL invoice"@en ;
  dct:description "An invoice the system produced is accepted by the KoSIT scenario."@en ;
  nif:mandatory true ;
  nif:expectedType <https://registry.nif.example/interface/einvoice/1.0.0/EN16931-UBL-Invoice> .
""",
        "utf-8",
    )
    suite = load_suite(folder, reg.settings)
    for content, passed in ((UBL.read_bytes(), True), (bad_type_code(), False)):
        run = run_suite(
            reg,
            suite,
            agency="tax",
            evidence=Evidence({"produce-invoice.xml": content}),
            actor="tester",
            purpose=Purpose.SELF_TEST,
        )
        assert run.passed is passed


def test_errors_name_the_file_and_what_is_wrong(
    reg: Registry, cii_only: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"empty: no scenarios\.xml there"):
        reg_import(reg, empty)
    nomatch = tmp_path / "nomatch"
    shutil.copytree(cii_only, nomatch)
    scenarios = nomatch / "scenarios.xml"
    text = scenarios.read_text("utf-8")
    start, end = text.index("<match>"), text.index("</match>") + len("</match>")
    scenarios.write_text(text[:start] + text[end:], "utf-8")
    with pytest.raises(CompileError, match=r"scenarios\.xml, line \d+: <scenario> needs a <match>"):
        reg_import(reg, nomatch)
    with pytest.raises(NotFoundError, match=r"publisher 'nobody' is not an agency .*civreg, tax"):
        reg_import(reg, cii_only, publisher="nobody")
    for bad in ({"interface": "../x"}, {"version": "../1.0.0"}, {"version": ""}):
        with pytest.raises(UsageError, match=r"an identifier is|expected a semantic version"):
            reg_import(reg, cii_only, **bad)
    with pytest.raises(UsageError, match="interface einvoice is new: give its --endpoint"):
        reg_import(reg, cii_only, endpoint=None)
    reg_import(reg, cii_only)
    with pytest.raises(RegistryError, match=r"published by .*agency/tax, not by civreg"):
        reg_import(reg, cii_only, publisher="civreg")
    assert [v.action for v in reg.versions("einvoice")] == ["import-kosit"]


def test_a_version_written_by_hand_is_never_replaced(reg: Registry, cii_only: Path) -> None:
    reg.submit(ROOT / "registry" / "interfaces" / "civreg-birth")
    with pytest.raises(RegistryError, match=r"civreg-birth@2\.0\.0 exists and was not imported"):
        reg_import(
            reg,
            cii_only,
            interface="civreg-birth",
            version="2.0.0",
            publisher="civreg",
            replace=True,
        )


def test_the_shapes_refuse_a_bad_version_number(reg: Registry, cii_only: Path) -> None:
    with pytest.raises(RejectedError, match="violation") as caught:
        reg_import(reg, cii_only, version="v1")
    assert str(caught.value).startswith(f"{cii_only}: rejected")  # not the temporary bundle
    with pytest.raises(NotFoundError):
        reg.find("einvoice")


@pytest.mark.parametrize(
    "match",
    [
        'exists(environment-variable("HOME"))',
        'doc-available("file:///etc/passwd")',
        'unparsed-text-available("file:///etc/hostname")',
    ],
)
def test_a_match_cannot_read_the_environment_or_files(match: str) -> None:
    """A match is the configuration's code: Saxon runs it in the sandbox, so these do not
    even compile and the discriminator has no value (the message type does not match)."""
    tree = etree.ElementTree(etree.fromstring(b"<a/>"))
    discriminator = _message_types.Discriminator(match, "true", (), match=True)
    assert _discriminators.match_value(tree, discriminator) is None


def test_a_named_version_with_one_scenario_still_checks_its_match(
    reg: Registry, cii_only: Path
) -> None:
    """KoSIT matches every message: a UBL invoice sent to a CII-only version is an error
    naming the scenario, not a CII validation of a UBL message."""
    reg_import(reg, cii_only)
    (report,) = validated(reg, UBL, interface="einvoice@1.0.0")
    assert report.verdict == Verdict.ERROR
    (step,) = [s for s in report.steps if s.error]
    assert "einvoice@1.0.0/EN16931-CII (needs /rsm:CrossIndustryInvoice = 'true'" in step.error


def test_a_stylesheet_that_does_more_than_compute_is_refused_at_import(
    reg: Registry, cii_only: Path, tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(cii_only, hostile)
    report = hostile / "resources" / "report.xsl"
    text = report.read_text("utf-8")
    end = text.rindex("</xsl:stylesheet>")
    leak = '<xsl:template name="leak"><xsl:value-of select="environment-variable(\'HOME\')"/>'
    report.write_text(text[:end] + leak + "</xsl:template>" + text[end:], "utf-8")
    with pytest.raises(CompileError, match=r"report\.xsl.*environment-variable"):
        reg_import(reg, hostile)
    with pytest.raises(NotFoundError):
        reg.find("einvoice")
