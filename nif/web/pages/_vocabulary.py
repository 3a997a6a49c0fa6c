"""Labels of nif's SKOS concepts (transports...) in the page's language, from `vocabularies/`.

The vocabularies carry `skos:prefLabel` in English, German and French; a page shows a concept
by its notation (`rest`) through `{{ value | concept("transports", lang) }}`.
"""

from __future__ import annotations

import functools

from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from nif.resources import data_folder


@functools.cache
def labels(scheme: str) -> dict[str, dict[str, str]]:
    """Each concept of `vocabularies/{scheme}.ttl` by notation: its labels by language tag."""
    graph = Graph()
    graph.parse(data=data_folder("vocabularies").joinpath(f"{scheme}.ttl").read_text("utf-8"))
    found: dict[str, dict[str, str]] = {}
    for concept, notation in graph.subject_objects(SKOS.notation):
        names = found.setdefault(str(notation), {})
        for label in graph.objects(concept, SKOS.prefLabel):
            if isinstance(label, Literal):
                names[label.language or ""] = str(label)
    return found


def concept_label(notation: object, scheme: str, lang: str) -> str:
    """The label of the concept `notation` of `scheme` in `lang`, else in English, else the
    notation itself (a value the vocabulary does not know is shown as it is)."""
    names = labels(scheme).get(str(notation or ""), {})
    return names.get(lang) or names.get("en") or str(notation or "")
