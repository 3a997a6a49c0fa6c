"""The certificate PDF draws every character as written: Noto Sans embedded, nothing folded.

Read back with pypdf: the French statement ("met en œuvre", "Valable jusqu\u2019au"), a Polish
place name in the revocation reason, German dates; and the only font in the file is the
embedded Noto Sans subset (no core font, which would cover Latin-1 only).
"""

from __future__ import annotations

import datetime as dt
import io

import httpx
import pypdf
from babel.dates import format_date

from tests.web.test_certificate_pages import REASON, Issued, client, issued, pdf_text
from tests.web.test_pages import t

__all__ = ["client", "issued"]  # the fixtures this module borrows


def _fonts(content: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            descendants = font.get("/DescendantFonts")
            if descendants:
                descriptor = descendants[0].get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor, "the font is embedded"
    return names


def test_french_pdf_keeps_oe_and_typographic_apostrophes(
    client: httpx.Client, issued: Issued
) -> None:
    cert = issued.valid
    answer = client.get(f"/certificates/{cert.id}.pdf", headers={"Accept-Language": "fr"})
    assert answer.status_code == 200
    text = pdf_text(answer)
    assert "met en œuvre" in text
    assert "Valable jusqu\u2019au" in text
    assert t("fr", "certificate.state.certified") in text
    until = dt.date.fromisoformat(cert.valid_until[:10])
    assert format_date(until, format="long", locale="fr") in text  # "12 mars 2027"


def test_polish_letters_in_a_reason_are_drawn_as_written(
    client: httpx.Client, issued: Issued
) -> None:
    answer = client.get(f"/certificates/{issued.revoked.id}.pdf", headers={"Accept-Language": "de"})
    text = pdf_text(answer)
    assert REASON in text and "Łódź" in text
    assert "?" not in text.replace(f"{issued.revoked.id}", "")  # nothing folded to "?"
    assert t("de", "certificate.state.revoked") in text
    at = dt.datetime.fromisoformat(issued.revoked.revocation.at.replace("Z", "+00:00"))
    assert format_date(at, format="long", locale="de") in text  # "7. Dezember 2026"


def test_the_only_font_is_the_embedded_noto_sans(client: httpx.Client, issued: Issued) -> None:
    content = client.get(f"/certificates/{issued.stale.id}.pdf").content
    fonts = _fonts(content)
    assert fonts and all("NotoSans" in name for name in fonts), fonts
