"""The HTML page of reports, rendered from the package's Jinja2 template: everything escaped."""

from __future__ import annotations

from lxml import html

from nif.report import Finding, Location, Report, Severity, StepResult, render_html
from tests.report.conftest import handmade


def page(text: str) -> html.HtmlElement:
    assert text.startswith("<!DOCTYPE html>\n") and text.endswith("</html>\n")
    return html.document_fromstring(text)


def test_one_report_shows_its_facts_steps_and_findings(report: Report) -> None:
    root = page(render_html(report))
    assert root.findtext("head/title") == "nif report: invalid - bad-invoice.xml"
    heading = root.find(".//main/section/h1")
    assert heading.get("id") == "report-1"
    assert heading.text_content() == "INVALID bad-invoice.xml"
    assert heading.find("span").get("class") == "verdict invalid"
    facts = dict(zip(root.xpath("//dt/text()"), root.xpath("//dd/text()"), strict=True))
    assert facts["SHA-256"] == report.sha256
    assert facts["Size"] == f"{report.size:,} bytes"
    assert [h.text for h in root.findall(".//section/h2")] == [
        f"{s.name}{' (phase ' + s.phase + ')' if s.phase else ''}: " for s in report.steps
    ]
    row = next(r for r in root.xpath("//tbody/tr") if r.xpath("td[2]/code/text()") == ["BR-CO-15"])
    fatal = next(f for f in report.findings if f.rule_id == "BR-CO-15")
    cells = [c.text_content() for c in row.findall("td")]
    assert cells[0] == "fatal" and row.find("td").get("class") == "fatal"
    assert cells[2] == str(fatal.location.line) + (
        f":{fatal.location.column}" if fatal.location.column is not None else ""
    )
    assert cells[3] == fatal.location.xpath and cells[4] == fatal.message


def test_several_reports_get_a_summary_and_a_section_each(report: Report) -> None:
    root = page(render_html([handmade("first.xml"), report]))
    assert root.findtext(".//main/h1") == "nif reports: 2 messages"
    assert root.findtext(".//main/p") == "0 valid, 1 invalid, 1 error"
    sections = root.findall(".//main/section")
    assert [s.find("h2").get("id") for s in sections] == ["report-1", "report-2"]
    assert [s.find("h2").text_content() for s in sections] == [
        "ERROR first.xml",
        "INVALID bad-invoice.xml",
    ]
    assert sections[0].find("h3") is not None, "steps one level below their report"


def test_steps_show_their_status_problem_and_cut_findings() -> None:
    report = handmade()
    report.context = {"interface_version": "1.0.0"}
    report.steps[1].findings_omitted = 1
    root = page(render_html(report))
    facts = dict(zip(root.xpath("//dt/text()"), root.xpath("//dd/text()"), strict=True))
    assert facts["Interface version"] == "1.0.0"
    statuses = [h.findtext("span") for h in root.findall(".//section/h2")]
    assert statuses == ["passed", "failed", "error", "skipped", "passed"]
    problems = root.xpath("//p[@class='problem']/text()")
    assert "the rules do not compile: line 3" in problems
    assert "1 more finding not shown (the report keeps max_findings_per_step per step)" in problems
    assert root.xpath("//td[@class='sev-error']/text()") == ["error"]


def test_html_escapes_what_the_message_and_the_rules_control() -> None:
    hostile = '<script>alert("x")</script>'
    report = handmade(hostile)
    report.context = {"message_type": hostile}
    report.findings = [Finding(Severity.ERROR, hostile, hostile, hostile, Location(xpath=hostile))]
    report.steps = [StepResult(hostile, "xsd", hostile, "1", error=hostile)]
    text = render_html(report)
    assert "<script" not in text
    root = page(text)
    assert root.find(".//section/h1").text_content() == f"ERROR {hostile}"
    assert root.findtext(".//tbody/tr/td[5]") == hostile
