"""The registry of interfaces: records, submission, SHACL checks, pinning, registry validation."""

from nif.registry._blobs import BlobStore
from nif.registry._history import AuditEntry, Version
from nif.registry._iris import (
    RESERVED,
    certificate_iri,
    files_base,
    reserved,
    revocation_iri,
    run_iri,
    suite_base,
    tool_iri,
)
from nif.registry._profiles import version_checksums
from nif.registry._records import Kind, Record
from nif.registry._registry import LoadResult, RecordInfo, Registry, SubmitResult
from nif.registry._shacl import ShaclReport, ShaclResult
from nif.registry._worker import Task, ValidationWorker, WorkerStats

__all__ = [
    "RESERVED",
    "AuditEntry",
    "BlobStore",
    "Kind",
    "LoadResult",
    "Record",
    "RecordInfo",
    "Registry",
    "ShaclReport",
    "ShaclResult",
    "SubmitResult",
    "Task",
    "ValidationWorker",
    "Version",
    "WorkerStats",
    "certificate_iri",
    "files_base",
    "reserved",
    "revocation_iri",
    "run_iri",
    "suite_base",
    "tool_iri",
    "version_checksums",
]
