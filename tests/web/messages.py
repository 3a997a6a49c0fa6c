"""Messages the service tests generate: a demo company extract as heavy as needed."""

from __future__ import annotations

_ADDRESS = "".join(
    f'<{name} xmlns="urn:nif:demo:busreg:types">{value}</{name}>'
    for name, value in (
        ("Street", "Station Avenue"),
        ("HouseNumber", "44"),
        ("Postcode", "6120"),
        ("Municipality", "Northwick"),
        ("CountryCode", "XE"),
    )
)


def heavy_company_extract(officers: int) -> bytes:
    """A busreg-company 2.0.0 CompanyExtract whose officers all resigned before they were
    appointed: each is a Schematron finding, so checking it takes Saxon seconds (about 1.7 ms
    an officer), and its type is detected from its root."""
    rows = "".join(
        f"<Officer><Name>Officer {i}</Name><Role>director</Role>"
        "<AppointedOn>2020-01-01</AppointedOn><ResignedOn>2019-01-01</ResignedOn></Officer>"
        for i in range(officers)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<CompanyExtract xmlns="urn:nif:demo:busreg:company" version="2.0">'
        "<RegistrationNumber>33451206</RegistrationNumber><Name>Northwick Solar plc</Name>"
        f"<LegalForm>PLC</LegalForm><RegisteredAddress>{_ADDRESS}</RegisteredAddress>"
        f"<Status>active</Status><IncorporatedOn>2015-02-10</IncorporatedOn>{rows}"
        "<ExtractDate>2024-05-02</ExtractDate></CompanyExtract>"
    ).encode()
