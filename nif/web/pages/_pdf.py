"""A certificate as a PDF, drawn with fpdf2's core fonts (pure Python, no font files).

Core fonts cover Latin-1 only: other characters are folded to their Latin-1 base letters
(NFKD, "Ł" stays "?"), so any agency name or reason renders instead of failing.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from fpdf import FPDF

from nif.web.pages._i18n import Translator

if TYPE_CHECKING:
    from nif.web.pages.certificates import View

MARGIN = 18
WIDTH = 210 - 2 * MARGIN


def fold(text: str) -> str:
    """`text` in Latin-1: kept where it can be, else its NFKD base letters, else "?"."""
    out = []
    for char in text:
        if _latin1(char):
            out.append(char)
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(_latin1(c) for c in base) else "?")
    return "".join(out)


def _latin1(char: str) -> bool:
    return char.isprintable() and ord(char) < 256


def day(value: str) -> str:
    """An ISO date-time as "YYYY-MM-DD HH:MM UTC"."""
    return value[:16].replace("T", " ") + " UTC" if "T" in value else value


class _Document(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self._footer = footer
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font("helvetica", size=8)
        self.cell(0, 5, fold(self._footer), align="C")

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font("helvetica", "B", size)
        self.multi_cell(WIDTH, size * 0.5, fold(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def fact(self, label: str, value: str, mono: bool = False) -> None:
        self.set_font("helvetica", "B", 10)
        self.cell(48, 6, fold(label))
        self.set_font("courier" if mono else "helvetica", size=8 if mono else 10)
        self.multi_cell(WIDTH - 48, 6, fold(value), new_x="LMARGIN", new_y="NEXT")

    def text(self, value: str, size: int = 10, mono: bool = False) -> None:  # type: ignore[override]
        self.set_font("courier" if mono else "helvetica", size=size)
        self.multi_cell(WIDTH, size * 0.5, fold(value), new_x="LMARGIN", new_y="NEXT")


def render(v: View, t: Translator) -> bytes:
    """The PDF of certificate view `v`, in `t`'s language."""
    cert = v.certificate
    pdf = _Document(t("certificate.pdf_footer", url=v.page_url))
    title = t("certificate.title", agency=v.agency_name, interface=cert.interface)
    pdf.set_title(fold(title))
    pdf.set_author(fold(cert.issuer))
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
        pdf.fact(t("certificate.revoked_at"), day(v.revocation.at))
        pdf.fact(t("certificate.revoked_by"), v.revocation.actor)
        pdf.fact(t("certificate.revoked_why"), v.revocation.reason)
    pdf.heading(t("certificate.facts"))
    pdf.fact(t("certificate.holder"), f"{v.agency_name} ({cert.agency})")
    pdf.fact(t("certificate.interface"), f"{v.interface_title} ({cert.interface})")
    pdf.fact(t("certificate.version"), cert.version)
    pdf.fact(t("certificate.issuer"), cert.issuer)
    pdf.fact(t("certificate.certifier"), cert.issued_by)
    pdf.fact(t("certificate.issued"), day(cert.issued))
    pdf.fact(t("certificate.valid_until"), day(cert.valid_until))
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
        pdf.set_font("helvetica", "B", 10)
        line = (
            f"{case.title} ({case.case}, {required}): {t('certificate.outcomes.' + case.outcome)}"
        )
        pdf.multi_cell(WIDTH, 5, fold(line), new_x="LMARGIN", new_y="NEXT")
        if case.summary:
            pdf.text(case.summary, size=9)
    return bytes(pdf.output())
