"""Every format says when the report was made, by which nif and engines, and against which
interface version and its lifecycle."""

from __future__ import annotations

from lxml import etree

from nif.report import Report, render_html, render_junit, render_text
from tests.report.conftest import handmade

LIFECYCLE = {
    "interface": "civreg-birth",
    "version": "1.0.0",
    "message_type": "BirthNotification",
    "status": "Deprecated",
    "end_date": "2025-12-31",
    "successor": "2.0.0",
}


def _report() -> Report:
    report = handmade()
    report.created = "2026-03-01T09:30:00Z"
    report.context = dict(LIFECYCLE)
    return report


def test_text_names_the_version_its_lifecycle_and_what_made_it() -> None:
    lines = render_text(_report()).splitlines()
    assert (
        "  interface civreg-birth 1.0.0, message type BirthNotification (Deprecated, end of life "
        "2025-12-31, successor 2.0.0)"
    ) in lines
    assert "  nif 0.1.0, 2026-03-01T09:30:00Z" in lines
    assert any(line.strip().endswith("ms") and "libxml2 2" in line for line in lines)


def test_text_of_a_report_without_a_registered_version_says_only_what_made_it() -> None:
    report = handmade()
    report.created, report.nif_version = None, None
    text = render_text(report)
    assert "interface" not in text and "nif " not in text


def test_html_lists_the_lifecycle_and_what_made_it() -> None:
    page = etree.fromstring(render_html(_report()).encode(), etree.HTMLParser())
    facts = dict(
        zip(
            [dt.text for dt in page.iterfind(".//dl/dt")],
            [dd.text for dd in page.iterfind(".//dl/dd")],
            strict=True,
        )
    )
    assert facts["Status"] == "Deprecated" and facts["Successor"] == "2.0.0"
    assert facts["End date"] == "2025-12-31"
    assert (facts["Created"], facts["nif version"]) == ("2026-03-01T09:30:00Z", "0.1.0")
    assert "libxml2 2" in render_html(_report())


def test_junit_carries_a_timestamp_and_the_lifecycle_as_properties() -> None:
    suite = etree.fromstring(render_junit(_report()).encode()).find("testsuite")
    assert suite is not None and suite.get("timestamp") == "2026-03-01T09:30:00"
    properties = {p.get("name"): p.get("value") for p in suite.iterfind("properties/property")}
    assert {k: properties[k] for k in LIFECYCLE} == LIFECYCLE
    assert properties["nif_version"] == "0.1.0"
    assert properties["engine.xsd:a.xsd"] == "libxml2 2"
