"""Message validation: safe parsing, XSD, Schematron, JSON Schema, profiles and verdicts."""

from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect, local_fetcher, sha256
from nif.validate._batch import COMPILE_LIMIT, STARTUP_LIMIT, step_limit
from nif.validate._engine import MEDIA_TYPES, compile_step, detect_media, validate
from nif.validate._isolation import private_tmpdir, remove_tmpdir, run_isolated, worker_settings
from nif.validate._profile import Profile, StepSpec, parse_overrides, split_phase

__all__ = [
    "COMPILE_LIMIT",
    "MEDIA_TYPES",
    "STARTUP_LIMIT",
    "Artefact",
    "ArtefactSet",
    "Fetcher",
    "Profile",
    "StepSpec",
    "collect",
    "compile_step",
    "detect_media",
    "local_fetcher",
    "parse_overrides",
    "private_tmpdir",
    "remove_tmpdir",
    "run_isolated",
    "sha256",
    "split_phase",
    "step_limit",
    "validate",
    "worker_settings",
]
