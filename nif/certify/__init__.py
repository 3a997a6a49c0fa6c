"""Certification: conformance suites, runs, EARL results and certificates."""

from nif.certify._suite import (
    Assertion,
    Kind,
    Suite,
    SuiteFile,
    TestCase,
    available,
    find_suite,
    load_suite,
)

__all__ = [
    "Assertion",
    "Kind",
    "Suite",
    "SuiteFile",
    "TestCase",
    "available",
    "find_suite",
    "load_suite",
]
