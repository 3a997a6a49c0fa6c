"""A certificate as a PDF, set in Noto Sans embedded from `fontpkg-noto-sans` (OFL-1.1).

The font covers Latin, Greek and Cyrillic, so agency names and reasons in any European
language (œ, « », ß, Ł, typographic quotes...) are drawn as written. It is a variable font:
its default instance (regular) is cheap to embed, while instancing a bold one takes seconds,
so headings and labels are drawn bold by stroking the regular outlines.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import fontpkg
from fpdf import FPDF

from nif.web.pages._dates import date_text, datetime_text
from nif.web.pages._i18n import Translator

if TYPE_CHECKING:
    from nif.web.pages.certificates import View

MARGIN = 18
WIDTH = 210 - 2 * MARGIN
FAMILY = "noto-sans"
BOLD_STROKE = 0.03
"""Width (mm) of the outline stroked over bold text."""


@functools.cache
def font_file() -> Path:
    """The Noto Sans TTF the package ships (found once)."""
    return Path(fontpkg.path("Noto Sans"))


class _Document(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self._footer = footer
        self.add_font(FAMILY, "", font_file())
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font(FAMILY, size=8)
        self.cell(0, 5, self._footer, align="C")

    def paragraph(self, width: float, height: float, text: str, bold: bool = False) -> None:
        """`text` wrapped in `width`, bold by stroking its outlines when asked."""
        if not bold:
            self.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")
            return
        with self.local_context(text_mode="FILL_STROKE", line_width=BOLD_STROKE):
            self.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font(FAMILY, size=size)
        self.paragraph(WIDTH, size * 0.5, text, bold=True)
        self.ln(1)

    def fact(self, label: str, value: str, mono: bool = False) -> None:
        self.set_font(FAMILY, size=10)
        with self.local_context(text_mode="FILL_STROKE", line_width=BOLD_STROKE):
            self.cell(48, 6, label)
        self.set_font(FAMILY, size=8 if mono else 10)
        self.multi_cell(WIDTH - 48, 6, value, new_x="LMARGIN", new_y="NEXT")

    def text(self, value: str, size: int = 10, mono: bool = False) -> None:  # type: ignore[override]
        self.set_font(FAMILY, size=size - 1 if mono else size)
        self.paragraph(WIDTH, size * 0.5, value)


def render(v: View, t: Translator) -> bytes:
    """The PDF of certificate view `v`, in `t`'s language."""
    cert = v.certificate
    pdf = _Document(t("certificate.pdf_footer", url=v.page_url))
    title = t("certificate.title", agency=v.agency_name, interface=cert.interface)
    pdf.set_title(title)
    pdf.set_author(cert.issuer)
    pdf.add_page()
    pdf.heading(title, 16)
    pdf.text(
        t(
            "certificate.statement",
            agency=v.agency_name,
            interface=v.interface_title,
            version=cert.version,
        )
    )
    pdf.heading(t(v.state_key_text))
    for reason in v.reasons:
        pdf.text(f"- {reason}")
    if v.revocation is not None:
        pdf.fact(t("certificate.revoked_at"), datetime_text(v.revocation.at, t.lang))
        pdf.fact(t("certificate.revoked_by"), v.revocation.actor)
        pdf.fact(t("certificate.revoked_why"), v.revocation.reason)
    pdf.heading(t("certificate.facts"))
    pdf.fact(t("certificate.holder"), f"{v.agency_name} ({cert.agency})")
    pdf.fact(t("certificate.interface"), f"{v.interface_title} ({cert.interface})")
    pdf.fact(t("certificate.version"), cert.version)
    pdf.fact(t("certificate.issuer"), cert.issuer)
    pdf.fact(t("certificate.certifier"), cert.issued_by)
    pdf.fact(t("certificate.issued"), datetime_text(cert.issued, t.lang))
    pdf.fact(t("certificate.valid_until"), date_text(cert.valid_until, t.lang))
    pdf.fact(t("certificate.id"), cert.id, mono=True)
    pdf.fact(t("certificate.run"), cert.run, mono=True)
    pdf.heading(t("certificate.signature_heading"))
    pdf.fact(t("certificate.signature_check"), t(v.signature_key))
    pdf.fact(t("certificate.key"), cert.key_id, mono=True)
    for problem in v.check.problems:
        pdf.text(f"- {problem}")
    pdf.heading(t("certificate.pinned"))
    pdf.fact(t("certificate.suite"), cert.suite_iri, mono=True)
    pdf.fact("SHA-256", cert.suite_sha256, mono=True)
    pdf.text(t("certificate.artefacts"), size=10)
    for sha256 in cert.artefacts:
        pdf.text(sha256, size=8, mono=True)
    pdf.heading(t("certificate.cases"))
    for case in v.cases:
        required = t("certificate.mandatory" if case.mandatory else "certificate.optional")
        pdf.set_font(FAMILY, size=10)
        outcome = t("certificate.outcomes." + case.outcome)
        pdf.paragraph(WIDTH, 5, f"{case.title} ({case.case}, {required}): {outcome}", bold=True)
        if case.summary:
            pdf.text(case.summary, size=9)
    return bytes(pdf.output())
