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
)

BY_ID = {example.id: example for example in EXAMPLES}
