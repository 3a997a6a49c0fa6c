"""The vocabularies of conformance suites and results, besides the registry's."""

from __future__ import annotations

from rdflib import Namespace

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
"""The W3C test manifest vocabulary: `mf:Manifest`, `mf:entries`, `mf:action`."""
OA = Namespace("http://www.w3.org/ns/oa#")
"""Web Annotation: a certificate (a `dqv:QualityCertificate`) names the version it is about
with `oa:hasTarget`, as DQV's quality annotations do."""

__all__ = ["MF", "OA"]
