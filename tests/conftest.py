"""Shared fixtures: where the third-party standards live, and a fresh compiled-validator cache."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXTERNAL = ROOT.parent / "shared" / "external"
EN16931 = EXTERNAL / "en16931"
UBL_XSD = EXTERNAL / "ubl-2.1" / "xsd"
UBL_INVOICE_XSD = UBL_XSD / "maindoc" / "UBL-Invoice-2.1.xsd"
UBL_CREDITNOTE_XSD = UBL_XSD / "maindoc" / "UBL-CreditNote-2.1.xsd"
CII_XSD = (
    EN16931
    / "cii/schema/d16b-uncoupled/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
)


@pytest.fixture(scope="session")
def external() -> Path:
    """`../shared/external`; the tests need it (CI puts it beside the checkout)."""
    assert EXTERNAL.is_dir(), f"{EXTERNAL} is missing: ../shared must sit beside the checkout"
    return EXTERNAL
