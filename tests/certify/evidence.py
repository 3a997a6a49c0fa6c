"""Evidence sets for the demo suites, built from the demo registry's example messages.

`passing_evidence(suite)` answers each of the suite's requests as a conforming implementation
would (the identifiers the request carries are echoed into the answer) and refuses its invalid
messages; `failing_evidence(suite)` breaks mandatory cases in three ways: a message invalid
against its profile, a valid answer that fails an assertion (suites with consume cases), and an
invalid message accepted.
A suite is named `interface/version` or `interface@version`. Files map paths to bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping

from lxml import etree

from nif.certify import find_suite
from tests.conftest import ROOT

EXAMPLES = ROOT / "registry" / "interfaces"
BIRTH = "urn:nif:demo:civreg:birth:2"
VAT = "urn:nif:demo:tax:vat-return:1"
COMPANY = "urn:nif:demo:busreg:company"
EMPLOYMENT = "urn:nif:demo:socsec:employment:1"
VEHICLE = "urn:nif:demo:vehreg:registration:1"


def _example(interface: str, version: str, message_type: str, name: str) -> bytes:
    return (EXAMPLES / interface / "examples" / version / message_type / name).read_bytes()


def _request(interface: str, version: str, case: str) -> bytes:
    suite = find_suite(interface, version)
    return suite.message(suite.case(case))


def _xml_value(content: bytes, namespace: str, name: str) -> str:
    root = etree.fromstring(content)
    return root.findtext(f"{{{namespace}}}{name}") or ""


def _with_xml(content: bytes, namespace: str, **values: str) -> bytes:
    """`content` with the text of the root's child elements `values` names replaced."""
    root = etree.fromstring(content)
    for name, value in values.items():
        element = root.find(f"{{{namespace}}}{name}")
        assert element is not None, name
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _with_json(content: bytes, **values: str) -> bytes:
    document = json.loads(content)
    document.update(values)
    return json.dumps(document, indent=2).encode()


def _split(suite: str) -> tuple[str, str]:
    interface, _, version = suite.replace("@", "/").partition("/")
    return interface, version


def birth_registration(notification: bytes, child_id: str = "240314001") -> bytes:
    """The registration a conforming civil registry answers `notification` with."""
    template = _example("civreg-birth", "2.0.0", "BirthRegistration", "valid-registered.xml")
    echoed = _xml_value(notification, BIRTH, "NotificationID")
    return _with_xml(template, BIRTH, NotificationID=echoed, ChildPersonalID=child_id)


def vat_receipt(vat_return: bytes) -> bytes:
    """The receipt a conforming tax administration answers a valid `vat_return` with."""
    template = _example("tax-vat-return", "1.0.0", "VatReturnReceipt", "valid-accepted.xml")
    return _with_xml(template, VAT, ReturnID=_xml_value(vat_return, VAT, "ReturnID"))


def address_response(request: bytes) -> bytes:
    """The response a conforming address register answers `request` with."""
    template = _example(
        "civreg-address", "1.0.0", "AddressLookupResponse", "valid-residence-and-postal.json"
    )
    asked = json.loads(request)
    return _with_json(template, requestId=asked["requestId"], personalId=asked["personalId"])


def company_extract(request: bytes) -> bytes:
    """The extract a conforming business register answers `request` with: the register's
    record of the company asked about (the demo knows an active and a dissolved one)."""
    number = _xml_value(request, COMPANY, "RegistrationNumber")
    name = "valid-dissolved-company.xml" if number == "61234591" else "valid-active-company.xml"
    template = _example("busreg-company", "2.0.0", "CompanyExtract", name)
    return _with_xml(template, COMPANY, RegistrationNumber=number)


