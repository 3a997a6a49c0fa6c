"""nif: the registry and message validator of a National Interoperability Framework."""

from nif.errors import (
    ArtefactError,
    CompileError,
    InputError,
    NifError,
    ResolutionError,
    UsageError,
)
from nif.report import Finding, Location, Report, Severity, StepResult, Verdict
from nif.settings import Settings
from nif.validate import Profile, validate
from nif.version import __version__

__all__ = [
    "ArtefactError",
    "CompileError",
    "Finding",
    "InputError",
    "Location",
    "NifError",
    "Profile",
    "Report",
    "ResolutionError",
    "Settings",
    "Severity",
    "StepResult",
    "UsageError",
    "Verdict",
    "__version__",
    "validate",
]
