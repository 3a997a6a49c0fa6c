"""The service refuses a record whose artefacts do not compile or whose examples do not get
their declared verdict: 422, each failure in the JSON body, nothing stored."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from tests.web.conftest import LiveServer
from tests.web.test_records_api import ADDRESS, BIRTH, REGISTRY, audit, bundle, current, put

MakeServer = Callable[..., LiveServer]
EXAMPLE = "https://registry.nif.example/interface/civreg-birth/2.0.0/BirthNotification/example"


def test_a_refused_check_is_422_with_each_failure(make_server: MakeServer) -> None:
    live = make_server(validation_workers=1)
    declared = (
        "/invalid-missing-mother-id.xml> a dcat:Distribution ;\n"
        '  dct:title "invalid-missing-mother-id.xml" ;'
    )
    lying = [(declared, declared + '\n  nif:expectedRule "NO-SUCH-RULE" ;')]
    with live.client(live.token("publisher", "civreg")) as client:
        before = current(client, BIRTH)
        answer = put(client, BIRTH, bundle(BIRTH, lying), "application/zip")
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "artefacts_refused"
        (failure,) = body["details"]["failures"]
        assert failure["kind"] == "example"
        assert failure["subject"] == f"{EXAMPLE}/invalid-missing-mother-id.xml"
        assert failure["missing_rules"] == ["NO-SUCH-RULE"]
        assert failure["file"].endswith(
            "/examples/2.0.0/BirthNotification/invalid-missing-mother-id.xml"
        )
        assert "NO-SUCH-RULE" in body["message"]
        assert current(client, BIRTH) == before
        refused = audit(live)[0]
        assert refused["outcome"] == "refused" and refused["action"] == "submit"


def zipped(interface: str, path: str, old: bytes, new: bytes) -> bytes:
    """A bundle zip of a demo interface with one of its files edited."""
    root = REGISTRY / "interfaces" / interface
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for file in sorted(root.rglob("*")):
            if file.is_file():
                name = file.relative_to(root).as_posix()
                content = file.read_bytes()
                if name == path:
                    assert old in content
                    content = content.replace(old, new)
                zf.writestr(name, content)
    return buffer.getvalue()


def test_an_artefact_that_does_not_compile_is_422_naming_its_file(
    make_server: MakeServer,
) -> None:
    live = make_server(validation_workers=1)
    schema = "schemas/2.0.0/address-lookup-response.schema.json"
    broken = zipped(ADDRESS, schema, b'"#/$defs/registeredAddress"', b'"#/$defs/nowhere"')
    with live.client(live.token("publisher", "civreg")) as client:
        before = current(client, ADDRESS)
        answer = put(client, ADDRESS, broken, "application/zip")
        assert answer.status_code == 422, answer.text
        failures = answer.json()["details"]["failures"]
        assert [f["kind"] for f in failures] == ["artefact"]
        assert "/$defs/nowhere" in failures[0]["message"]
        assert failures[0]["file"].endswith(schema)
        assert current(client, ADDRESS) == before