def employment_ack(declaration: bytes, rejected: Mapping[int, str] | None = None) -> bytes:
    """The acknowledgement a conforming social security institution writes for the batch
    `declaration`: `rejected` maps the entries it rejects (1-based) to the rule broken."""
    template = _example(
        "socsec-employment", "1.0.0", "EmploymentDeclarationAck", "valid-all-accepted.xml"
    )
    rejected = rejected or {}
    entries = etree.fromstring(declaration).findall(f"{{{EMPLOYMENT}}}Employment")
    content = _with_xml(
        template,
        EMPLOYMENT,
        BatchID=_xml_value(declaration, EMPLOYMENT, "BatchID"),
        Accepted=str(len(entries) - len(rejected)),
        Rejected=str(len(rejected)),
    )
    root = etree.fromstring(content)
    for entry, code in sorted(rejected.items()):
        rejection = etree.SubElement(root, f"{{{EMPLOYMENT}}}Rejection", entry=str(entry))
        person = entries[entry - 1].findtext(f"{{{EMPLOYMENT}}}PersonalID")
        etree.SubElement(rejection, f"{{{EMPLOYMENT}}}PersonalID").text = person
        reason = etree.SubElement(rejection, f"{{{EMPLOYMENT}}}Reason", code=code)
        reason.text = f"The entry breaks rule {code}."
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def vehicle_registration(request: bytes, plate: str = "KTR-418") -> bytes:
    """The response a conforming vehicle register answers a valid `request` with."""
    template = _example(
        "vehreg-registration", "1.0.0", "VehicleRegistrationResponse", "valid-registered.xml"
    )
    echoed = _xml_value(request, VEHICLE, "RequestID")
    return _with_xml(template, VEHICLE, RequestID=echoed, PlateNumber=plate)


def vehicle_refusal(request: bytes) -> bytes:
    """The response a vehicle register refuses `request` with."""
    template = _example(
        "vehreg-registration", "1.0.0", "VehicleRegistrationResponse", "valid-refused.xml"
    )
    echoed = _xml_value(request, VEHICLE, "RequestID")
    return _with_xml(
        template,
        VEHICLE,
        RequestID=echoed,
        RefusalReason="The request breaks the registration rules.",
    )


def passing_evidence(suite: str) -> dict[str, bytes]:
    """Evidence on which every case of the suite passes."""
    interface, version = _split(suite)
    if interface == "civreg-birth":
        notification = _request(interface, version, "consume-newborn")
        return {
            "produce-registration.xml": birth_registration(notification, "240314002"),
            "answers/consume-newborn.xml": birth_registration(notification),
            "reject-missing-mother-id.status": b"422\n",
            "reject-mother-born-after-child.status": b"422",
        }
    if interface == "tax-vat-return":
        rejected = _example(interface, version, "VatReturnReceipt", "valid-rejected.xml")
        return {
            "produce-receipt.xml": vat_receipt(_request(interface, version, "consume-monthly")),
            "consume-monthly.xml": vat_receipt(_request(interface, version, "consume-monthly")),
            "consume-quarterly-refund.xml": vat_receipt(
                _request(interface, version, "consume-quarterly-refund")
            ),
            "reject-total-not-sum-of-lines.xml": rejected,
            "reject-unknown-rate.status": b"400",
        }
    if interface == "civreg-address":
        answer = address_response(_request(interface, version, "consume-tax-assessment"))
        return {
            "produce-response.json": answer,
            "consume-tax-assessment.json": answer,
            "reject-short-personal-id.status": b"400",
            "reject-unknown-purpose.status": b"403",
        }
    if interface == "busreg-company":
        active = company_extract(_request(interface, version, "consume-active-company"))
        return {
            "produce-extract.xml": active,
            "consume-active-company.xml": active,
            "consume-dissolved-company.xml": company_extract(
                _request(interface, version, "consume-dissolved-company")
            ),
            "reject-check-digit.status": b"400",
            "reject-seven-digits.status": b"422",
        }
    if interface == "socsec-employment":
        monthly = employment_ack(_request(interface, version, "consume-monthly-batch"))
        return {
            "produce-ack.xml": monthly,
            "consume-monthly-batch.xml": monthly,
            "consume-long-hours.xml": employment_ack(
                _request(interface, version, "consume-long-hours")
            ),
            "reject-end-before-start.xml": employment_ack(
                _request(interface, version, "reject-end-before-start"), {1: "EMP-03"}
            ),
            "reject-batch-of-another-employer.xml": employment_ack(
                _request(interface, version, "reject-batch-of-another-employer"), {1: "EMP-01"}
            ),
        }
    if interface == "tax-income-statement":
        return {
            "produce-statement.json": _example(
                interface, version, "IncomeStatement", "valid-permanent-with-car.json"
            ),
            "produce-seasonal.json": _example(
                interface, version, "IncomeStatement", "valid-seasonal.json"
            ),
            "reject-fractions-of-cents.status": b"422",
            "reject-bad-employer-vat-number.status": b"400",
            "reject-seasonal-without-end.status": b"422",
        }
    if interface == "vehreg-inspection":
        return {
            "produce-pass.json": _example(
                interface, version, "InspectionResult", "valid-pass.json"
            ),
            "produce-major-defects.json": _example(
                interface, version, "InspectionResult", "valid-major-defects.json"
            ),
            "reject-pass-without-due-date.status": b"422",
            "reject-major-without-defects.status": b"422",
            "reject-defect-code.status": b"400",
        }
    if interface == "vehreg-registration":
        electric = vehicle_registration(_request(interface, version, "consume-electric-car"))
        return {
            "produce-response.xml": electric,
            "consume-electric-car.xml": electric,
            "consume-company-van.xml": vehicle_registration(
                _request(interface, version, "consume-company-van"), "BNV-073"
            ),
            "reject-registered-before-made.xml": vehicle_refusal(
                _request(interface, version, "reject-registered-before-made")
            ),
            "reject-vin-with-letter-o.status": b"400",
            "reject-electric-with-emissions.status": b"422",
        }
    raise ValueError(f"no evidence for the suite {suite}")


