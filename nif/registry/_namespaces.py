"""The vocabularies the registry model reuses, and nif's own, as rdflib namespaces.

The model (see docs/publisher/records.md, "The model"): an agency is an `org:Organization` and
`cv:PublicOrganisation`; an interface a `dcat:DataService`; each of its versions a
`dcat:DataService` and `nif:InterfaceVersion`; a version has `nif:MessageType`s whose schema and
rule artefacts are `dct:Standard`s and `dcat:Distribution`s pinned by `spdx:checksum`.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SH, SKOS, XSD

NIF = Namespace("https://w3id.org/nif/ns#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's closed DCAT lacks DCAT 3 terms
ADMS = Namespace("http://www.w3.org/ns/adms#")
CV = Namespace("http://data.europa.eu/m8g/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EARL = Namespace("http://www.w3.org/ns/earl#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
PROV = Namespace("http://www.w3.org/ns/prov#")

STATUS = Namespace("http://purl.org/adms/status/")
TECHNIQUE = Namespace("http://purl.org/adms/representationtechnique/")
LEVEL = Namespace("http://purl.org/adms/interoperabilitylevel/")
DIRECTION = Namespace("https://w3id.org/nif/concept/direction/")
TRANSPORT = Namespace("https://w3id.org/nif/concept/transport/")
NIF_TECHNIQUE = Namespace("https://w3id.org/nif/concept/representation-technique/")
MEDIA = Namespace("https://www.iana.org/assignments/media-types/")

SHA256 = SPDX.checksumAlgorithm_sha256

PREFIXES: dict[str, Namespace] = {
    "nif": NIF,
    "adms": ADMS,
    "cv": CV,
    "dcat": DCAT,
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "org": Namespace(str(ORG)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "sh": Namespace(str(SH)),
    "skos": Namespace(str(SKOS)),
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, to start registry queries with."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


__all__ = [
    "ADMS",
    "CV",
    "DCAT",
    "DCTERMS",
    "DIRECTION",
    "DQV",
    "EARL",
    "FOAF",
    "LEVEL",
    "MEDIA",
    "NIF",
    "NIF_TECHNIQUE",
    "ORG",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SHA256",
    "SKOS",
    "SPDX",
    "STATUS",
    "TECHNIQUE",
    "TRANSPORT",
    "VCARD",
    "XSD",
    "sparql_prefixes",
]
