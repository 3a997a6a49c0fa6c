"""The NIF application profile (shapes/nif.ttl) and the vocabularies it relies on.

Validation runs as the submission runs it: the data graph is the record, every file of
vocabularies/ and the registry context (the publishing agency, other records' nodes with the same
identifier); focus nodes are the record's IRI subjects; pyshacl with advanced=True (the interface
shape has a SPARQL target) and no inference.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from nif.registry._namespaces import LEVEL, NIF_TECHNIQUE, STATUS, TECHNIQUE, sparql_prefixes

ROOT = Path(__file__).resolve().parents[2]
VOCABULARIES = ROOT / "vocabularies"
SHAPES = ROOT / "shapes" / "nif.ttl"
DATA = Path(__file__).parent / "data" / "shapes"
AGENCY_TTL = DATA / "agency.ttl"
INTERFACE_TTL = DATA / "interface.ttl"

BASE = "https://registry.nif.example/"
INTERFACE = URIRef(BASE + "interface/civreg-birth")


@dataclasses.dataclass(frozen=True)
class Result:
    severity: str
    focus: str
    message: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    conforms: bool
    results: list[Result]

    def messages(self, severity: str = "Violation") -> list[str]:
        return [r.message for r in self.results if r.severity == severity]


def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def vocabularies() -> Graph:
    graph = Graph()
    for path in sorted(VOCABULARIES.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return vocabularies()


@pytest.fixture(scope="module")
def nif_shapes() -> Graph:
    return parse(SHAPES)


@pytest.fixture(scope="module")
def dcat_ap_shapes(external: Path) -> Graph:
    shacl = external / "dcat-ap-3.0.1" / "shacl"
    return parse(shacl / "shapes.ttl").parse(shacl / "range.ttl", format="turtle")


@pytest.fixture
def agency() -> Graph:
    return parse(AGENCY_TTL)


@pytest.fixture
def interface() -> Graph:
    return parse(INTERFACE_TTL)


def validate(
    record: Graph, shapes: Graph, vocabulary: Graph, context: Graph | None = None
) -> Outcome:
    """The submission's check: record + vocabularies + context, focus on the record's IRIs."""
    data = Graph()
    data += vocabulary
    data += record
    if context is not None:
        data += context
    focus = sorted({s for s in record.subjects() if isinstance(s, URIRef)})
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        focus_nodes=focus,
    )
    assert isinstance(report, Graph), report  # a ValidationFailure: the shapes themselves are wrong
    results = [
        Result(
            severity=str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            focus=str(report.value(r, SH.focusNode)),
            message=" | ".join(sorted(str(m) for m in report.objects(r, SH.resultMessage))),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    return Outcome(bool(conforms), results)


def update(graph: Graph, sparql: str) -> Graph:
    graph.update(sparql_prefixes() + f"BASE <{BASE}interface/>\n" + textwrap.dedent(sparql))
    return graph


# -- the good records -----------------------------------------------------------------------------


def test_good_agency_conforms(agency: Graph, nif_shapes: Graph, vocabulary: Graph) -> None:
    outcome = validate(agency, nif_shapes, vocabulary)
    assert outcome.results == []
    assert outcome.conforms


def test_good_interface_conforms(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    outcome = validate(interface, nif_shapes, vocabulary, context=agency)
    assert outcome.results == []
    assert outcome.conforms


def test_good_records_conform_to_dcat_ap(
    interface: Graph, agency: Graph, dcat_ap_shapes: Graph, vocabulary: Graph
) -> None:
    assert validate(interface, dcat_ap_shapes, vocabulary, context=agency).results == []
    assert validate(agency, dcat_ap_shapes, vocabulary).results == []
    # Harvesters see everything at once, blank nodes (checksums) and concept schemes included.
    whole = interface + agency
    conforms, _, text = pyshacl.validate(
        whole + vocabulary, shacl_graph=dcat_ap_shapes, inference="none"
    )
    assert conforms, text


@pytest.mark.slow
def test_validation_with_merged_vocabularies_finishes() -> None:
    """Vocabularies go into the data graph (pyshacl's ont_graph can hang on SKOS): whole graph,
    no focus nodes, as `nif registry check` may run it. A separate process, so a hang fails the
    test instead of the run."""
    script = textwrap.dedent(
        """
        import pyshacl
        from tests.registry.test_shapes import AGENCY_TTL, INTERFACE_TTL, SHAPES, parse, vocabularies
        data = vocabularies() + parse(AGENCY_TTL) + parse(INTERFACE_TTL)
        conforms, _, text = pyshacl.validate(
            data, shacl_graph=parse(SHAPES), inference="none", advanced=True, allow_warnings=True
        )
        assert conforms, text
        print("finished")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "finished"


def test_prerelease_and_build_versions_are_semantic_versions(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    update(
        interface,
        """
        DELETE { <civreg-birth/1.0.0> dcat:version ?v } INSERT { <civreg-birth/1.0.0> dcat:version "1.0.0-rc.1+build.5" }
        WHERE { <civreg-birth/1.0.0> dcat:version ?v }
        """,
    )
    assert validate(interface, nif_shapes, vocabulary, context=agency).results == []


def test_an_end_of_life_and_a_successor_conform(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    update(
        interface,
        """
        INSERT DATA { <civreg-birth/1.0.0> dct:isReplacedBy <civreg-birth/2.0.0> ;
            dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "2025-12-31"^^xsd:date ] }
        """,
    )
    assert validate(interface, nif_shapes, vocabulary, context=agency).results == []


def test_uppercase_hex_digest_is_normalised_by_rdflib(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    """xsd:hexBinary is case-insensitive; rdflib keeps its canonical lower-case form."""
    update(
        interface,
        """
        DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue ?upper }
        WHERE { <civreg-birth/2.0.0/artefact/birth.sch> spdx:checksum ?c . ?c spdx:checksumValue ?v
                BIND (STRDT(UCASE(STR(?v)), xsd:hexBinary) AS ?upper) }
        """,
    )
    assert validate(interface, nif_shapes, vocabulary, context=agency).results == []


# -- broken interface records ---------------------------------------------------------------------

# (id, SPARQL update of the good interface record, a fragment of the expected violation message)
BROKEN_INTERFACES = [
    (
        "missing publisher",
        "DELETE WHERE { <civreg-birth> dct:publisher ?p }",
        "dct:publisher is missing",
    ),
    (
        "two publishers",
        "INSERT DATA { <civreg-birth> dct:publisher <https://registry.nif.example/agency/other> }",
        "dct:publisher is given more than once",
    ),
    (
        "version published by another agency",
        "DELETE WHERE { <civreg-birth/2.0.0> dct:publisher ?p } ;"
        " INSERT DATA { <civreg-birth/2.0.0> dct:publisher <https://registry.nif.example/agency/x> }",
        "differs from the interface's publisher https://registry.nif.example/agency/civreg",
    ),
    (
        "missing identifier",
        "DELETE WHERE { <civreg-birth> dct:identifier ?i }",
        "dct:identifier must be given exactly once",
    ),
    (
        "identifier with capitals",
        'DELETE WHERE { <civreg-birth> dct:identifier ?i } ; INSERT DATA { <civreg-birth> dct:identifier "CivReg" }',
        "dct:identifier must be a plain string of lower-case letters",
    ),
    (
        "missing title",
        "DELETE WHERE { <civreg-birth> dct:title ?t }",
        "dct:title is missing",
    ),
    (
        "http endpoint",
        "DELETE WHERE { <civreg-birth> dcat:endpointURL ?u } ;"
        " INSERT DATA { <civreg-birth> dcat:endpointURL <http://api.civreg.example.gov/birth> }",
        "dcat:endpointURL must be an https:// IRI",
    ),
    (
        "http endpoint of a version",
        "DELETE WHERE { <civreg-birth/2.0.0> dcat:endpointURL ?u } ;"
        " INSERT DATA { <civreg-birth/2.0.0> dcat:endpointURL <http://api.civreg.example.gov/birth/v2> }",
        "dcat:endpointURL must be an https:// IRI",
    ),
    (
        "endpoint as a string",
        "DELETE WHERE { <civreg-birth> dcat:endpointURL ?u } ;"
        ' INSERT DATA { <civreg-birth> dcat:endpointURL "https://api.civreg.example.gov/birth" }',
        "dcat:endpointURL must be an https:// IRI",
    ),
    (
        "version without endpoint",
        "DELETE WHERE { <civreg-birth/1.0.0> dcat:endpointURL ?u }",
        "dcat:endpointURL is missing",
    ),
    (
        "no versions",
        "DELETE WHERE { <civreg-birth> dcat:hasVersion ?v }",
        "dcat:hasVersion is missing",
    ),
    (
        "current version not among versions",
        "DELETE WHERE { <civreg-birth> dcat:hasCurrentVersion ?v } ;"
        " INSERT DATA { <civreg-birth> dcat:hasCurrentVersion <civreg-birth/3.0.0> }",
        "dcat:hasCurrentVersion https://registry.nif.example/interface/civreg-birth/3.0.0 is not one"
        " of this interface's dcat:hasVersion values",
    ),
    (
        "two current versions",
        "INSERT DATA { <civreg-birth> dcat:hasCurrentVersion <civreg-birth/1.0.0> }",
        "dcat:hasCurrentVersion must be given exactly once",
    ),
    (
        "version as a blank node",
        "INSERT DATA { <civreg-birth> dcat:hasVersion [ a dcat:DataService, nif:InterfaceVersion ] }",
        "Each dcat:hasVersion must be an IRI",
    ),
    (
        "version not typed",
        "INSERT DATA { <civreg-birth> dcat:hasVersion <civreg-birth/9.9.9> }",
        "Each dcat:hasVersion must be an IRI described in the same record",
    ),
    (
        "no transport",
        "DELETE WHERE { <civreg-birth> nif:transport ?t }",
        "nif:transport is missing",
    ),
    (
        "transport outside the scheme",
        "INSERT DATA { <civreg-birth> nif:transport <https://w3id.org/nif/concept/direction/request> }",
        "nif:transport must be a concept of the transport scheme",
    ),
    (
        "version string 1.0",
        'DELETE WHERE { <civreg-birth/2.0.0> dcat:version ?v } ; INSERT DATA { <civreg-birth/2.0.0> dcat:version "1.0" }',
        "dcat:version must be a semantic version such as 1.4.0",
    ),
    (
        "version string v2",
        'DELETE WHERE { <civreg-birth/2.0.0> dcat:version ?v } ; INSERT DATA { <civreg-birth/2.0.0> dcat:version "v2" }',
        "dcat:version must be a semantic version such as 1.4.0",
    ),
    (
        "version string with a leading zero",
        'DELETE WHERE { <civreg-birth/2.0.0> dcat:version ?v } ; INSERT DATA { <civreg-birth/2.0.0> dcat:version "2.01.0" }',
        "dcat:version must be a semantic version such as 1.4.0",
    ),
    (
        "two versions with one version number",
        'DELETE WHERE { <civreg-birth/1.0.0> dcat:version ?v } ; INSERT DATA { <civreg-birth/1.0.0> dcat:version "2.0.0" }',
        'both have dcat:version "2.0.0"',
    ),
    (
        "version without status",
        "DELETE WHERE { <civreg-birth/1.0.0> adms:status ?s }",
        "adms:status must be given exactly once",
    ),
    (
        "status outside ADMS",
        "DELETE WHERE { <civreg-birth/1.0.0> adms:status ?s } ;"
        " INSERT DATA { <civreg-birth/1.0.0> adms:status <https://example.org/status/Retired> }",
        "adms:status must be an ADMS status",
    ),
    (
        "interoperability level outside ADMS",
        "INSERT DATA { <civreg-birth/1.0.0> adms:interoperabilityLevel <http://purl.org/adms/status/Completed> }",
        "adms:interoperabilityLevel must be an ADMS level",
    ),
    (
        "version listed by no interface",
        "DELETE WHERE { <civreg-birth> dcat:hasVersion <civreg-birth/1.0.0> }",
        "This interface version is not listed by any interface",
    ),
    (
        "previous version of another interface",
        "DELETE WHERE { <civreg-birth/2.0.0> dcat:previousVersion ?p } ;"
        " INSERT DATA { <civreg-birth/2.0.0> dcat:previousVersion <other/1.0.0> }",
        "dcat:previousVersion https://registry.nif.example/interface/other/1.0.0 is not a version of"
        " the same interface",
    ),
    (
        "Completed version without message type",
        "DELETE WHERE { <civreg-birth/1.0.0> adms:status ?s ; nif:messageType ?m } ;"
        " INSERT DATA { <civreg-birth/1.0.0> adms:status <http://purl.org/adms/status/Completed> }",
        "A Completed version must declare at least one nif:messageType",
    ),
    (
        "Completed version with an unpinned schema",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c ?p ?o }",
        'Message type "BirthNotification" of this Completed version has no nif:schema artefact'
        " pinned with a sha256 spdx:checksum",
    ),
    (
        "Completed version with a message type without schema",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:schema ?s }",
        'Message type "BirthRegistration" of this Completed version has no nif:schema artefact',
    ),
    (
        "message type ids not unique in a version",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> dct:identifier ?i } ;"
        ' INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> dct:identifier "BirthNotification" }',
        'both have dct:identifier "BirthNotification": message type identifiers must be unique',
    ),
    (
        "message type as a blank node",
        "INSERT DATA { <civreg-birth/2.0.0> nif:messageType [ a nif:MessageType ] }",
        "Each nif:messageType must be an IRI",
    ),
    (
        "message type listed by no version",
        "DELETE WHERE { <civreg-birth/2.0.0> nif:messageType <civreg-birth/2.0.0/BirthRegistration> }",
        "This message type is not listed by any interface version",
    ),
    (
        "message type identifier with spaces",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> dct:identifier ?i } ;"
        ' INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> dct:identifier "Birth registration" }',
        "dct:identifier must be a plain string of letters, digits, dots, underscores and hyphens",
    ),
    (
        "message type without direction",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:direction ?d }",
        "nif:direction must be given exactly once",
    ),
    (
        "direction outside the scheme",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:direction ?d } ;"
        " INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> nif:direction <https://w3id.org/nif/concept/transport/rest> }",
        "nif:direction must be a concept of the direction scheme",
    ),
    (
        "message type in another media type",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> dcat:mediaType ?m } ;"
        " INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> }",
        "dcat:mediaType of a message type must be",
    ),
    (
        "XML message type without root name",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:rootName ?n }",
        "An XML message type needs nif:rootName and nif:rootNamespace",
    ),
    (
        "XML message type without root namespace",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:rootNamespace ?n }",
        "An XML message type needs nif:rootName and nif:rootNamespace",
    ),
    (
        "root name with a prefix",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:rootName ?n } ;"
        ' INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:rootName "b:BirthNotification" }',
        "nif:rootName must be one XML local name",
    ),
    (
        "JSON message type with a root name",
        'INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> nif:rootName "BirthRegistration" }',
        "https://w3id.org/nif/ns#rootName applies only to XML message types",
    ),
    (
        "JSON message type with Schematron rules",
        "INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> nif:rules <civreg-birth/2.0.0/artefact/birth.sch> }",
        "https://w3id.org/nif/ns#rules applies only to XML message types",
    ),
    (
        "two schemas",
        "INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:schema <civreg-birth/1.0.0/artefact/birth.xsd> }",
        "nif:schema is given more than once",
    ),
    (
        "KoSIT scenario on an XML Schema message type",
        'INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> nif:kositScenario "CII" }',
        "nif:kositScenario is set but the nif:schema is not a KoSIT configuration",
    ),
    (
        "KoSIT configuration without a scenario",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> adms:representationTechnique ?t } ;"
        " INSERT DATA { <civreg-birth/2.0.0/artefact/birth.xsd> adms:representationTechnique"
        " <https://w3id.org/nif/concept/representation-technique/KoSITConfiguration> }",
        "needs nif:kositScenario, the name of its scenario",
    ),
    (
        "XML message type with a JSON Schema",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:schema ?s } ;"
        " INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:schema <civreg-birth/2.0.0/artefact/registration.json> }",
        "The nif:schema of an XML message type must be an XML Schema",
    ),
    (
        "JSON message type with an XML Schema",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:schema ?s } ;"
        " INSERT DATA { <civreg-birth/2.0.0/BirthRegistration> nif:schema <civreg-birth/2.0.0/artefact/birth.xsd> }",
        "The nif:schema of a JSON message type must be a JSON Schema (adms:representationTechnique"
        " <https://w3id.org/nif/concept/representation-technique/JSONSchema>);"
        " https://registry.nif.example/interface/civreg-birth/2.0.0/artefact/birth.xsd is not.",
    ),
    (
        "rules that are not Schematron",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:rules ?r } ;"
        " INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:rules <civreg-birth/2.0.0/artefact/birth.xsd> }",
        "nif:rules must be Schematron",
    ),
    (
        "phase without rules",
        "DELETE WHERE { <civreg-birth/2.0.0/BirthNotification> nif:rules ?r }",
        "nif:schematronPhase is set but there are no nif:rules",
    ),
    (
        "discriminator without value",
        "DELETE { ?d nif:value ?v } WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:discriminator ?d . ?d nif:value ?v }",
        "Each nif:discriminator needs exactly one nif:value:",
    ),
    (
        "discriminator with two paths",
        'INSERT { ?d nif:path "/type" } WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:discriminator ?d }',
        "Each nif:discriminator needs exactly one nif:path:",
    ),
    (
        "JSON discriminator path that is not a JSON Pointer",
        'DELETE { ?d nif:path ?p } INSERT { ?d nif:path "messageType" }'
        " WHERE { <civreg-birth/2.0.0/BirthRegistration> nif:discriminator ?d . ?d nif:path ?p }",
        'The discriminator path "messageType" of this JSON message type is not a JSON Pointer',
    ),
    (
        "prefix declaration without namespace",
        "DELETE { ?decl sh:namespace ?n } WHERE { <civreg-birth/2.0.0/BirthNotification> nif:discriminator ?d ."
        " ?d sh:declare ?decl . ?decl sh:namespace ?n }",
        "Each sh:declare of a nif:discriminator needs exactly one sh:prefix and one sh:namespace",
    ),
    (
        "artefact without download URL",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> dcat:downloadURL ?u }",
        "dcat:downloadURL must be given exactly once",
    ),
    (
        "artefact on a file: URL",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> dcat:downloadURL ?u } ;"
        " INSERT DATA { <civreg-birth/2.0.0/artefact/birth.sch> dcat:downloadURL <file:///etc/passwd> }",
        "dcat:downloadURL must be an https URL",
    ),
    (
        "artefact without access URL",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> dcat:accessURL ?u }",
        "dcat:accessURL is missing",
    ),
    (
        "artefact not described",
        "INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:rules <civreg-birth/2.0.0/artefact/missing.sch> }",
        "The nif:rules artefact must be described in the record",
    ),
    (
        "artefact without representation technique",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> adms:representationTechnique ?t }",
        "adms:representationTechnique must be given exactly once",
    ),
    (
        "artefact in an unsupported technique",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> adms:representationTechnique ?t } ;"
        " INSERT DATA { <civreg-birth/2.0.0/artefact/birth.sch> adms:representationTechnique <http://purl.org/adms/representationtechnique/RelaxNG> }",
        "adms:representationTechnique must be <http://purl.org/adms/representationtechnique/XMLSchema>",
    ),
    (
        "artefact media type unknown to the registry",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> dcat:mediaType ?m } ;"
        " INSERT DATA { <civreg-birth/2.0.0/artefact/birth.sch> dcat:mediaType <https://www.iana.org/assignments/media-types/text/plain> }",
        "dcat:mediaType must be one IANA media type known to the registry",
    ),
    (
        "checksum of the wrong length",
        'DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue "4813fd32"^^xsd:hexBinary }'
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c spdx:checksumValue ?v }",
        "spdx:checksumValue must be a sha256 digest: exactly 64 hexadecimal digits",
    ),
    (
        "checksum that is not hexadecimal",
        "DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue ?bad }"
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c spdx:checksumValue ?v"
        " BIND (STRDT(CONCAT(SUBSTR(STR(?v), 2), 'z'), xsd:hexBinary) AS ?bad) }",
        "spdx:checksumValue must be typed xsd:hexBinary (DCAT-AP)",
    ),
    (
        "checksum as a plain string",
        "DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue ?plain }"
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c spdx:checksumValue ?v"
        " BIND (STR(?v) AS ?plain) }",
        "spdx:checksumValue must be typed xsd:hexBinary (DCAT-AP)",
    ),
    (
        "checksum by sha1",
        "DELETE { ?c spdx:algorithm ?a } INSERT { ?c spdx:algorithm spdx:checksumAlgorithm_sha1 }"
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c spdx:algorithm ?a }",
        "spdx:algorithm must be spdx:checksumAlgorithm_sha256: nif pins artefacts by sha256 only",
    ),
    (
        "checksum not typed",
        "DELETE { ?c a spdx:Checksum } WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c }",
        "spdx:checksum must be a node typed spdx:Checksum",
    ),
    (
        "checksum without value",
        "DELETE { ?c spdx:checksumValue ?v } WHERE { <civreg-birth/2.0.0/artefact/birth.sch> spdx:checksum ?c . ?c spdx:checksumValue ?v }",
        "Each spdx:checksum (of the artefact or of a nif:part) needs exactly one spdx:algorithm and exactly one spdx:checksumValue",
    ),
    (
        "part checksum with two algorithms",
        "INSERT { ?c spdx:algorithm spdx:checksumAlgorithm_sha1 } WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part/spdx:checksum ?c }",
        "Each spdx:checksum (of the artefact or of a nif:part) needs exactly one spdx:algorithm",
    ),
    (
        "part not typed",
        "DELETE { ?p a nif:ArtefactPart } WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part ?p }",
        "Each nif:part must be typed nif:ArtefactPart",
    ),
    (
        "part on a relative URL",
        "DELETE { ?p dcat:downloadURL ?u } INSERT { ?p dcat:downloadURL <urn:x:common.xsd> }"
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part ?p . ?p dcat:downloadURL ?u }",
        "The dcat:downloadURL of a nif:part must be an absolute http(s) IRI",
    ),
    (
        "two checksums",
        "INSERT { <civreg-birth/2.0.0/artefact/birth.xsd> spdx:checksum ?c }"
        " WHERE { <civreg-birth/2.0.0/artefact/birth.sch> spdx:checksum ?c }",
        "spdx:checksum is given more than once",
    ),
    (
        "part with a bad checksum",
        'DELETE { ?c spdx:checksumValue ?v } INSERT { ?c spdx:checksumValue "00ff"^^xsd:hexBinary }'
        " WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part/spdx:checksum ?c . ?c spdx:checksumValue ?v }",
        "The spdx:checksumValue of a nif:part must be a sha256 digest",
    ),
    (
        "part without checksum",
        "DELETE { ?p spdx:checksum ?c } WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part ?p . ?p spdx:checksum ?c }",
        "nif:part https://registry.nif.example/files/civreg-birth/schemas/2.0.0/common.xsd needs exactly one spdx:checksum",
    ),
    (
        "part without download URL",
        "DELETE { ?p dcat:downloadURL ?u } WHERE { <civreg-birth/2.0.0/artefact/birth.xsd> nif:part ?p . ?p dcat:downloadURL ?u }",
        "Each nif:part needs exactly one dcat:downloadURL",
    ),
    (
        "end date that is not a date",
        'INSERT DATA { <civreg-birth/1.0.0> dct:temporal [ a dct:PeriodOfTime ; dcat:endDate "end of 2025" ] }',
        "The end of life must give dcat:endDate once, as a date",
    ),
    (
        "end date that is no day",
        'INSERT DATA { <civreg-birth/1.0.0> dct:temporal [ dcat:endDate "2025-13-45"^^xsd:date ] }',
        "The end of life must give dcat:endDate once, as a date",
    ),
    (
        "two ends of life",
        'INSERT DATA { <civreg-birth/1.0.0> dct:temporal [ dcat:endDate "2025-12-31"^^xsd:date ],'
        ' [ dcat:endDate "2026-06-30"^^xsd:date ] }',
        "dct:temporal of a version is its end of life, given at most once",
    ),
    (
        "end of life without an end date",
        "INSERT DATA { <civreg-birth/1.0.0> dct:temporal [ a dct:PeriodOfTime ] }",
        "The end of life (dct:temporal) gives no dcat:endDate",
    ),
    (
        "successor of another interface",
        "INSERT DATA { <civreg-birth/1.0.0> dct:isReplacedBy <civreg-address/1.0.0> }",
        "is not another version of the same interface",
    ),
    (
        "replaced by itself",
        "INSERT DATA { <civreg-birth/1.0.0> dct:isReplacedBy <civreg-birth/1.0.0> }",
        "is not another version of the same interface",
    ),
    (
        "successor as text",
        'INSERT DATA { <civreg-birth/1.0.0> dct:isReplacedBy "2.0.0" }',
        "dct:isReplacedBy must be at most one IRI",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=name) for name, change, expected in BROKEN_INTERFACES],
)
def test_broken_interface_is_rejected_with_its_message(
    change: str,
    expected: str,
    interface: Graph,
    agency: Graph,
    nif_shapes: Graph,
    vocabulary: Graph,
) -> None:
    outcome = validate(update(interface, change), nif_shapes, vocabulary, context=agency)
    assert not outcome.conforms
    assert any(expected in message for message in outcome.messages()), outcome.results


