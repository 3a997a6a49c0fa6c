"""KoSIT configurations over EN 16931, built once per test session in a tmp folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EN16931
from tests.kosit_config import ScenarioSpec, build_config

UBL_INVOICE = EN16931 / "ubl/examples/ubl-tc434-example1.xml"
UBL_CREDIT_NOTE = EN16931 / "ubl/examples/ubl-tc434-creditnote1.xml"
CII_INVOICE = EN16931 / "cii/examples/CII_business_example_01.xml"
RELEVELLED = "BR-CL-01"
"""The rule a bad invoice type code breaks (fatal in EN 16931), re-levelled to a warning."""


def bad_type_code() -> bytes:
    """A UBL invoice, valid against the XSD, that breaks only BR-CL-01 (type code 999)."""
    content = UBL_INVOICE.read_bytes()
    changed = content.replace(b"<cbc:InvoiceTypeCode>380<", b"<cbc:InvoiceTypeCode>999<")
    assert changed != content
    return changed


def no_issue_date() -> bytes:
    """A UBL invoice the XSD refuses (no IssueDate)."""
    content = UBL_INVOICE.read_bytes()
    start = content.index(b"<cbc:IssueDate>")
    end = content.index(b"</cbc:IssueDate>") + len(b"</cbc:IssueDate>")
    return content[:start] + content[end:]


@pytest.fixture(scope="session")
def configs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kosit")


@pytest.fixture(scope="session")
def en16931_config(configs: Path) -> Path:
    """UBL invoice, UBL credit note and CII scenarios, no re-levelling, default acceptance."""
    return build_config(configs / "plain")


@pytest.fixture(scope="session")
def relevelled_config(configs: Path) -> Path:
    """BR-CL-01 re-levelled to a warning, default acceptance."""
    return build_config(
        configs / "relevelled",
        scenarios=[ScenarioSpec("UBL", "ubl")],
        custom_levels={RELEVELLED: "warning"},
    )


@pytest.fixture(scope="session")
def strict_config(configs: Path) -> Path:
    """BR-CL-01 re-levelled to a warning, and an acceptMatch that rejects when it fires."""
    return build_config(
        configs / "strict",
        scenarios=[ScenarioSpec("UBL", "ubl")],
        custom_levels={RELEVELLED: "warning"},
        accept_match=(
            f"/rep:report/rep:assessment/rep:accept and not(//rep:message[@code = '{RELEVELLED}'])"
        ),
    )


@pytest.fixture(scope="session")
def zipped_config(configs: Path) -> Path:
    return build_config(configs / "zipped", as_zip=True)
