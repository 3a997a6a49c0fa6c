"""The registry enforces each interface's compatibility policy and stores the assessment.

A small interface written to tmp_path: an XML request and response (one XSD) and a JSON
notification, in as many versions as a test needs; real submissions into a real embedded
Oxigraph store, real comparisons by nif.compat.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nif.compat import Comparison
from nif.errors import IncompatibleVersionError, NotFoundError, RejectedError
from nif.registry import Registry, assessment_iri
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT, cli_runner

IFACE = "https://registry.nif.example/interface/orders"
AGENCY = ROOT / "registry" / "agencies" / "busreg.ttl"
OPTIONAL_NOTE = '<xs:element name="Note" type="xs:string" minOccurs="0"/>'
REQUIRED_NOTE = '<xs:element name="Note" type="xs:string"/>'
PREFIXES = """@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def xsd(request: str = "", reply: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test:orders"
           xmlns="urn:test:orders" elementFormDefault="qualified">
  <xs:element name="OrderRequest"><xs:complexType><xs:sequence>
    <xs:element name="Id" type="xs:string"/>{request}
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="OrderReply"><xs:complexType><xs:sequence>
    <xs:element name="Status" type="xs:string"/>{reply}
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>
"""


def event(**properties: object) -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"type": {"const": "OrderEvent"}, "id": {"type": "string"}, **properties},
        "required": ["type", "id"],
    }
    return json.dumps(schema, indent=2)


def _message_type(version: str, name: str, direction: str, match: str, schema: str) -> str:
    media = "json" if schema.endswith(".json") else "xml"
    technique = (
        "<https://w3id.org/nif/concept/representation-technique/JSONSchema>"
        if media == "json"
        else "<http://purl.org/adms/representationtechnique/XMLSchema>"
    )
    return f"""
<{IFACE}/{version}/{name}> a nif:MessageType ;
  dct:identifier "{name}" ;
  dct:title "{name}"@en ;
  nif:direction <https://w3id.org/nif/concept/direction/{direction}> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/{media}> ;
  {match} ;
  nif:schema <{IFACE}/{version}/artefact/{schema}> .

<{IFACE}/{version}/artefact/{schema}> a dct:Standard, dcat:Distribution ;
  dct:title "{schema} {version}"@en ;
  dcat:downloadURL <schemas/{version}/{schema}> ;
  dcat:accessURL <schemas/{version}/{schema}> ;
  dcat:mediaType <https://www.iana.org/assignments/media-types/application/{media}> ;
  adms:representationTechnique {technique} .
"""


def write_interface(
    folder: Path,
    versions: dict[str, tuple[str, str]],
    *,
    policy: str | None = None,
    open_content_counts: bool | None = None,
    without: tuple[str, str] | None = None,
) -> Path:
    """The interface bundle: version -> (XSD text, JSON Schema text); `without` (version,
    message type) leaves that message type out."""
    bundle = folder / "orders"
    bundle.mkdir(parents=True, exist_ok=True)
    names = list(versions)
    head = [
        f'<{IFACE}> a dcat:DataService ;\n  dct:identifier "orders" ;\n  dct:title "Orders"@en ;',
        '  dct:description "Orders for the tests."@en ;',
        "  dct:publisher <https://registry.nif.example/agency/busreg> ;",
        "  dcat:endpointURL <https://orders.example.gov/> ;",
        "  nif:transport <https://w3id.org/nif/concept/transport/rest> ;",
    ]
    if policy:
        head.append(
            f"  nif:compatibilityPolicy <https://w3id.org/nif/concept/compatibility-policy/{policy}> ;"
        )
    if open_content_counts is not None:
        head.append(f'  nif:openContentCounts "{str(open_content_counts).lower()}"^^xsd:boolean ;')
    head.append("  dcat:hasVersion " + ", ".join(f"<{IFACE}/{v}>" for v in names) + " ;")
    head.append(f"  dcat:hasCurrentVersion <{IFACE}/{names[-1]}> .")
    parts = [PREFIXES, "\n".join(head)]
    for version, (schema, notification) in versions.items():
        target = bundle / "schemas" / version
        target.mkdir(parents=True, exist_ok=True)
        (target / "orders.xsd").write_text(schema, "utf-8")
        (target / "event.schema.json").write_text(notification, "utf-8")
        types = [t for t in ("OrderRequest", "OrderReply", "OrderEvent") if (version, t) != without]
        parts.append(f"""
<{IFACE}/{version}> a dcat:DataService, nif:InterfaceVersion ;
  dct:title "Orders {version}"@en ;
  dct:publisher <https://registry.nif.example/agency/busreg> ;
  dcat:endpointURL <https://orders.example.gov/{version}> ;
  dcat:version "{version}" ;
  adms:status <http://purl.org/adms/status/Completed> ;
  adms:interoperabilityLevel <http://purl.org/adms/interoperabilitylevel/Technical> ;
  nif:messageType {", ".join(f"<{IFACE}/{version}/{t}>" for t in types)} .
""")
        root = 'nif:rootNamespace "urn:test:orders" ; nif:rootName "{}"'
        discriminator = (
            'nif:discriminator [ a nif:Discriminator ; nif:path "/type" ; nif:value "OrderEvent" ]'
        )
        parts.append(
            _message_type(
                version, "OrderRequest", "request", root.format("OrderRequest"), "orders.xsd"
            )
        )
        parts.append(
            _message_type(
                version, "OrderReply", "response", root.format("OrderReply"), "orders.xsd"
            )
        )
        if "OrderEvent" in types:
            parts.append(
                _message_type(
                    version, "OrderEvent", "notification", discriminator, "event.schema.json"
                )
            )
    (bundle / "interface.ttl").write_text("\n".join(parts), "utf-8")
    return bundle


@pytest.fixture
def reg(settings: Settings) -> Registry:
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    registry.submit(AGENCY)
    yield registry
    registry.close()


V1 = (xsd(), event())


def test_a_compatible_minor_is_stored_with_its_assessment(reg: Registry, tmp_path: Path) -> None:
    reg.submit(write_interface(tmp_path / "a", {"1.0.0": V1}))
    assert reg.assessment("orders", "1.0.0") is None
    bundle = write_interface(tmp_path / "b", {"1.0.0": V1, "1.1.0": (xsd(OPTIONAL_NOTE), event())})
    reg.submit(bundle)
    found = reg.assessment("orders", "1.1.0")
    assert found is not None
    assert (found["breaking"], found["policy"]) == (False, "by-direction")
    assert [c["version"] for c in found["compared_with"]] == ["1.0.0"]
    by_name = {m["name"]: m for m in found["messages"]}
    assert set(by_name) == {"OrderRequest", "OrderReply", "OrderEvent"}
    request = by_name["OrderRequest"]
    assert request["required"] == ["backward"]
    assert request["backward"]["verdict"] == "compatible"
    # the new optional element is a forward break of the request, which the policy allows
    assert request["forward"]["verdict"] == "incompatible"
    assert "Note" in request["forward"]["counterexample"]
    assert any(c["kind"] for c in request["changes"])
    assert by_name["OrderReply"]["required"] == ["forward"]
    assert by_name["OrderEvent"]["required"] == ["forward"]
    # in the SPARQL default graph, like the records
    assert reg.store.ask(
        "PREFIX nif: <https://w3id.org/nif/ns#> ASK { ?a a nif:CompatibilityAssessment ; "
        f"nif:assessedVersion <{IFACE}/1.1.0> ; nif:comparedWith <{IFACE}/1.0.0> ; "
        "nif:breaking false ; nif:messageAssessment ?m . ?m nif:backwardVerdict "
        "<https://w3id.org/nif/concept/compatibility/compatible> }"
    )


def test_a_breaking_minor_is_refused_and_nothing_is_stored(reg: Registry, tmp_path: Path) -> None:
    reg.submit(write_interface(tmp_path / "a", {"1.0.0": V1}))
    before = reg.read("orders").ntriples()
    bundle = write_interface(tmp_path / "b", {"1.0.0": V1, "1.1.0": (xsd(REQUIRED_NOTE), event())})
    with pytest.raises(IncompatibleVersionError) as refused:
        reg.submit(bundle)
    message = str(refused.value)
    for said in ("orders@1.1.0", "1.0.0", "OrderRequest", "(request)", "backward: incompatible"):
        assert said in message
    assert ":Id>" in message  # the counterexample, an old request the new version refuses
    assert "major version" in message
    comparisons = refused.value.comparisons
    assert all(isinstance(c, Comparison) for c in comparisons)
    request = next(
        m for c in comparisons for m in c.to_json()["messages"] if m["name"] == "OrderRequest"
    )
    assert request["backward"]["verdict"] == "incompatible"
    assert reg.read("orders").ntriples() == before
    assert reg.assessment("orders", "1.1.0") is None
    assert [v.action for v in reg.versions("orders")] == ["submit"]
    audit = reg.audit_log(1)[0]
    assert (audit.outcome, audit.action) == ("refused", "submit")
    assert "OrderRequest" in audit.detail


def test_a_breaking_major_is_stored_and_marked_breaking(reg: Registry, tmp_path: Path) -> None:
    bundle = write_interface(tmp_path, {"1.0.0": V1, "2.0.0": (xsd(REQUIRED_NOTE), event())})
    reg.submit(bundle)
    found = reg.assessment("orders", "2.0.0")
    assert found is not None and found["breaking"] is True
    request = next(m for m in found["messages"] if m["name"] == "OrderRequest")
    assert (request["breaking"], request["backward"]["verdict"]) == (True, "incompatible")
    assert reg.store.ask(
        "PREFIX nif: <https://w3id.org/nif/ns#> ASK { ?a nif:assessedVersion "
        f"<{IFACE}/2.0.0> ; nif:breaking true }}"
    )


NARROWED = event(note={"type": "string"})  # the 1.0.0 event let any note through


@pytest.mark.parametrize(
    ("policy", "request_extra", "reply_extra", "notification", "stored"),
    [
        (None, OPTIONAL_NOTE, "", event(), True),  # a request: backward by default
        (None, "", OPTIONAL_NOTE, event(), False),  # a response: forward by default
        (None, "", "", NARROWED, True),  # a notification: forward by default
        ("by-direction", "", OPTIONAL_NOTE, event(), False),
        ("by-direction-transitive", OPTIONAL_NOTE, "", event(), True),
        ("backward", "", OPTIONAL_NOTE, event(), True),
        ("backward", REQUIRED_NOTE, "", event(), False),
        ("backward", "", "", NARROWED, False),
        ("backward-transitive", OPTIONAL_NOTE, OPTIONAL_NOTE, event(), True),
        ("forward", "", OPTIONAL_NOTE, event(), False),
        ("forward", "", "", NARROWED, True),
        ("forward-transitive", "", "", NARROWED, True),
        ("full", OPTIONAL_NOTE, "", event(), False),
        ("full-transitive", "", "", event(), True),
        ("none", REQUIRED_NOTE, REQUIRED_NOTE, NARROWED, True),
    ],
)
def test_each_policy_decides_a_minor(
    reg: Registry,
    tmp_path: Path,
    policy: str | None,
    request_extra: str,
    reply_extra: str,
    notification: str,
    stored: bool,
) -> None:
    versions = {"1.0.0": V1, "1.1.0": (xsd(request_extra, reply_extra), notification)}
    bundle = write_interface(tmp_path, versions, policy=policy)
    if stored:
        reg.submit(bundle)
        found = reg.assessment("orders", "1.1.0")
        assert found is not None and found["breaking"] is False
        assert found["policy"] == (policy or "by-direction")
    else:
        with pytest.raises(IncompatibleVersionError):
            reg.submit(bundle)
        with pytest.raises(NotFoundError):
            reg.read("orders")


def test_transitive_policies_compare_with_every_earlier_version(
    reg: Registry, tmp_path: Path
) -> None:
    """2.0.0 broke 1.0.0 (a major may); 2.1.0 keeps 2.0.0 but not 1.0.0."""
    versions = {
        "1.0.0": V1,
        "2.0.0": (xsd(REQUIRED_NOTE), event()),
        "2.1.0": (xsd(REQUIRED_NOTE + OPTIONAL_NOTE.replace("Note", "Memo")), event()),
    }
    with pytest.raises(IncompatibleVersionError) as refused:
        reg.submit(write_interface(tmp_path / "t", versions, policy="backward-transitive"))
    assert "against 1.0.0" in str(refused.value)
    reg.submit(write_interface(tmp_path / "plain", versions, policy="backward"))
    found = reg.assessment("orders", "2.1.0")
    assert found is not None and not found["breaking"]
    assert [c["version"] for c in found["compared_with"]] == ["2.0.0"]
    assert "against 2.0.0" not in str(refused.value)


def test_open_content_counts_false_accepts_an_open_content_change(
    reg: Registry, tmp_path: Path
) -> None:
    """The 1.0.0 event is an open object: 1.1.0 constrains a property it let through."""
    versions = {
        "1.0.0": (xsd(), event()),
        "1.1.0": (xsd(), event(note={"type": "string"})),
    }
    with pytest.raises(IncompatibleVersionError, match="OrderEvent"):
        reg.submit(write_interface(tmp_path / "a", versions, policy="full"))
    reg.submit(write_interface(tmp_path / "b", versions, policy="full", open_content_counts=False))
    found = reg.assessment("orders", "1.1.0")
    assert found is not None and found["breaking"] is False
    note = next(m for m in found["messages"] if m["name"] == "OrderEvent")
    assert note["open_content"] is True
    assert note["backward"]["verdict"] == "incompatible"


def test_a_removed_message_type_breaks(reg: Registry, tmp_path: Path) -> None:
    reg.submit(write_interface(tmp_path / "a", {"1.0.0": V1}))
    versions = {"1.0.0": V1, "1.1.0": V1}
    bundle = write_interface(tmp_path / "b", versions, without=("1.1.0", "OrderEvent"))
    with pytest.raises(IncompatibleVersionError, match="removed: message type OrderEvent"):
        reg.submit(bundle)


def test_compare_versions_pairs_the_message_types(reg: Registry, tmp_path: Path) -> None:
    versions = {"1.0.0": V1, "2.0.0": (xsd(REQUIRED_NOTE), event())}
    reg.submit(write_interface(tmp_path, versions))
    comparison = reg.compare_versions("orders", "1.0.0", "2.0.0")
    assert (comparison.old, comparison.new) == ("orders@1.0.0", "orders@2.0.0")
    by_name = {m.name: m for m in comparison.messages}
    assert set(by_name) == {"OrderRequest", "OrderReply", "OrderEvent"}
    assert by_name["OrderRequest"].root == "{urn:test:orders}OrderRequest"
    assert by_name["OrderRequest"].backward.verdict == "incompatible"
    assert by_name["OrderReply"].meets("full")
    assert reg.compare_versions("orders", None, "2.0.0") == comparison
    with pytest.raises(NotFoundError, match="first version"):
        reg.compare_versions("orders", None, "1.0.0")
    with pytest.raises(NotFoundError, match=r"no version 9\.0\.0"):
        reg.compare_versions("orders", "9.0.0", "2.0.0")


def test_withdrawal_removes_the_assessment(reg: Registry, tmp_path: Path) -> None:
    versions = {"1.0.0": V1, "1.1.0": (xsd(OPTIONAL_NOTE), event())}
    reg.submit(write_interface(tmp_path, versions))
    iri = assessment_iri(reg.settings, "orders", "1.1.0")
    assert iri in reg.store.graphs()
    reg.withdraw("orders")
    assert iri not in reg.store.graphs()
    assert reg.assessment("orders", "1.1.0") is None


def test_a_version_dropped_from_the_record_loses_its_assessment(
    reg: Registry, tmp_path: Path
) -> None:
    versions = {"1.0.0": V1, "1.1.0": (xsd(OPTIONAL_NOTE), event())}
    reg.submit(write_interface(tmp_path / "a", versions))
    reg.submit(write_interface(tmp_path / "b", {"1.0.0": V1}))
    assert reg.assessment("orders", "1.1.0") is None


def test_a_resubmission_keeps_an_unchanged_assessment(reg: Registry, tmp_path: Path) -> None:
    versions = {"1.0.0": V1, "1.1.0": (xsd(OPTIONAL_NOTE), event())}
    reg.submit(write_interface(tmp_path / "a", versions))
    first = reg.assessment("orders", "1.1.0")
    reg.submit(write_interface(tmp_path / "b", versions))
    assert reg.assessment("orders", "1.1.0") == first


def test_a_folder_load_refuses_a_breaking_minor(reg: Registry, tmp_path: Path) -> None:
    root = tmp_path / "folder"
    (root / "agencies").mkdir(parents=True)
    (root / "agencies" / "busreg.ttl").write_bytes(AGENCY.read_bytes())
    versions = {"1.0.0": V1, "1.1.0": (xsd(REQUIRED_NOTE), event())}
    write_interface(root / "interfaces", versions)
    result = reg.load_folder(root, workers=1)
    assert result.rejected == ["orders"]
    assert any("orders@1.1.0 is refused" in r.message for r in result.report.violations)
    with pytest.raises(NotFoundError):
        reg.read("orders")


@pytest.mark.parametrize("forge", ["iri", "type"])
def test_a_record_cannot_forge_an_assessment(reg: Registry, tmp_path: Path, forge: str) -> None:
    bundle = write_interface(tmp_path, {"1.0.0": V1})
    record = bundle / "interface.ttl"
    node = (
        f"<{assessment_iri(reg.settings, 'orders', '1.0.0')}>"
        if forge == "iri"
        else f"<{IFACE}/1.0.0/assessment>"
    )
    record.write_text(
        record.read_text("utf-8")
        + f"\n<{IFACE}/1.0.0> dct:relation {node} ."
        + f"\n{node} a nif:CompatibilityAssessment ; nif:breaking false .\n",
        "utf-8",
    )
    with pytest.raises(RejectedError, match="only nif writes"):
        reg.submit(bundle)


@pytest.mark.slow
def test_the_cli_refuses_a_breaking_minor_with_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "NIF_HOME": str(tmp_path / "home"), "NIF_ACTOR": "cli-tester"}
    env.pop("NIF_STORE", None)
    nif = cli_runner(tmp_path, env, 600)
    nif("registry", "submit", str(AGENCY))
    nif("registry", "submit", str(write_interface(tmp_path / "a", {"1.0.0": V1})))
    versions = {"1.0.0": V1, "1.1.0": (xsd(REQUIRED_NOTE), event())}
    refused = nif("registry", "submit", str(write_interface(tmp_path / "b", versions)), ok=2)
    assert "orders@1.1.0 is refused" in refused.stderr
    assert "OrderRequest (request) against 1.0.0" in refused.stderr
    assert "backward: incompatible" in refused.stderr
    history = json.loads(nif("registry", "history", "orders", "--format", "json").stdout)
    assert [v["action"] for v in history] == ["submit"]


@pytest.mark.slow
def test_the_demo_registry_loads_with_its_breaking_majors_marked(settings: Settings) -> None:
    with Registry(EmbeddedStore(settings.folder.store), settings) as registry:
        result = registry.load_folder(ROOT / "registry", check=False, workers=1)
        assert result.rejected == []
        for interface in ("civreg-birth", "tax-income-statement"):
            found = registry.assessment(interface, "2.0.0")
            assert found is not None and found["breaking"] is True, interface
            assert [c["version"] for c in found["compared_with"]] == ["1.0.0"]
        assert registry.assessment("civreg-birth", "1.0.0") is None


def test_each_store_serves_the_assessment_and_drops_it_on_withdrawal(
    make_registry, tmp_path: Path
) -> None:
    """Embedded Oxigraph and Virtuoso: the assessment graph is in the default graph."""
    registry = make_registry()
    registry.submit(AGENCY)
    versions = {"1.0.0": V1, "1.1.0": (xsd(OPTIONAL_NOTE), event())}
    registry.submit(write_interface(tmp_path, versions))
    ask = (
        "PREFIX nif: <https://w3id.org/nif/ns#> ASK { ?a a nif:CompatibilityAssessment ; "
        f"nif:assessedVersion <{IFACE}/1.1.0> ; nif:breaking false }}"
    )
    assert registry.store.ask(ask)
    found = registry.assessment("orders", "1.1.0")
    assert found is not None and len(found["messages"]) == 3
    registry.withdraw("orders")
    assert not registry.store.ask(ask)
    assert registry.assessment("orders", "1.1.0") is None


def test_a_pre_release_counts_as_its_major_minor_patch(reg: Registry, tmp_path: Path) -> None:
    """2.0.0-beta.1 is a new major after 1.0.0; 2.0.0 comes after it, in the same major."""
    broken = (xsd(REQUIRED_NOTE), event())
    reg.submit(write_interface(tmp_path / "a", {"1.0.0": V1, "2.0.0-beta.1": broken}))
    found = reg.assessment("orders", "2.0.0-beta.1")
    assert found is not None and found["breaking"] is True
    versions = {"1.0.0": V1, "2.0.0-beta.1": broken, "2.0.0": V1}
    with pytest.raises(IncompatibleVersionError, match=r"orders@2\.0\.0 is refused"):
        reg.submit(write_interface(tmp_path / "b", versions))


def test_a_comparison_out_of_time_refuses_a_minor(tmp_path: Path) -> None:
    """Fail closed: a comparison cut short by `registry.compatibility_time_limit` is
    `unknown`, which a minor version may not be; the cut-short answer is not cached. (A
    schema pair of its own: a finished comparison of the same pair would come from the
    process-wide cache.)"""
    settings = Settings(home=tmp_path / "home", actor="tester", compatibility_time_limit=1e-9)
    registry = Registry(EmbeddedStore(settings.folder.store), settings)
    try:
        registry.submit(AGENCY)
        registry.submit(write_interface(tmp_path / "a", {"1.0.0": V1}))
        remark = '<xs:element name="TimedRemark" type="xs:string" minOccurs="0"/>'
        bundle = write_interface(tmp_path / "b", {"1.0.0": V1, "1.1.0": (xsd(remark), event())})
        with pytest.raises(IncompatibleVersionError, match="time limit"):
            registry.submit(bundle)
        assert registry.assessment("orders", "1.1.0") is None
    finally:
        registry.close()
    patient = Settings(home=tmp_path / "home2", actor="tester")
    registry = Registry(EmbeddedStore(patient.folder.store), patient)
    try:
        registry.submit(AGENCY)
        registry.submit(write_interface(tmp_path / "c", {"1.0.0": V1}))
        registry.submit(bundle)  # the same pair again: compared afresh, not from the cache
        assert registry.assessment("orders", "1.1.0") is not None
    finally:
        registry.close()


def test_the_shapes_refuse_an_unknown_policy_and_a_non_boolean_flag(
    reg: Registry, tmp_path: Path
) -> None:
    """The policy fields are record input: a policy outside the scheme and a flag that is no
    boolean are violations naming the property; nothing is stored."""
    bad_policy = write_interface(tmp_path / "a", {"1.0.0": V1}, policy="sometimes")
    with pytest.raises(RejectedError, match="compatibilityPolicy"):
        reg.submit(bad_policy)
    bad_flag = write_interface(tmp_path / "b", {"1.0.0": V1}, open_content_counts=True)
    record = bad_flag / "interface.ttl"
    record.write_text(record.read_text("utf-8").replace('"true"^^xsd:boolean', '"maybe"'), "utf-8")
    with pytest.raises(RejectedError, match="openContentCounts"):
        reg.submit(bad_flag)
    with pytest.raises(NotFoundError):
        reg.read("orders")