def test_unknown_agency(interface: Graph, nif_shapes: Graph, vocabulary: Graph) -> None:
    """Without the publisher in the context (the store has no such agency)."""
    outcome = validate(interface, nif_shapes, vocabulary)
    assert not outcome.conforms
    assert [r.focus for r in outcome.results] == [str(INTERFACE)]
    assert outcome.messages() == [
        "dct:publisher must be an agency registered in the registry; submit the agency first"
        " (or correct the agency IRI)."
    ]


# -- identifiers unique in the registry -----------------------------------------------------------

OTHER_INTERFACE = """
    <https://registry.nif.example/interface/other> a <http://www.w3.org/ns/dcat#DataService> ;
        <http://purl.org/dc/terms/identifier> "{identifier}" .
"""
OTHER_AGENCY = """
    <https://registry.nif.example/agency/other> a <http://data.europa.eu/m8g/PublicOrganisation> ;
        <http://purl.org/dc/terms/identifier> "{identifier}" .
"""
OTHER_VERSION = """
    <https://registry.nif.example/interface/other/1.0.0> a <http://www.w3.org/ns/dcat#DataService>,
        <https://w3id.org/nif/ns#InterfaceVersion> ;
        <http://purl.org/dc/terms/identifier> "{identifier}" .
"""


