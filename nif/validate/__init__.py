"""Message validation: safe parsing, XSD, Schematron, JSON Schema, profiles and verdicts."""

from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect, local_fetcher, sha256
from nif.validate._batch import (
    COMPILE_LIMIT,
    STARTUP_LIMIT,
    Message,
    ProfilePicker,
    available_cpus,
    read_message,
    step_limit,
    validate_files,
)
from nif.validate._cache import CompiledCache
from nif.validate._catalog import Catalog, CatalogFetcher
from nif.validate._engine import MEDIA_TYPES, compile_step, detect_media, validate
from nif.validate._isolation import private_tmpdir, remove_tmpdir, run_isolated, worker_settings
from nif.validate._json import ParsedJson, parse_json, unescape, value_text
from nif.validate._json_drafts import json_draft_of
from nif.validate._json_references import json_references
from nif.validate._profile import (
    JSON_SCHEMA,
    KOSIT,
    SCHEMATRON,
    XSD,
    Profile,
    StepSpec,
    parse_overrides,
)
from nif.validate._step import RELEASE_TREE_BYTES
from nif.validate._xml import ParsedXml, has_doctype, parse_xml, safe_parser
from nif.validate._xsd import load_xmlschema, xsd_references
from nif.validate.kosit import (
    KositConfiguration,
    Scenario,
    kosit_references,
    load_kosit,
    read_scenarios,
)
from nif.validate.schematron import saxon_processor

__all__ = [
    "COMPILE_LIMIT",
    "JSON_SCHEMA",
    "KOSIT",
    "MEDIA_TYPES",
    "RELEASE_TREE_BYTES",
    "SCHEMATRON",
    "STARTUP_LIMIT",
    "XSD",
    "Artefact",
    "ArtefactSet",
    "Catalog",
    "CatalogFetcher",
    "CompiledCache",
    "Fetcher",
    "KositConfiguration",
    "Message",
    "ParsedJson",
    "ParsedXml",
    "Profile",
    "ProfilePicker",
    "Scenario",
    "StepSpec",
    "available_cpus",
    "collect",
    "compile_step",
    "detect_media",
    "has_doctype",
    "json_draft_of",
    "json_references",
    "kosit_references",
    "load_kosit",
    "load_xmlschema",
    "local_fetcher",
    "parse_json",
    "parse_overrides",
    "parse_xml",
    "private_tmpdir",
    "read_message",
    "read_scenarios",
    "remove_tmpdir",
    "run_isolated",
    "safe_parser",
    "saxon_processor",
    "sha256",
    "step_limit",
    "unescape",
    "validate",
    "validate_files",
    "value_text",
    "worker_settings",
    "xsd_references",
]
