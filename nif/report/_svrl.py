"""The SVRL of a report's Schematron steps, as one document."""

from __future__ import annotations

from lxml import etree

from nif.report._display import with_provenance, xml_comment
from nif.report._model import Report, StepResult

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_SVRL_HEAD = {f"{{{SVRL_NS}}}text", f"{{{SVRL_NS}}}ns-prefix-in-attribute-values"}


def render_svrl(report: Report) -> str:
    """The SVRL of the report's Schematron steps, as one document.

    Before the root, a comment says what made the report, when, and against which version.
    With one Schematron step this is its SVRL otherwise unchanged. With several, their outputs
    are merged into one `svrl:schematron-output`: its attributes come from the first step,
    the `svrl:text` and `svrl:ns-prefix-in-attribute-values` children of all steps come first
    (namespace declarations once each), then each step's patterns and results in step order,
    each run introduced by a comment naming the step. Steps that did not run are named in a
    comment too. Raises ValueError when no Schematron step produced SVRL.
    """
    steps = [s for s in report.steps if s.kind == "schematron"]
    produced = [s for s in steps if s.svrl]
    if not produced:
        reasons = "; ".join(f"{s.name}: {s.error or s.status}" for s in steps)
        raise ValueError(
            f"{report.source}: no Schematron step produced SVRL"
            + (f" ({reasons})" if reasons else " (the profile has no Schematron step)")
        )
    if len(steps) == 1:
        return with_provenance(produced[0].svrl or "", report)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    outputs = [(s, etree.fromstring(s.svrl.encode("utf-8"), parser)) for s in produced if s.svrl]
    first = outputs[0][1]
    nsmap: dict[str | None, str] = {}
    for _, output in outputs:
        for prefix, uri in output.nsmap.items():
            nsmap.setdefault(prefix, uri)
    merged = etree.Element(first.tag, dict(first.attrib), nsmap=nsmap)
    seen: set[tuple[str | None, str | None]] = set()
    bodies: list[etree._Element] = []
    for step, output in outputs:
        bodies.append(etree.Comment(xml_comment(f"nif step {step.name}" + _phase(step))))
        for child in output:
            if child.tag == f"{{{SVRL_NS}}}ns-prefix-in-attribute-values":
                key = (child.get("prefix"), child.get("uri"))
                if key not in seen:
                    seen.add(key)
                    merged.append(child)
            elif child.tag in _SVRL_HEAD:
                merged.append(child)
            else:
                bodies.append(child)
    for step in steps:
        if not step.svrl:
            reason = step.error or str(step.status)
            bodies.append(
                etree.Comment(xml_comment(f"nif step {step.name} gave no SVRL: {reason}"))
            )
    merged.extend(bodies)
    text: str = etree.tostring(merged, encoding="unicode", pretty_print=False)
    return with_provenance(text, report)


def _phase(step: StepResult) -> str:
    return f" (phase {step.phase})" if step.phase else ""