def context_with(agency: Graph, template: str, identifier: str) -> Graph:
    """The agency plus what the submission merges from other records with the same identifier."""
    return agency + Graph().parse(data=template.format(identifier=identifier), format="turtle")


def test_duplicate_interface_identifier(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    context = context_with(agency, OTHER_INTERFACE, "civreg-birth")
    outcome = validate(interface, nif_shapes, vocabulary, context=context)
    assert not outcome.conforms
    assert outcome.messages() == [
        'dct:identifier "civreg-birth" is already used by https://registry.nif.example/interface/other;'
        " choose another identifier (agencies and interfaces share one identifier space)."
    ]
    assert [r.focus for r in outcome.results] == [str(INTERFACE)]


def test_duplicate_agency_identifier(agency: Graph, nif_shapes: Graph, vocabulary: Graph) -> None:
    outcome = validate(
        agency, nif_shapes, vocabulary, context=context_with(Graph(), OTHER_AGENCY, "civreg")
    )
    assert outcome.messages() == [
        'dct:identifier "civreg" is already used by https://registry.nif.example/agency/other;'
        " choose another identifier (agencies and interfaces share one identifier space)."
    ]


def test_interface_may_not_take_an_agency_identifier(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    context = context_with(agency, OTHER_AGENCY, "civreg-birth")
    messages = validate(interface, nif_shapes, vocabulary, context=context).messages()
    assert messages == [
        'dct:identifier "civreg-birth" is already used by https://registry.nif.example/agency/other;'
        " choose another identifier (agencies and interfaces share one identifier space)."
    ]


@pytest.mark.slow
def test_versions_and_resubmissions_do_not_clash(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    """A version with that identifier is not an interface; the stored copy of the same record is
    the same node."""
    context = context_with(agency, OTHER_VERSION, "civreg-birth")
    context.add((INTERFACE, RDF.type, URIRef("http://www.w3.org/ns/dcat#DataService")))
    context.add((INTERFACE, DCTERMS.identifier, Literal("civreg-birth")))
    assert validate(interface, nif_shapes, vocabulary, context=context).results == []


# -- broken agencies ------------------------------------------------------------------------------

BROKEN_AGENCIES = [
    (
        "not typed org:Organization",
        "DELETE DATA { <https://registry.nif.example/agency/civreg> a org:Organization }",
        "An agency must also be typed org:Organization",
    ),
    (
        "missing identifier",
        "DELETE WHERE { <https://registry.nif.example/agency/civreg> dct:identifier ?i }",
        "dct:identifier must be given exactly once",
    ),
    (
        "identifier with an underscore",
        "DELETE WHERE { <https://registry.nif.example/agency/civreg> dct:identifier ?i } ;"
        ' INSERT DATA { <https://registry.nif.example/agency/civreg> dct:identifier "civ_reg" }',
        "dct:identifier must be a plain string of lower-case letters",
    ),
    (
        "missing name",
        "DELETE WHERE { <https://registry.nif.example/agency/civreg> skos:prefLabel ?n }",
        "skos:prefLabel is missing",
    ),
    (
        "missing foaf:name",
        "DELETE WHERE { <https://registry.nif.example/agency/civreg> foaf:name ?n }",
        "foaf:name is missing",
    ),
    (
        "contact point that is not a vCard",
        "DELETE { ?c a vcard:Organization } WHERE { <https://registry.nif.example/agency/civreg> dcat:contactPoint ?c }",
        "A dcat:contactPoint must be a vCard",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=name) for name, change, expected in BROKEN_AGENCIES],
)
def test_broken_agency_is_rejected_with_its_message(
    change: str, expected: str, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    outcome = validate(update(agency, change), nif_shapes, vocabulary)
    assert not outcome.conforms
    assert any(expected in message for message in outcome.messages()), outcome.results


# -- what should hold: warnings, the record still conforms ----------------------------------------

# (id, record fixture, SPARQL update, a fragment of the expected warning)
WARNINGS = [
    (
        "agency without contact point",
        "agency",
        "DELETE WHERE { <https://registry.nif.example/agency/civreg> dcat:contactPoint ?c . ?c ?p ?o }",
        "dcat:contactPoint should tell integrators whom to ask",
    ),
    (
        "contact point without address",
        "agency",
        "DELETE { ?c vcard:hasEmail ?e } WHERE { <https://registry.nif.example/agency/civreg> dcat:contactPoint ?c . ?c vcard:hasEmail ?e }",
        "A dcat:contactPoint should give an address to write to",
    ),
    (
        "agency not typed foaf:Agent",
        "agency",
        "DELETE DATA { <https://registry.nif.example/agency/civreg> a foaf:Agent }",
        "An agency should also be typed foaf:Agent",
    ),
    (
        "interface without description",
        "interface",
        "DELETE WHERE { <civreg-birth> dct:description ?d }",
        "dct:description should say what the interface is for",
    ),
    (
        "version without notes",
        "interface",
        "DELETE WHERE { <civreg-birth/1.0.0> adms:versionNotes ?n }",
        "adms:versionNotes should tell integrators what changed",
    ),
    (
        "unpinned artefact of a Deprecated version",
        "interface",
        "DELETE WHERE { <civreg-birth/1.0.0/artefact/birth.xsd> spdx:checksum ?c . ?c ?p ?o }",
        "The artefact is not pinned (no spdx:checksum)",
    ),
    (
        "artefact over plain http",
        "interface",
        "DELETE WHERE { <civreg-birth/2.0.0/artefact/birth.sch> dcat:downloadURL ?u } ;"
        " INSERT DATA { <civreg-birth/2.0.0/artefact/birth.sch> dcat:downloadURL <http://civreg.example.gov/birth.sch> }",
        "dcat:downloadURL uses plain http",
    ),
    (
        "message type without schema in a version under development",
        "interface",
        "DELETE WHERE { <civreg-birth/1.0.0/BirthNotification> nif:schema ?s }",
        "nif:schema is missing: messages of this type cannot be validated",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("record", "change", "expected"),
    [
        pytest.param(record, change, expected, id=name)
        for name, record, change, expected in WARNINGS
    ],
)
def test_what_should_hold_is_a_warning(
    record: str,
    change: str,
    expected: str,
    request: pytest.FixtureRequest,
    agency: Graph,
    nif_shapes: Graph,
    vocabulary: Graph,
) -> None:
    graph = update(request.getfixturevalue(record), change)
    context = agency if record == "interface" else None
    outcome = validate(graph, nif_shapes, vocabulary, context=context)
    assert outcome.conforms
    assert outcome.messages() == []
    assert any(expected in message for message in outcome.messages("Warning")), outcome.results


# -- example messages ----------------------------------------------------------------------------

EXAMPLE = "<civreg-birth/2.0.0/BirthNotification/example/valid-newborn.xml>"
ADD_EXAMPLE = f"""
INSERT DATA {{
    <civreg-birth/2.0.0/BirthNotification> nif:example {EXAMPLE} .
    {EXAMPLE} a dcat:Distribution ;
        dct:title "valid-newborn.xml" ;
        dcat:downloadURL <https://registry.nif.example/files/civreg-birth/examples/valid-newborn.xml> ;
        dcat:accessURL <https://registry.nif.example/files/civreg-birth/examples/valid-newborn.xml> ;
        dcat:mediaType <https://www.iana.org/assignments/media-types/application/xml> ;
        nif:expectedVerdict "valid" ;
        spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;
            spdx:checksumValue "{"ab" * 32}"^^xsd:hexBinary ] .
}}
"""


def test_a_pinned_example_conforms_also_to_dcat_ap(
    interface: Graph, agency: Graph, nif_shapes: Graph, dcat_ap_shapes: Graph, vocabulary: Graph
) -> None:
    update(interface, ADD_EXAMPLE)
    assert validate(interface, nif_shapes, vocabulary, context=agency).results == []
    assert validate(interface, dcat_ap_shapes, vocabulary, context=agency).results == []


BROKEN_EXAMPLES = [
    (
        "no verdict",
        f"DELETE WHERE {{ {EXAMPLE} nif:expectedVerdict ?v }}",
        "nif:expectedVerdict must be given exactly once",
    ),
    (
        "unknown verdict",
        f'DELETE {{ {EXAMPLE} nif:expectedVerdict ?v }} INSERT {{ {EXAMPLE} nif:expectedVerdict "ok" }} '
        f"WHERE {{ {EXAMPLE} nif:expectedVerdict ?v }}",
        'nif:expectedVerdict must be given exactly once, "valid" or "invalid"',
    ),
    (
        "no title",
        f"DELETE WHERE {{ {EXAMPLE} dct:title ?t }}",
        "dct:title must be given exactly once: the example's file name",
    ),
    (
        "two download URLs",
        f"INSERT DATA {{ {EXAMPLE} dcat:downloadURL <https://elsewhere.example/x.xml> }}",
        "dcat:downloadURL must be given exactly once",
    ),
    (
        "file URL",
        f"DELETE {{ {EXAMPLE} dcat:downloadURL ?u }} INSERT {{ {EXAMPLE} dcat:downloadURL <file:///etc/passwd> }} "
        f"WHERE {{ {EXAMPLE} dcat:downloadURL ?u }}",
        "dcat:downloadURL of an example must be an https URL",
    ),
    (
        "media type of another message type",
        f"DELETE {{ {EXAMPLE} dcat:mediaType ?m }} "
        f"INSERT {{ {EXAMPLE} dcat:mediaType <https://www.iana.org/assignments/media-types/application/json> }} "
        f"WHERE {{ {EXAMPLE} dcat:mediaType ?m }}",
        "differs from its message type's",
    ),
    (
        "not a distribution",
        f"DELETE WHERE {{ {EXAMPLE} a dcat:Distribution }}",
        "The nif:example must be described in the record as `a dcat:Distribution`",
    ),
    (
        "blank node",
        "INSERT DATA { <civreg-birth/2.0.0/BirthNotification> nif:example [ a dcat:Distribution ] }",
        "nif:example must be an IRI described in the same record",
    ),
    (
        "checksum not sha256",
        f'DELETE {{ ?c spdx:checksumValue ?v }} INSERT {{ ?c spdx:checksumValue "abc"^^xsd:hexBinary }} '
        f"WHERE {{ {EXAMPLE} spdx:checksum ?c . ?c spdx:checksumValue ?v }}",
        "spdx:checksumValue must be a sha256 digest",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(change, expected, id=name) for name, change, expected in BROKEN_EXAMPLES],
)
def test_broken_example_is_rejected_with_its_message(
    change: str,
    expected: str,
    interface: Graph,
    agency: Graph,
    nif_shapes: Graph,
    vocabulary: Graph,
) -> None:
    update(interface, ADD_EXAMPLE)
    outcome = validate(update(interface, change), nif_shapes, vocabulary, context=agency)
    assert not outcome.conforms
    assert any(expected in message for message in outcome.messages()), outcome.results


def test_an_unpinned_example_is_a_warning(
    interface: Graph, agency: Graph, nif_shapes: Graph, vocabulary: Graph
) -> None:
    update(interface, ADD_EXAMPLE)
    update(interface, f"DELETE WHERE {{ {EXAMPLE} spdx:checksum ?c . ?c ?p ?o }}")
    outcome = validate(interface, nif_shapes, vocabulary, context=agency)
    assert outcome.conforms and outcome.messages() == []
    assert any("The example is not pinned" in m for m in outcome.messages("Warning"))


# -- the shapes themselves ------------------------------------------------------------------------


def constraints(shapes: Graph) -> list:
    return [*shapes.objects(None, SH.property), *shapes.objects(None, SH.sparql)]


def test_every_constraint_has_an_english_message(nif_shapes: Graph) -> None:
    found = constraints(nif_shapes)
    assert len(found) > 80
    silent = [c for c in found if (c, SH.message, None) not in nif_shapes]
    assert silent == []
    for constraint in found:
        for message in nif_shapes.objects(constraint, SH.message):
            assert isinstance(message, Literal) and message.language == "en", constraint


def test_node_shapes_carry_no_message(nif_shapes: Graph) -> None:
    """pyshacl adds a node shape's message to every result of its constraints."""
    assert list(nif_shapes.subjects(RDF.type, SH.NodeShape))
    assert [
        s for s in nif_shapes.subjects(RDF.type, SH.NodeShape) if nif_shapes.value(s, SH.message)
    ] == []


def test_no_nested_shapes(nif_shapes: Graph) -> None:
    """With focus_nodes, pyshacl 0.40 filters the value nodes handed to nested shapes by the same
    list, so sh:node and the logical constraints would always pass on blank nodes and concepts."""
    nested = (SH.node, SH["or"], SH["and"], SH["not"], SH.xone, SH.qualifiedValueShape)
    assert [t for t in nif_shapes if t[1] in nested] == []


def test_every_targeted_constraint_states_its_severity(nif_shapes: Graph) -> None:
    targeted = [
        s
        for s in nif_shapes.subjects(RDF.type, SH.NodeShape)
        if any((s, p, None) in nif_shapes for p in (SH.targetClass, SH.targetObjectsOf, SH.target))
    ]
    assert len(targeted) == 8
    for shape in targeted:
        for constraint in nif_shapes.objects(shape, SH.property):
            assert nif_shapes.value(constraint, SH.severity) in (SH.Violation, SH.Warning)


# -- vocabularies ---------------------------------------------------------------------------------


def test_vocabularies_parse_and_nif_terms_are_labelled(vocabulary: Graph) -> None:
    nif = "https://w3id.org/nif/ns#"
    terms = {s for s in vocabulary.subjects() if isinstance(s, URIRef) and str(s).startswith(nif)}
    # + nif:signature, nif:signingKey; the 13 terms of suites; the 13 of runs and certificates;
    # nif:kositScenario; nif:consumes; the class and 21 properties of compatibility;
    # nif:expectedRule
    assert len(terms) == 18 + 2 + 13 + 13 + 1 + 1 + 23 + 1
    for term in terms:
        assert vocabulary.value(term, RDFS.isDefinedBy) == URIRef("https://w3id.org/nif/ns")
        for predicate in (RDFS.label, RDFS.comment):
            assert Literal in {type(o) for o in vocabulary.objects(term, predicate)}, term
            assert vocabulary.value(term, predicate).language == "en", term
    assert (URIRef("https://w3id.org/nif/ns"), RDF.type, OWL.Ontology) in vocabulary


def test_every_concept_is_complete(vocabulary: Graph) -> None:
    concepts = set(vocabulary.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == 3 + 5 + 2 + 4 + 2 + 5 + 9 + 3
    for concept in concepts:
        scheme = vocabulary.value(concept, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in vocabulary, concept
        assert vocabulary.value(concept, SKOS.topConceptOf) == scheme, concept
        assert (scheme, SKOS.hasTopConcept, concept) in vocabulary, concept
        assert vocabulary.value(concept, SKOS.prefLabel).language == "en", concept
        if not str(concept).startswith("http://purl.org/adms/"):
            assert vocabulary.value(concept, SKOS.definition).language == "en", concept
    for scheme in vocabulary.subjects(RDF.type, SKOS.ConceptScheme):
        assert vocabulary.value(scheme, DCTERMS.title).language == "en", scheme


def test_namespaces_of_the_code_match_the_vocabularies(vocabulary: Graph) -> None:
    for term in (
        STATUS.UnderDevelopment,
        STATUS.Completed,
        STATUS.Deprecated,
        STATUS.Withdrawn,
        TECHNIQUE.XMLSchema,
        TECHNIQUE.Schematron,
        NIF_TECHNIQUE.JSONSchema,
        LEVEL.Technical,
    ):
        assert (term, RDF.type, SKOS.Concept) in vocabulary, term


@pytest.fixture(scope="module")
def official_adms(external: Path) -> Graph:
    return Graph().parse(external / "adms" / "ADMS_SKOS_v1.00.rdf", format="xml")


COPIED = (RDF.type, SKOS.notation, SKOS.prefLabel, SKOS.inScheme, RDFS.label, SKOS.hasTopConcept)


def test_adms_concepts_are_copied_exactly(official_adms: Graph) -> None:
    ours = parse(VOCABULARIES / "adms.ttl")
    copied = [(s, p, o) for s, p, o in ours if p in COPIED]
    assert [t for t in copied if t not in official_adms] == []
    # Nothing the official file says about a copied concept or scheme is left out.
    subjects = set(ours.subjects())
    official = [
        (s, p, o)
        for s, p, o in official_adms
        if s in subjects
        and p in COPIED
        and o != OWL.NamedIndividual
        and (p != SKOS.hasTopConcept or o in subjects)
    ]
    assert [t for t in official if t not in ours] == []
    wanted = {
        *(STATUS[n] for n in ("UnderDevelopment", "Completed", "Deprecated", "Withdrawn")),
        TECHNIQUE.XMLSchema,
        TECHNIQUE.Schematron,
        *(LEVEL[n] for n in ("Legal", "Organisational", "Political", "Semantic", "Technical")),
    }
    assert set(ours.subjects(RDF.type, SKOS.Concept)) == wanted
    assert wanted <= set(official_adms.subjects(RDF.type, SKOS.Concept))


def test_shapes_lists_match_the_vocabularies(nif_shapes: Graph, vocabulary: Graph) -> None:
    """An sh:in list allows concepts or media types the vocabularies define; a list drawn from
    a whole scheme (statuses, levels, directions, transports) allows all of that scheme."""
    sha256 = {URIRef("http://spdx.org/rdf/terms#checksumAlgorithm_sha256")}
    verdicts = {Literal("valid"), Literal("invalid")}
    lists = [set(Collection(nif_shapes, node)) for node in nif_shapes.objects(None, SH["in"])]
    assert verdicts in lists
    lists = [allowed for allowed in lists if allowed not in (sha256, verdicts)]
    assert len(lists) == 9
    whole = {
        URIRef("http://purl.org/adms/status/1.0"),
        URIRef("http://purl.org/adms/interoperabilitylevel/1.0"),
        URIRef("https://w3id.org/nif/concept/direction"),
        URIRef("https://w3id.org/nif/concept/transport"),
        URIRef("https://w3id.org/nif/concept/compatibility-policy"),
    }
    covered = set()
    for allowed in lists:
        schemes = {vocabulary.value(item, SKOS.inScheme) for item in allowed}
        if schemes == {None}:
            media = URIRef("http://purl.org/dc/terms/MediaType")
            assert allowed == set(vocabulary.subjects(RDF.type, media))
            continue
        assert None not in schemes, allowed
        in_schemes = {c for s in schemes for c in vocabulary.subjects(SKOS.inScheme, s)}
        assert allowed <= in_schemes
        if schemes <= whole:
            assert allowed == in_schemes
            covered |= schemes
    assert covered == whole


def test_blank_nodes_in_shapes_are_only_shape_structure(nif_shapes: Graph) -> None:
    """No focus node can be a blank node, so no shape targets a class of blank nodes."""
    targets = set(nif_shapes.objects(None, SH.targetClass))
    nif = "https://w3id.org/nif/ns#"
    blank = {URIRef("http://spdx.org/rdf/terms#Checksum"), URIRef(nif + "Discriminator")}
    assert targets.isdisjoint({*blank, URIRef(nif + "ArtefactPart")})
