"""Example SPARQL queries for integrators, shown on the query page.

Each declares only the prefixes it uses, so it can be copied into any SPARQL client as it is.
Titles live in the locale catalogues under `query.example.<id>`.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Example:
    id: str
    query: str


EXAMPLES: tuple[Example, ...] = (
    Example(
        "agency-interfaces",
        """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>

# The interfaces the Civil Registry Office (identifier "civreg") offers
SELECT ?interface ?title ?endpoint WHERE {
  ?agency dct:identifier "civreg" .
  ?service a dcat:DataService ;
           dct:publisher ?agency ;
           dct:identifier ?interface ;
           dct:title ?title .
  OPTIONAL { ?service dcat:endpointURL ?endpoint }
}
ORDER BY ?interface
""",
    ),
    Example(
        "versions-by-status",
        """\
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>

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
    Example(
        "message-types-by-root",
        """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX nif: <https://w3id.org/nif/ns#>

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
    Example(
        "agencies-with-schemas",
        """\
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX nif: <https://w3id.org/nif/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

# Agencies that publish schemas, and how many of each kind
SELECT ?agency ?name ?technique (COUNT(DISTINCT ?schema) AS ?schemas) WHERE {
  ?a dct:identifier ?agency ;
     skos:prefLabel ?name .
  ?service dct:publisher ?a ;
           dcat:hasVersion/nif:messageType/nif:schema ?schema .
  ?schema adms:representationTechnique ?t .
  BIND(REPLACE(STR(?t), "^.*[/#]", "") AS ?technique)
}
GROUP BY ?agency ?name ?technique
ORDER BY ?agency ?technique
""",
    ),
    Example(
        "title-search",
        """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>

# Interfaces whose title contains "registration" (any case)
SELECT ?interface ?title WHERE {
  ?service a dcat:DataService ;
           dct:identifier ?interface ;
           dct:title ?title .
  FILTER(CONTAINS(LCASE(STR(?title)), "registration"))
}
ORDER BY ?interface
""",
    ),
    Example(
        "certified-agencies",
        """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX nif: <https://w3id.org/nif/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX spdx: <http://spdx.org/rdf/terms#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

# Agencies holding a valid certificate for civreg-birth at a version >= 2.0: not revoked,
# not expired, and still pinned to the version's current suite and artefact checksums
SELECT ?agency ?version ?certificate ?validUntil WHERE {
  ?service dct:identifier "civreg-birth" ;
           dcat:hasVersion ?v .
  ?v dcat:version ?version .
  FILTER(xsd:integer(STRBEFORE(CONCAT(?version, "."), ".")) >= 2)
  ?certificate a dqv:QualityCertificate ;
               oa:hasTarget ?v ;
               nif:holder ?holder ;
               nif:validUntil ?validUntil ;
               nif:suite ?suite ;
               nif:suiteChecksum ?suiteChecksum .
  ?holder dct:identifier ?agency .
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
    Example(
        "needs-recertification",
        """\
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX nif: <https://w3id.org/nif/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX spdx: <http://spdx.org/rdf/terms#>

# Certificates that need re-certification: neither revoked nor expired, but their suite
# changed or the version's artefacts were re-pinned with other checksums since they were issued
SELECT ?certificate ?agency ?interface ?version ?suiteChanged ?artefactsChanged WHERE {
  ?certificate a dqv:QualityCertificate ;
               oa:hasTarget ?v ;
               nif:holder ?holder ;
               nif:validUntil ?validUntil ;
               nif:suite ?suite ;
               nif:suiteChecksum ?suiteChecksum .
  ?holder dct:identifier ?agency .
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
    Example(
        "failed-cases",
        """\
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX earl: <http://www.w3.org/ns/earl#>
PREFIX nif: <https://w3id.org/nif/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>

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
