"""The one validation report model and its renderers (json, text, junit, svrl, html).

Every validation, whether from the CLI, the service or a certification run, ends in a `Report`.
"""

from nif.report._html import render_html
from nif.report._junit import render_junit
from nif.report._kosit import render_kosit
from nif.report._model import (
    REPORT_FORMAT_VERSION,
    ArtefactRef,
    Finding,
    Location,
    Report,
    Severity,
    StepResult,
    StepStatus,
    Verdict,
    dump_json,
    render_json,
)
from nif.report._svrl import SVRL_NS, render_svrl
from nif.report._text import render_text, text_console

__all__ = [
    "REPORT_FORMAT_VERSION",
    "SVRL_NS",
    "ArtefactRef",
    "Finding",
    "Location",
    "Report",
    "Severity",
    "StepResult",
    "StepStatus",
    "Verdict",
    "dump_json",
    "render_html",
    "render_json",
    "render_junit",
    "render_kosit",
    "render_svrl",
    "render_text",
    "text_console",
]
