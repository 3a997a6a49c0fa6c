"""Message validation: safe parsing, XSD, Schematron, JSON Schema, profiles and verdicts."""

from nif.validate._artefacts import Artefact, ArtefactSet, Fetcher, collect, local_fetcher
from nif.validate._engine import compile_step, detect_media, validate
from nif.validate._profile import Profile, StepSpec, parse_overrides, split_phase

__all__ = [
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
    "split_phase",
    "validate",
]
