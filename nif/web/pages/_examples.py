"""Example SPARQL queries for integrators, shown on the query page.

Each declares only the prefixes it uses (`_example` writes its PREFIX lines from the prefixed
names in it), so it can be copied into any SPARQL client as it is.
Titles live in the locale catalogues under `query.example.<id>`.
"""

from __future__ import annotations

import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class Example:
    id: str
    query: str


NAMESPACES = {
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dqv": "http://www.w3.org/ns/dqv#",
    "earl": "http://www.w3.org/ns/earl#",
    "nif": "https://w3id.org/nif/ns#",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
"""The prefixes the examples use."""
_CERTIFICATE = """\
  ?certificate a dqv:QualityCertificate ;
               oa:hasTarget ?v ;
               nif:holder ?holder ;
               nif:validUntil ?validUntil ;
               nif:suite ?suite ;
               nif:suiteChecksum ?suiteChecksum .
  ?holder dct:identifier ?agency .
"""
"""A certificate with its holder's identifier, its version `?v`, validity and pinned suite:
the pattern the certificate examples share."""
_PREFIXED_NAME = re.compile(r"\b([a-z]+):(?=[A-Za-z_])")


def _example(identifier: str, body: str) -> Example:
    """An example whose query declares the prefixes `body` uses (comments aside), in
    alphabetical order; one missing from `NAMESPACES` is a KeyError at import."""
    code = (line for line in body.splitlines() if not line.lstrip().startswith("#"))
    used = sorted({name for line in code for name in _PREFIXED_NAME.findall(line)})
    prefixes = "".join(f"PREFIX {name}: <{NAMESPACES[name]}>\n" for name in used)
    return Example(identifier, f"{prefixes}\n{body}")


EXAMPLES: tuple[Example, ...] = (
    _example(
        "agency-interfaces",
        """\
# The interfaces the Civil Registry Office (identifier "civreg") offers, titles in English
# (records carry "de" and "fr" titles too)
SELECT ?interface ?title ?endpoint WHERE {
  ?agency dct:identifier "civreg" .
  ?service a dcat:DataService ;
           dct:publisher ?agency ;
           dct:identifier ?interface ;
           dct:title ?title .
  FILTER(LANGMATCHES(LANG(?title), "en"))
  OPTIONAL { ?service dcat:endpointURL ?endpoint }
}
ORDER BY ?interface
""",
    ),
    _example(
        "versions-by-status",
        """\
# Every interface version with its ADMS status (Completed, UnderDevelopment, Deprecated, ...)
SELECT ?status ?interface ?version WHERE {
  ?service dct:identifier ?interface ;
           dcat:hasVersion ?v .
  ?v dcat:version ?version ;
     adms:status ?s .
  BIND(STRAFTER(STR(?s), "http://purl.org/adms/status/") AS ?status)
}
ORDER BY ?status ?interface ?version
""",
    ),
    _example(
        "message-types-by-root",
        """\
# Which message types have the XML root element BirthNotification?
SELECT ?interface ?version ?messageType ?namespace WHERE {
  ?service dct:identifier ?interface ;
           dcat:hasVersion ?v .
  ?v dcat:version ?version ;
     nif:messageType ?m .
  ?m dct:identifier ?messageType ;
     nif:rootName "BirthNotification" ;
     nif:rootNamespace ?namespace .
}
ORDER BY ?interface ?version
""",
    ),
    _example(
        "agencies-with-schemas",
        """\
# Agencies that publish schemas, and how many of each kind
SELECT ?agency ?name ?technique (COUNT(DISTINCT ?schema) AS ?schemas) WHERE {
  ?a dct:identifier ?agency ;
     skos:prefLabel ?name .
  FILTER(LANGMATCHES(LANG(?name), "en"))
  ?service dct:publisher ?a ;
           dcat:hasVersion/nif:messageType/nif:schema ?schema .
  ?schema adms:representationTechnique ?t .
  BIND(REPLACE(STR(?t), "^.*[/#]", "") AS ?technique)
}
GROUP BY ?agency ?name ?technique
ORDER BY ?agency ?technique
""",
    ),
    _example(
        "title-search",
        """\
# Interfaces whose title contains "registration" (any case)
SELECT ?interface ?title WHERE {
  ?service a dcat:DataService ;
           dct:identifier ?interface ;
           dct:title ?title .
  FILTER(LANGMATCHES(LANG(?title), "en") && CONTAINS(LCASE(STR(?title)), "registration"))
}
ORDER BY ?interface
""",
    ),
    _example(
        "certified-agencies",
        """\
# Agencies holding a valid certificate for civreg-birth at a version >= 2.0: not revoked,
# not expired, and still pinned to the version's current suite and artefact checksums
SELECT ?agency ?version ?certificate ?validUntil WHERE {
  ?service dct:identifier "civreg-birth" ;
           dcat:hasVersion ?v .
  ?v dcat:version ?version .
  FILTER(xsd:integer(STRBEFORE(CONCAT(?version, "."), ".")) >= 2)
"""
        + _CERTIFICATE
        + """\
  ?suite nif:suiteChecksum ?suiteChecksum .
  FILTER NOT EXISTS { ?certificate prov:invalidatedAtTime ?revoked }
  FILTER(?validUntil > NOW())
  # every pinned artefact checksum is a current one, and every current one is pinned
  # (the registry types checksums xsd:hexBinary, certificates pin plain strings: compare STR)
  FILTER NOT EXISTS {
    ?certificate nif:artefactChecksum ?pinned .
    FILTER NOT EXISTS {
      ?v nif:messageType/(nif:schema|nif:rules)/nif:part?/spdx:checksum/spdx:checksumValue ?sum .
      FILTER(STR(?sum) = STR(?pinned))
    }
  }
  FILTER NOT EXISTS {
    ?v nif:messageType/(nif:schema|nif:rules)/nif:part?/spdx:checksum/spdx:checksumValue ?current .
    FILTER NOT EXISTS {
      ?certificate nif:artefactChecksum ?pin .
      FILTER(STR(?pin) = STR(?current))
    }
  }
}
ORDER BY ?agency ?version
""",
    ),
    _example(
        "needs-recertification",
        """\
# Certificates that need re-certification: neither revoked nor expired, but their suite
# changed or the version's artefacts were re-pinned with other checksums since they were issued
SELECT ?certificate ?agency ?interface ?version ?suiteChanged ?artefactsChanged WHERE {
"""
        + _CERTIFICATE
        + """\
  ?service dct:identifier ?interface ;
           dcat:hasVersion ?v .
  ?v dcat:version ?version .
  FILTER NOT EXISTS { ?certificate prov:invalidatedAtTime ?revoked }
  FILTER(?validUntil > NOW())
  BIND(NOT EXISTS { ?suite nif:suiteChecksum ?suiteChecksum } AS ?suiteChanged)
  # checksums compared as strings: the registry types them xsd:hexBinary
  BIND((EXISTS {
      ?certificate nif:artefactChecksum ?pinned .
      FILTER NOT EXISTS {
        ?v nif:messageType/(nif:schema|nif:rules)/nif:part?/spdx:checksum/spdx:checksumValue ?sum .
        FILTER(STR(?sum) = STR(?pinned))
      }
    } || EXISTS {
      ?v nif:messageType/(nif:schema|nif:rules)/nif:part?/spdx:checksum/spdx:checksumValue
         ?current .
      FILTER NOT EXISTS {
        ?certificate nif:artefactChecksum ?pin .
        FILTER(STR(?pin) = STR(?current))
      }
    }) AS ?artefactsChanged)
  FILTER(?suiteChanged || ?artefactsChanged)
}
ORDER BY ?interface ?version ?agency
""",
    ),
    _example(
        "failed-cases",
        """\
# Every case a certification run failed (runs are published with the certificates issued
# from them, so these are optional cases), with the reason
SELECT ?runId ?case ?title ?mandatory ?summary WHERE {
  ?run a nif:ConformanceRun ;
       nif:purpose "certification" ;
       dct:identifier ?runId .
  ?assertion a earl:Assertion ;
             prov:wasGeneratedBy ?run ;
             earl:test ?test ;
             earl:result ?result .
  ?result earl:outcome earl:failed .
  OPTIONAL { ?result dct:description ?summary }
  ?test dct:identifier ?case .
  OPTIONAL { ?test dct:title ?title }
  OPTIONAL { ?test nif:mandatory ?mandatory }
}
ORDER BY ?runId ?case
""",
    ),
)

BY_ID = {example.id: example for example in EXAMPLES}
