"""Large UBL invoices for the benchmarks: the header of a real EN16931 example, N lines.

The header (parties, delivery, payment, document-level allowance and charge) comes from
`ubl/examples/ubl-tc434-example2.xml`; lines, VAT breakdown and totals are generated and add up
(BR-CO-10/13/14/15/16, BR-S-08/09), so the message is valid against the UBL 2.1 XSD and the
EN16931 rules stay quiet however many lines there are.

    python -m bench._generate 10000 > invoice-10k.xml
"""

from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT.parent / "shared/external/en16931/ubl/examples/ubl-tc434-example2.xml"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CENT = Decimal("0.01")

ITEMS = (
    ("Laptop computer", "JB007", "1234567890128", Decimal("1273.00"), Decimal(25)),
    ('"Advanced computing" book', "JB008", "1234567890135", Decimal("3.96"), Decimal(15)),
    ("Network cable 2 m", "JB011", "1234567890142", Decimal("4.50"), Decimal(25)),
    ("Office chair", "JB012", "1234567890166", Decimal("189.90"), Decimal(25)),
    ('"Computing for dummies" book', "JB009", "1234567890173", Decimal("2.48"), Decimal(15)),
)

LINE = """    <cac:InvoiceLine>
        <cbc:ID>{id}</cbc:ID>
        <cbc:InvoicedQuantity unitCode="EA">{quantity}</cbc:InvoicedQuantity>
        <cbc:LineExtensionAmount currencyID="NOK">{amount}</cbc:LineExtensionAmount>
        <cbc:AccountingCost>BookingCode{id:06d}</cbc:AccountingCost>
        <cac:OrderLineReference>
            <cbc:LineID>{id}</cbc:LineID>
        </cac:OrderLineReference>
        <cac:Item>
            <cbc:Name>{name}</cbc:Name>
            <cac:SellersItemIdentification>
                <cbc:ID>{sku}</cbc:ID>
            </cac:SellersItemIdentification>
            <cac:StandardItemIdentification>
                <cbc:ID schemeID="0088">{gtin}</cbc:ID>
            </cac:StandardItemIdentification>
            <cac:ClassifiedTaxCategory>
                <cbc:ID>S</cbc:ID>
                <cbc:Percent>{rate}</cbc:Percent>
                <cac:TaxScheme>
                    <cbc:ID>VAT</cbc:ID>
                </cac:TaxScheme>
            </cac:ClassifiedTaxCategory>
        </cac:Item>
        <cac:Price>
            <cbc:PriceAmount currencyID="NOK">{price}</cbc:PriceAmount>
            <cbc:BaseQuantity unitCode="EA">1</cbc:BaseQuantity>
        </cac:Price>
    </cac:InvoiceLine>
"""


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, ROUND_HALF_UP))


def _lines(count: int) -> tuple[list[str], dict[Decimal, Decimal]]:
    """The lines as XML text, and the sum of line amounts per VAT rate."""
    lines: list[str] = []
    per_rate: dict[Decimal, Decimal] = {}
    for number in range(1, count + 1):
        name, sku, gtin, price, rate = ITEMS[number % len(ITEMS)]
        quantity = 1 + number % 7
        amount = (price * quantity).quantize(CENT, ROUND_HALF_UP)
        per_rate[rate] = per_rate.get(rate, Decimal(0)) + amount
        lines.append(
            LINE.format(
                id=number,
                quantity=quantity,
                amount=amount,
                name=name.replace('"', "&quot;"),
                sku=sku,
                gtin=gtin,
                rate=rate,
                price=price,
            )
        )
    return lines, per_rate


def _element(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    prefix, _, local = tag.partition(":")
    element = etree.SubElement(parent, f"{{{CAC if prefix == 'cac' else CBC}}}{local}", attrs)
    element.text = text
    return element


def invoice(count: int) -> bytes:
    """A UBL 2.1 invoice with `count` lines whose totals and VAT breakdown add up."""
    root = etree.parse(str(TEMPLATE)).getroot()
    header = {etree.QName(e).localname: e for e in root}
    allowance = charge = Decimal(0)
    for element in root.iterchildren(f"{{{CAC}}}AllowanceCharge"):
        amount = Decimal(element.findtext(f"{{{CBC}}}Amount"))
        is_charge = element.findtext(f"{{{CBC}}}ChargeIndicator").strip() == "true"
        rate = Decimal(element.findtext(f"{{{CAC}}}TaxCategory/{{{CBC}}}Percent"))
        assert rate == 25, "the template's document-level allowance/charge is at 25 %"
        charge, allowance = (
            (charge + amount, allowance) if is_charge else (charge, allowance + amount)
        )
    prepaid = Decimal(header["LegalMonetaryTotal"].findtext(f"{{{CBC}}}PrepaidAmount"))
    for element in root.iterchildren(
        f"{{{CAC}}}TaxTotal", f"{{{CAC}}}LegalMonetaryTotal", f"{{{CAC}}}InvoiceLine"
    ):
        root.remove(element)

    lines, per_rate = _lines(count)
    per_rate[Decimal(25)] = per_rate.get(Decimal(25), Decimal(0)) - allowance + charge
    taxes = {
        rate: (base * rate / 100).quantize(CENT, ROUND_HALF_UP) for rate, base in per_rate.items()
    }
    line_total = sum(per_rate.values()) + allowance - charge
    exclusive = line_total - allowance + charge
    tax = sum(taxes.values())

    tax_total = _element(root, "cac:TaxTotal")
    _element(tax_total, "cbc:TaxAmount", _money(tax), currencyID="NOK")
    for rate in sorted(per_rate):
        subtotal = _element(tax_total, "cac:TaxSubtotal")
        _element(subtotal, "cbc:TaxableAmount", _money(per_rate[rate]), currencyID="NOK")
        _element(subtotal, "cbc:TaxAmount", _money(taxes[rate]), currencyID="NOK")
        category = _element(subtotal, "cac:TaxCategory")
        _element(category, "cbc:ID", "S")
        _element(category, "cbc:Percent", str(rate))
        _element(_element(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    totals = _element(root, "cac:LegalMonetaryTotal")
    for name, value in (
        ("LineExtensionAmount", line_total),
        ("TaxExclusiveAmount", exclusive),
        ("TaxInclusiveAmount", exclusive + tax),
        ("AllowanceTotalAmount", allowance),
        ("ChargeTotalAmount", charge),
        ("PrepaidAmount", prepaid),
        ("PayableAmount", exclusive + tax - prepaid),
    ):
        _element(totals, f"cbc:{name}", _money(value), currencyID="NOK")
    etree.indent(root, space="    ")
    head = etree.tostring(root, encoding="unicode")
    close = head.rindex("</Invoice>")
    text = head[:close] + "".join(lines) + "</Invoice>\n"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text.encode("utf-8")


def main() -> None:
    sys.stdout.buffer.write(invoice(int(sys.argv[1])))


if __name__ == "__main__":
    main()
