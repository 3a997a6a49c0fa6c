"""A registry written straight into a store as submission leaves it after pinning.

`PinnedRegistry` writes records exactly as pinning would: file URLs under {base}files/{id}/, an
spdx:checksum on each artefact, every included or referenced document as a nif:part, contents as
blobs by sha256. `standard_registry` is the registry the profile and detection tests share.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
from click.testing import CliRunner, Result
from rdflib import Graph, Literal

from nif.cli import cli
from nif.registry import Registry
from nif.state import FileBlobs

BASE = "https://registry.nif.example/"
DATA = Path(__file__).parent / "data" / "detect"
MESSAGES = DATA / "messages"
TECHNIQUES = {
    "XMLSchema": "http://purl.org/adms/representationtechnique/XMLSchema",
    "Schematron": "http://purl.org/adms/representationtechnique/Schematron",
    "JSONSchema": "https://w3id.org/nif/concept/representation-technique/JSONSchema",
}
PREFIXES = """\
@prefix nif: <https://w3id.org/nif/ns#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@dataclasses.dataclass(frozen=True)
class Artefact:
    """A schema or rules file under data/detect/ and the files it includes or $refs."""

    path: str
    technique: str
    parts: tuple[str, ...] = ()
    unpinned: tuple[str, ...] = ()
    """Files written without their checksum (submission never does this)."""


@dataclasses.dataclass(frozen=True)
class MT:
    """A message type as the test registry declares it."""

    id: str
    schema: Artefact | None = None
    rules: tuple[Artefact, ...] = ()
    root: tuple[str, str] | None = None
    media: str = "xml"
    discriminator: tuple[str, str] | None = None
    declare: tuple[tuple[str, str], ...] = ()
    phase: str | None = None


@dataclasses.dataclass(frozen=True)
class Ver:
    version: str
    types: tuple[MT, ...]
    status: str = "Completed"


def lit(text: str) -> str:
    return Literal(text).n3()


def checksum(sha256: str) -> str:
    return (
        "spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ; "
        f"spdx:checksumValue {lit(sha256)} ]"
    )


class PinnedRegistry:
    """Records written straight into a registry's store, their artefacts pinned in its blobs."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.home = registry.settings.home
        self.store = registry.store
        self.blobs = registry.blobs
        self.closed = False

    def pin(self, path: str) -> str:
        return self.blobs.put((DATA / path).read_bytes())

    def blob(self, path: str) -> Path:
        """The file validation reads the pinned content of data/detect/`path` from: the blob
        itself under NIF_HOME, or a PostgreSQL state's cached copy of it (to tamper with)."""
        digest = self.pin(path)
        if isinstance(self.blobs, FileBlobs):
            return self.blobs.path(digest)
        return self.blobs.local_path(digest)

    def remove(self, path: str) -> None:
        """Lose the pinned content of data/detect/`path`, wherever the state keeps it."""
        digest = self.pin(path)
        if isinstance(self.blobs, FileBlobs):
            self.blobs.path(digest).unlink()
            return
        state = self.registry.settings.state
        with psycopg.connect(state.url, password=state.password.get_secret_value()) as conn:
            for table in ("nif_blob_chunks", "nif_blobs"):
                conn.execute(f"DELETE FROM {table} WHERE sha256 = %s", (digest,))
        self.home.joinpath("blob-cache", "artefacts", digest[:2], digest).unlink(missing_ok=True)

    def interface(self, identifier: str, *versions: Ver, current: str | None = None) -> str:
        iri = f"{BASE}interface/{identifier}"
        files = f"{BASE}files/{identifier}/"
        lines = [
            PREFIXES,
            f"<{iri}> a dcat:DataService ; dct:identifier {lit(identifier)} ;",
            f"  dct:title {lit(identifier)} ;",
        ]
        if current is not None:
            lines.append(f"  dcat:hasCurrentVersion <{iri}/{current}> ;")
        lines.append(f"  dcat:hasVersion {', '.join(f'<{iri}/{v.version}>' for v in versions)} .")
        for version in versions:
            v_iri = f"{iri}/{version.version}"
            lines.append(
                f"<{v_iri}> a dcat:DataService, nif:InterfaceVersion ; "
                f"dcat:version {lit(version.version)} ; "
                f"adms:status <http://purl.org/adms/status/{version.status}> ."
            )
            for mt in version.types:
                mt_iri = f"{v_iri}/{mt.id}"
                lines.append(f"<{v_iri}> nif:messageType <{mt_iri}> .")
                media = f"https://www.iana.org/assignments/media-types/application/{mt.media}"
                lines.append(
                    f"<{mt_iri}> a nif:MessageType ; dct:identifier {lit(mt.id)} ; "
                    f"dcat:mediaType <{media}> ."
                )
                if mt.root:
                    lines.append(
                        f"<{mt_iri}> nif:rootNamespace {lit(mt.root[0])} ; "
                        f"nif:rootName {lit(mt.root[1])} ."
                    )
                if mt.discriminator:
                    declared = "".join(
                        f' sh:declare [ sh:prefix {lit(p)} ; sh:namespace "{ns}"^^xsd:anyURI ] ;'
                        for p, ns in mt.declare
                    )
                    lines.append(
                        f"<{mt_iri}> nif:discriminator [ a nif:Discriminator ; "
                        f"nif:path {lit(mt.discriminator[0])} ;{declared} "
                        f"nif:value {lit(mt.discriminator[1])} ] ."
                    )
                if mt.phase:
                    lines.append(f"<{mt_iri}> nif:schematronPhase {lit(mt.phase)} .")
                roles = [("schema", mt.schema)] if mt.schema else []
                roles += [("rules", r) for r in mt.rules]
                for role, artefact in roles:
                    a_iri = f"{v_iri}/artefact/{artefact.path.replace('/', '-')}"
                    url = files + artefact.path
                    lines.append(f"<{mt_iri}> nif:{role} <{a_iri}> .")
                    lines.append(
                        f"<{a_iri}> a dct:Standard, dcat:Distribution ; dcat:downloadURL <{url}> ;"
                        f" dcat:accessURL <{url}> ; "
                        f"adms:representationTechnique <{TECHNIQUES[artefact.technique]}> ."
                    )
                    if artefact.path not in artefact.unpinned:
                        lines.append(f"<{a_iri}> {checksum(self.pin(artefact.path))} .")
                    for part in artefact.parts:
                        pin = "" if part in artefact.unpinned else checksum(self.pin(part))
                        lines.append(
                            f"<{a_iri}> nif:part [ a nif:ArtefactPart ; "
                            f"dcat:downloadURL <{files + part}> ; {pin} ] ."
                        )
        graph = Graph().parse(data="\n".join(lines), format="turtle")
        self.store.replace_graph(iri, graph.serialize(format="nt").encode())
        return iri

    def close(self) -> None:
        """Before running the command line, which opens the store itself; closing twice is fine."""
        if not self.closed:
            self.registry.close()
            self.closed = True


