"""The registry of interfaces: records, submission, SHACL checks, pinning, registry validation."""

from nif.registry._acceptance_checks import CheckFailure
from nif.registry._authoring import (
    Discriminator,
    Example,
    Metadata,
    NewInterface,
    NewMessageType,
    add_example,
    add_message_type,
    deprecate,
    edit_metadata,
    new_interface,
    set_status,
)
from nif.registry._blobs import BlobStore
from nif.registry._bulk import LoadResult
from nif.registry._changes import ReadCache
from nif.registry._check_cache import CHECKS_SCHEMA
from nif.registry._error_report import error_report
from nif.registry._full_backup import export_full, import_full
from nif.registry._history import HISTORY_SCHEMA, AuditEntry, RecordVersion, utc_now
from nif.registry._iris import (
    RESERVED,
    assessment_iri,
    catalogue_iri,
    certificate_iri,
    files_base,
    interface_iri,
    reserved,
    revocation_iri,
    run_iri,
    suite_base,
    tool_iri,
)
from nif.registry._kosit import KositImport, KositResult, import_kosit
from nif.registry._lifecycle import judge_lifecycle, utc_today
from nif.registry._message_types import (
    MessageTypeRef,
    pick_version,
    resolve_message_types,
    split_interface,
)
from nif.registry._namespaces import (
    ADMS,
    DCAT,
    DCTERMS,
    DIRECTION,
    DQV,
    EARL,
    MEDIA,
    NIF,
    NIF_TECHNIQUE,
    PREFIXES,
    PROV,
    SPDX,
    STATUS,
    TECHNIQUE,
    VCARD,
    sparql_prefixes,
)
from nif.registry._next_version import (
    moved_url,
    next_version,
    version_files,
    version_node,
    versions,
)
from nif.registry._policy import POLICIES, Policy
from nif.registry._preconditions import Precondition, etag
from nif.registry._profiles import version_checksums
from nif.registry._proposals import PROPOSALS_SCHEMA, Proposal, ProposalState
from nif.registry._record_diff import RecordDiff
from nif.registry._records import Record, RecordKind, guess_format, parse_records, sorted_ntriples
from nif.registry._registry import RecordInfo, Registry, SubmitResult
from nif.registry._review import ProposalDetails, proposal_details
from nif.registry._scaffold import Scaffold, bundle_folder, scaffold_version
from nif.registry._shacl import ShaclReport, ShaclResult, profile_graphs
from nif.registry._validation import (
    Chooser,
    Target,
    named_types,
    pinned_target,
    validate_registered,
    with_finding,
)
from nif.registry._versions import is_semver, version_key
from nif.registry._worker import Task, ValidationWorker, WorkerStats

__all__ = [
    "ADMS",
    "CHECKS_SCHEMA",
    "DCAT",
    "DCTERMS",
    "DIRECTION",
    "DQV",
    "EARL",
    "HISTORY_SCHEMA",
    "MEDIA",
    "NIF",
    "NIF_TECHNIQUE",
    "POLICIES",
    "PREFIXES",
    "PROPOSALS_SCHEMA",
    "PROV",
    "RESERVED",
    "SPDX",
    "STATUS",
    "TECHNIQUE",
    "VCARD",
    "AuditEntry",
    "BlobStore",
    "CheckFailure",
    "Chooser",
    "Discriminator",
    "Example",
    "KositImport",
    "KositResult",
    "LoadResult",
    "MessageTypeRef",
    "Metadata",
    "NewInterface",
    "NewMessageType",
    "Policy",
    "Precondition",
    "Proposal",
    "ProposalDetails",
    "ProposalState",
    "ReadCache",
    "Record",
    "RecordDiff",
    "RecordInfo",
    "RecordKind",
    "RecordVersion",
    "Registry",
    "Scaffold",
    "ShaclReport",
    "ShaclResult",
    "SubmitResult",
    "Target",
    "Task",
    "ValidationWorker",
    "WorkerStats",
    "add_example",
    "add_message_type",
    "assessment_iri",
    "bundle_folder",
    "catalogue_iri",
    "certificate_iri",
    "deprecate",
    "edit_metadata",
    "error_report",
    "etag",
    "export_full",
    "files_base",
    "guess_format",
    "import_full",
    "import_kosit",
    "interface_iri",
    "is_semver",
    "judge_lifecycle",
    "moved_url",
    "named_types",
    "new_interface",
    "next_version",
    "parse_records",
    "pick_version",
    "pinned_target",
    "profile_graphs",
    "proposal_details",
    "reserved",
    "resolve_message_types",
    "revocation_iri",
    "run_iri",
    "scaffold_version",
    "set_status",
    "sorted_ntriples",
    "sparql_prefixes",
    "split_interface",
    "suite_base",
    "tool_iri",
    "utc_now",
    "utc_today",
    "validate_registered",
    "version_checksums",
    "version_files",
    "version_key",
    "version_node",
    "versions",
    "with_finding",
]
