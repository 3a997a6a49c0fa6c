"""The thread's reused message parser: nothing of one parse reaches the next."""

from __future__ import annotations

import threading

from nif.validate import ParsedXml, parse_xml
from nif.validate._xml import _recorded_parse


def _parse(content: bytes, internal_subset: bool = False) -> ParsedXml:
    return parse_xml(content, max_bytes=1_000_000, max_depth=256, internal_subset=internal_subset)


def test_a_malformed_message_leaves_nothing_for_the_next():
    bad = _parse(b"<a>\n<b></a>")
    good = _parse(b"<a><b/></a>")
    again = _parse(b"<a>\n<b></a>")
    assert bad.tree is None and good.tree is not None and not good.findings
    assert [(f.rule_id, f.message, f.location.line) for f in again.findings] == [
        (f.rule_id, f.message, f.location.line) for f in bad.findings
    ]
    assert bad.findings[0].location.line == 2


def test_an_external_entity_refused_once_is_not_remembered():
    schema = b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    refused = _parse(schema, internal_subset=True)
    assert refused.tree is None
    assert refused.findings[0].rule_id == "xml.external-entity"
    clean = _parse(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', internal_subset=True)
    assert clean.findings == [] and clean.tree is not None
    assert clean.tree.getroot().text == "x"


def test_the_refused_list_handed_back_is_a_copy():
    _, refused = _recorded_parse(b"<a/>", None)
    refused.append("file:///etc/passwd")
    assert _recorded_parse(b"<a/>", None)[1] == []


def test_each_thread_parses_with_its_own_parser():
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for round_ in range(200):
                content = f"<m{index}><r>{round_}</r></m{index}>".encode()
                parsed = _parse(content)
                assert parsed.tree is not None
                assert parsed.tree.getroot().tag == f"m{index}"
                assert parsed.tree.getroot()[0].text == str(round_)
                broken = _parse(content[:-3])
                assert broken.tree is None and broken.findings[0].rule_id == "xml.malformed"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