BIRTH_XSD = Artefact("schemas/birth.xsd", "XMLSchema", ("schemas/common/types.xsd",))
BIRTH_SCH = Artefact("schemas/birth.sch", "Schematron")
VEHICLE_XSD = Artefact("schemas/vehicle.xsd", "XMLSchema")
TAX_JSON = Artefact("schemas/tax.json", "JSONSchema", ("schemas/common/amount.json",))
ASSESSMENT_JSON = Artefact("schemas/assessment.json", "JSONSchema")
BIRTH_NS = "urn:test:birth"
B = (("b", BIRTH_NS),)


def notification(version: str, rules: tuple[Artefact, ...] = ()) -> MT:
    return MT(
        "BirthNotification",
        BIRTH_XSD,
        rules,
        root=(BIRTH_NS, "BirthNotification"),
        discriminator=("/b:BirthNotification/b:Version", version),
        declare=B,
    )


def standard_registry(pinned: PinnedRegistry) -> None:
    """The registry the tests share.

    civreg-birth: 1.0.0 (Deprecated) and 2.0.0 (current) share the BirthNotification root and
    differ by discriminator; 3.0.0 is Withdrawn. 2.0.0 has a second message type,
    BirthRegistration (root only); 1.0.0's BirthRegistration has a discriminator (b:Number).
    vehicle-reg and vehicle-transfer share a root with no discriminator (a tie). tax-return has
    two JSON message types told apart by the JSON Pointer /messageType.
    """
    registration = MT("BirthRegistration", BIRTH_XSD, root=(BIRTH_NS, "BirthRegistration"))
    pinned.interface(
        "civreg-birth",
        Ver(
            "1.0.0",
            (
                notification("1.0"),
                dataclasses.replace(registration, discriminator=("b:Number", "B-17"), declare=B),
            ),
            status="Deprecated",
        ),
        Ver("2.0.0", (notification("2.0", (BIRTH_SCH,)), registration)),
        Ver("3.0.0", (notification("3.0"),), status="Withdrawn"),
        current="2.0.0",
    )
    vehicle = MT("Registration", VEHICLE_XSD, root=("urn:test:vehicle", "Registration"))
    pinned.interface("vehicle-reg", Ver("1.0.0", (vehicle,)), current="1.0.0")
    pinned.interface("vehicle-transfer", Ver("1.0.0", (vehicle,)), current="1.0.0")
    pinned.interface(
        "tax-return",
        Ver(
            "1.0.0",
            (
                MT(
                    "TaxReturn", TAX_JSON, media="json", discriminator=("/messageType", "TaxReturn")
                ),
                MT(
                    "TaxAssessment",
                    ASSESSMENT_JSON,
                    media="json",
                    discriminator=("/messageType", "TaxAssessment"),
                ),
            ),
        ),
        current="1.0.0",
    )


def run_cli(pinned: PinnedRegistry, *args: object) -> Result:
    """`nif` in this process, on the registry's store, state and NIF_HOME.

    Close the registry first: an embedded store is open in one place at a time.
    """
    settings = pinned.registry.settings
    env = {"NIF_HOME": str(pinned.home), "NIF_STORE": pinned.store.location, "NIF_CONFIG": ""}
    env["NIF_STORE_UPDATE_URL"] = settings.store.update_url
    env["NIF_STORE_GRAPH_URL"] = settings.store.graph_url
    env["NIF_STORE_USER"] = settings.store.user
    env["NIF_STORE_PASSWORD"] = settings.store.password.get_secret_value()
    env["NIF_STORE_AUTH"] = settings.store.auth
    env["NIF_STATE"] = settings.state.url
    env["NIF_STATE_PASSWORD"] = settings.state.password.get_secret_value()
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def report_of(result: Result) -> dict:
    return json.loads(result.stdout)