def failing_evidence(suite: str) -> dict[str, bytes]:
    """Evidence on which mandatory cases fail: an invalid message (produce), an answer
    that breaks an assertion (consume), an invalid message accepted (reject); one optional
    case has no evidence."""
    interface, version = _split(suite)
    if interface == "civreg-birth":
        notification = _request(interface, version, "consume-newborn")
        invalid = _example(interface, version, "BirthRegistration", "invalid-registration-year.xml")
        wrong = _with_xml(birth_registration(notification), BIRTH, NotificationID="BN-2024-999999")
        return {
            "produce-registration.xml": invalid,
            "consume-newborn.xml": wrong,
            "reject-missing-mother-id.status": b"200",
        }
    if interface == "tax-vat-return":
        monthly = vat_receipt(_request(interface, version, "consume-monthly"))
        invalid = _example(interface, version, "VatReturnReceipt", "invalid-unknown-status.xml")
        return {
            "produce-receipt.xml": invalid,
            "consume-monthly.xml": _with_xml(monthly, VAT, ReturnID="VR-2024-04-999999"),
            "reject-total-not-sum-of-lines.status": b"200",
        }
    if interface == "civreg-address":
        answer = address_response(_request(interface, version, "consume-tax-assessment"))
        invalid = _example(interface, version, "AddressLookupResponse", "invalid-bad-postcode.json")
        return {
            "produce-response.json": invalid,
            "consume-tax-assessment.json": _with_json(answer, personalId="850412346"),
            "reject-short-personal-id.status": b"200",
        }
    if interface == "busreg-company":
        dissolved = company_extract(_request(interface, version, "consume-dissolved-company"))
        invalid = _example(
            interface, version, "CompanyExtract", "invalid-no-director-in-office.xml"
        )
        return {
            "produce-extract.xml": invalid,
            "consume-active-company.xml": dissolved,  # the extract of another company
            "reject-check-digit.status": b"200",
        }
    if interface == "socsec-employment":
        monthly = employment_ack(_request(interface, version, "consume-monthly-batch"))
        invalid = _example(
            interface, version, "EmploymentDeclarationAck", "invalid-rejection-count.xml"
        )
        return {
            "produce-ack.xml": invalid,
            "consume-monthly-batch.xml": _with_xml(
                monthly, EMPLOYMENT, BatchID="EMP0042117-2024-04-30-01"
            ),
            "reject-end-before-start.status": b"200",
        }
    if interface == "tax-income-statement":
        invalid = _example(
            interface, version, "IncomeStatement", "invalid-seasonal-without-end.json"
        )
        return {
            "produce-statement.json": invalid,
            "reject-fractions-of-cents.status": b"200",
            "reject-bad-employer-vat-number.status": b"200",
        }
    if interface == "vehreg-inspection":
        invalid = _example(
            interface, version, "InspectionResult", "invalid-pass-without-due-date.json"
        )
        return {
            "produce-pass.json": invalid,
            "reject-pass-without-due-date.status": b"200",
        }
    if interface == "vehreg-registration":
        electric = _request(interface, version, "consume-electric-car")
        invalid = _example(
            interface,
            version,
            "VehicleRegistrationResponse",
            "invalid-registered-without-plate.xml",
        )
        return {
            "produce-response.xml": invalid,
            "consume-electric-car.xml": vehicle_refusal(electric),  # a valid request refused
            "reject-registered-before-made.status": b"200",
        }
    raise ValueError(f"no evidence for the suite {suite}")


def zip_of(files: Mapping[str, bytes]) -> bytes:
    """The files as a zip archive, as an agency would upload them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(path, content)
    return buffer.getvalue()
