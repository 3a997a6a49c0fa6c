"""Rule sets cannot act outside the check (issue 11, §1).

A rule set is code an agency writes and anyone can trigger. These reproducers write files with
xsl:result-document and read NIF_STORE_PASSWORD with environment-variable() through the CLI,
a registered rule set and a precompiled stylesheet; each must be refused with the file and line
(422 at submission, exit 2 in the CLI, verdict error for one registered before the check), and
the layers beneath the check (Saxon's configuration, the workers' scrubbed environment) must
hold on their own, with the check bypassed.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import stat
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from nif.cli import cli
from nif.errors import CompileError
from nif.validate import validate
from nif.validate._isolation import private_tmpdir, remove_tmpdir, run_isolated
from nif.validate._profile import Profile
from nif.validate.schematron import check_rule_set, compile_to_xslt, load_schematron
from nif.validate.schematron._step import saxon_processor
from tests.conftest import ROOT
from tests.web.conftest import (  # noqa: F401 (fixtures)
    LiveServer,
    demo_home,
    make_server,
)

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SECRET = "s3cret-store-password-MARKER"
VEHREG = ROOT / "registry" / "interfaces" / "vehreg-registration"
VEHICLE = VEHREG / "examples/1.0.0/VehicleRegistrationRequest/valid-company-van.xml"
MESSAGE = b"<order><id>A-1</id></order>"


def rules(body: str, binding: str = "xslt2", top: str = "") -> str:
    """A Schematron whose rule on the root element reports `body`; `top` goes before it."""
    return (
        f'<schema xmlns="{SCH}" xmlns:xsl="{XSL}" queryBinding="{binding}">\n'
        f"{top}\n"
        '<pattern><rule context="/*">\n'
        f'<report id="R" test="true()">{body}</report>\n'
        "</rule></pattern>\n</schema>\n"
    )


def writing(target: Path) -> str:
    return rules(f'<xsl:result-document href="{target.as_uri()}">pwned</xsl:result-document>')


def reading_env() -> str:
    return rules(
        "<value-of select=\"environment-variable('NIF_STORE_PASSWORD')\"/>", binding="xslt3"
    )


def compile_text(tmp_path: Path, text: str, name: str = "rules.sch") -> str:
    path = tmp_path / name
    path.write_text(text)
    return compile_to_xslt(load_schematron(path))


# --- the reproducers through the CLI ----------------------------------------------------------


def test_result_document_through_the_cli_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "written.pth"
    (tmp_path / "rules.sch").write_text(writing(target))
    (tmp_path / "m.xml").write_bytes(MESSAGE)
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path / "m.xml"), "--schematron", str(tmp_path / "rules.sch")]
    )
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'rules.sch'}, line 4, <xsl:result-document" in result.output
    assert "file:" not in result.output, "the rule file is named by its path"
    assert "writes files" in result.output
    assert not target.exists()


def test_environment_variable_through_the_cli_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rules.sch").write_text(reading_env())
    (tmp_path / "m.xml").write_bytes(MESSAGE)
    result = CliRunner().invoke(
        cli,
        ["validate", str(tmp_path / "m.xml"), "--schematron", str(tmp_path / "rules.sch")],
        env={"NIF_STORE_PASSWORD": SECRET},
    )
    assert result.exit_code == 2, result.output
    assert ">: environment-variable() is not allowed" in result.output
    assert SECRET not in result.output


def test_a_precompiled_stylesheet_that_writes_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    stylesheet = tmp_path / "rules.xsl"
    stylesheet.write_text(
        f'<xsl:stylesheet xmlns:xsl="{XSL}" version="3.0">\n'
        '<xsl:template match="/">\n'
        f'  <xsl:result-document href="{target.as_uri()}">x</xsl:result-document>\n'
        "</xsl:template>\n</xsl:stylesheet>\n"
    )
    with pytest.raises(
        CompileError, match=r"rules.xsl, line 3, <xsl:result-document[^>]*>: xsl:result-document"
    ):
        check_rule_set(load_schematron(stylesheet))
    report = validate(MESSAGE, Profile.from_files(schematron=[stylesheet]))
    assert report.verdict == "error"
    assert "xsl:result-document is not allowed" in (report.steps[-1].error or "")
    (tmp_path / "m.xml").write_bytes(MESSAGE)
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path / "m.xml"), "--schematron", str(stylesheet)]
    )
    assert result.exit_code == 2, result.output
    assert not target.exists()


# --- what the check refuses and allows ---------------------------------------------------------

REFUSED = {
    "saxon extension": (
        rules('<value-of select="saxon:evaluate(\'1\')" xmlns:saxon="http://saxon.sf.net/"/>'),
        "saxon:evaluate() is not allowed",
    ),
    "java call": (
        rules("<value-of select=\"Q{java:java.lang.System}getenv('NIF_STORE_PASSWORD')\"/>"),
        "an extension function in 'java:java.lang.System'",
    ),
    "exsl:document": (
        rules(
            "x",
            "xslt",
            '<xsl:template name="t" xmlns:exsl="http://exslt.org/common" '
            'extension-element-prefixes="exsl"><exsl:document href="/tmp/x">x</exsl:document>'
            "</xsl:template>",
        ),
        "extension instructions",
    ),
    "exsl:node-set is fine but not dyn:evaluate": (
        rules('<value-of select="dyn:evaluate(\'1\')" xmlns:dyn="http://exslt.org/dynamic"/>'),
        "dyn:evaluate()",
    ),
    "environment in a let": (
        rules("x", top='<let name="p" value="available-environment-variables()"/>'),
        "available-environment-variables() is not allowed",
    ),
    "function reference": (
        rules("<value-of select=\"apply(environment-variable#1, ['X'])\"/>", "xslt3"),
        "environment-variable is not allowed",
    ),
    "function lookup": (
        rules(
            "<value-of select=\"function-lookup(xs:QName('fn:environment-variable'), 1)('X')\" "
            'xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
            "xslt3",
        ),
        "function-lookup() is not allowed",
    ),
    "comment between name and bracket": (
        rules("<value-of select=\"environment-variable (: hidden :) ('X')\"/>", "xslt3"),
        "environment-variable() is not allowed",
    ),
    "EQName": (
        rules(
            '<value-of select="Q{http://www.w3.org/2005/xpath-functions}'
            "environment-variable('X')\"/>",
            "xslt3",
        ),
        "}environment-variable() is not allowed",
    ),
    "another prefix for fn": (
        rules(
            "<value-of select=\"f:unparsed-text('/etc/passwd')\" "
            'xmlns:f="http://www.w3.org/2005/xpath-functions"/>'
        ),
        "f:unparsed-text() is not allowed in a rule set (it reads documents",
    ),
    "doc() in a rule context": (
        rules("x").replace('context="/*"', "context=\"*[doc('http://x/')]\""),
        "doc() is not allowed",
    ),
    "java system property": (
        rules("<value-of select=\"system-property('java.version')\"/>"),
        "system-property() may only read a standard xsl: property",
    ),
    "computed system property": (
        rules("<value-of select=\"system-property(concat('xsl:', 'version'))\"/>"),
        "system-property() may only read",
    ),
    "result-document in a declared function": (
        rules(
            "x",
            top='<xsl:function name="f:w" xmlns:f="urn:f"><xsl:result-document href="w">'
            "x</xsl:result-document></xsl:function>",
        ),
        "xsl:result-document is not allowed",
    ),
    "evaluate": (
        rules("<xsl:evaluate xpath=\"'1'\"/>", "xslt3"),
        "xsl:evaluate is not allowed",
    ),
    "output declaration": (
        rules("x", top='<xsl:output method="text"/>'),
        "xsl:output is not allowed at the top of a rule set",
    ),
    "attribute value template": (
        rules(
            "x",
            "xslt3",
            '<xsl:function name="f:a" xmlns:f="urn:f">'
            "<out a=\"{environment-variable('X')}\"/></xsl:function>",
        ),
        "environment-variable() is not allowed",
    ),
    "text value template": (
        rules(
            "x",
            "xslt3",
            '<xsl:function name="f:a" xmlns:f="urn:f" expand-text="yes">'
            "<out>{environment-variable('X')}</out></xsl:function>",
        ),
        "environment-variable() is not allowed",
    ),
    "use-when": (
        rules(
            "x",
            "xslt3",
            '<xsl:variable name="v" select="1" use-when="environment-variable(\'X\')"/>',
        ),
        "environment-variable() is not allowed",
    ),
    "function in a processor namespace": (
        rules(
            "x",
            top='<xsl:function name="saxon:evaluate" xmlns:saxon="http://saxon.sf.net/">'
            '<xsl:param name="x"/><xsl:sequence select="1"/></xsl:function>',
        ),
        "needs a name in a namespace of the rule set's own",
    ),
    "saxon attribute": (
        rules(
            "x",
            top='<xsl:template name="t" saxon:memo-function="yes" '
            'xmlns:saxon="http://saxon.sf.net/"/>',
        ),
        "extension attribute {http://saxon.sf.net/}memo-function",
    ),
    "string template": (
        rules("<value-of select=\"`{environment-variable('X')}`\"/>", "xslt3"),
        "XPath 4.0 string template",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_what_leaves_the_sandbox_is_refused_with_the_line(tmp_path: Path, case: str) -> None:
    text, expected = REFUSED[case]
    with pytest.raises(CompileError, match=r"rules\.sch, line \d+, <[^>]*>: ") as raised:
        compile_text(tmp_path, text)
    assert expected in str(raised.value)


def test_an_included_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "helpers.xsl").write_text(
        f'<xsl:stylesheet xmlns:xsl="{XSL}" version="2.0">\n'
        '<xsl:template name="leak">\n'
        "  <xsl:value-of select=\"environment-variable('X')\"/>\n"
        "</xsl:template>\n</xsl:stylesheet>\n"
    )
    text = rules("x", top='<xsl:include href="helpers.xsl"/>')
    with pytest.raises(
        CompileError, match=r"helpers\.xsl, line 3, <xsl:value-of [^>]*>: environment-variable\(\)"
    ):
        compile_text(tmp_path, text)


def test_braces_in_a_test_are_not_evaluated(tmp_path: Path, monkeypatch) -> None:
    """The test is copied into SVRL as a literal attribute: its braces must not run XPath."""
    monkeypatch.setenv("NIF_STORE_PASSWORD", SECRET)
    path = tmp_path / "rules.sch"
    path.write_text(
        rules("x").replace(
            'test="true()"',
            "test=\"'{environment-variable(&quot;NIF_STORE_PASSWORD&quot;)}' != ''\"",
        )
    )
    report = validate(MESSAGE, Profile.from_files(schematron=[path]))
    assert [f.rule_id for f in report.findings] == ["R"], report.steps[-1].error
    assert SECRET not in (report.steps[-1].svrl or "")
    assert "{environment-variable(" in (report.steps[-1].svrl or "")


def test_what_rules_need_still_compiles(tmp_path: Path) -> None:
    body = (
        '<value-of select="if (true()) then (1) else (2), for $x in (1, 2) return ($x), '
        "f:twice(2), map{'a': 1}?a, function($x) { $x }(3), element-available('xsl:if'), "
        "system-property('xsl:version'), exsl:node-set(.), "
        "replace('abc', '[a-z]{2}', 'x') (: a comment: doc('x') :), 'doc(''x'')'\" "
        'xmlns:exsl="http://exslt.org/common"/>'
        "<xsl:element name=\"{concat('o', 'k')}\">{{literal}}</xsl:element>"
    )
    top = (
        '<xsl:function name="f:twice" xmlns:f="urn:f"><xsl:param name="n"/>'
        '<xsl:sequence select="$n * 2"/></xsl:function><xsl:key name="k" match="*" use="name()"/>'
    )
    text = rules(body, "xslt3", top).replace("<schema ", '<schema xmlns:f="urn:f" ')
    assert "f:twice" in compile_text(tmp_path, text)


def test_every_phase_is_checked_at_submission(tmp_path: Path) -> None:
    text = rules(
        "x",
        top='<phase id="p"><let name="e" value="environment-variable(\'X\')"/></phase>',
    )
    path = tmp_path / "rules.sch"
    path.write_text(text)
    assert compile_to_xslt(load_schematron(path))  # #ALL leaves phase p's let out
    with pytest.raises(CompileError, match="environment-variable"):
        check_rule_set(load_schematron(path))


def test_xsd_assertions_cannot_read_the_environment() -> None:
    """XSD 1.1 assertions run on elementpath's XPath 2.0: no environment or file functions."""
    import xmlschema

    for call in ("environment-variable('X')", "unparsed-text('/etc/passwd')"):
        schema = (
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a">'
            f"<xs:complexType><xs:assert test=\"{call} = ''\"/></xs:complexType></xs:element>"
            "</xs:schema>"
        )
        with pytest.raises(xmlschema.XMLSchemaParseError, match="unknown function"):
            xmlschema.XMLSchema11(schema)


# --- the layers beneath the check, with the check bypassed -------------------------------------


def _saxon_run(stylesheet: str) -> str:
    executable = (
        saxon_processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=stylesheet)
    )
    return executable.transform_to_string(xdm_node=saxon_processor().parse_xml(xml_text="<a/>"))


def test_saxon_does_not_compile_result_document(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    stylesheet = (
        f'<xsl:stylesheet xmlns:xsl="{XSL}" version="3.0"><xsl:template match="/">'
        f'<xsl:result-document href="{target.as_uri()}">x</xsl:result-document><done/>'
        "</xsl:template></xsl:stylesheet>"
    )
    with pytest.raises(Exception, match="result-document is disabled"):
        _saxon_run(stylesheet)
    assert not target.exists()


def test_saxon_answers_no_environment_and_no_java_property(monkeypatch) -> None:
    monkeypatch.setenv("NIF_STORE_PASSWORD", SECRET)
    stylesheet = (
        f'<xsl:stylesheet xmlns:xsl="{XSL}" version="3.0"><xsl:template match="/">'
        "<out e=\"{environment-variable('NIF_STORE_PASSWORD')}\" "
        'n="{count(available-environment-variables())}" '
        "j=\"{system-property('java.version')}\"/></xsl:template></xsl:stylesheet>"
    )
    out = _saxon_run(stylesheet)
    assert 'e="" n="0" j=""' in out


def _report_isolation(conn) -> None:
    from saxonche import PySaxonProcessor

    # a processor of its own, without nif's configuration: only the environment protects it
    processor = PySaxonProcessor(license=False)
    stylesheet = (
        f'<xsl:stylesheet xmlns:xsl="{XSL}" version="3.0"><xsl:template match="/">'
        "<xsl:value-of select=\"environment-variable('NIF_STORE_PASSWORD')\"/>"
        "</xsl:template></xsl:stylesheet>"
    )
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=stylesheet)
    saxon_sees = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text="<a/>"))
    conn.send((dict(os.environ), tempfile.gettempdir(), saxon_sees))


@pytest.mark.slow
def test_a_worker_starts_without_secrets_and_with_a_private_tmpdir(monkeypatch) -> None:
    monkeypatch.setenv("NIF_STORE_PASSWORD", SECRET)
    monkeypatch.setenv("NIF_TOKEN", SECRET)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    tmp = private_tmpdir()
    try:
        process = context.Process(target=run_isolated, args=(tmp, _report_isolation, child))
        process.start()
        assert parent.poll(120)
        environ, tempdir, saxon_sees = parent.recv()
        process.join(30)
        assert stat.S_IMODE(os.stat(tmp).st_mode) == 0o700
    finally:
        remove_tmpdir(tmp)
    assert not os.path.exists(tmp)
    assert SECRET not in str(environ) and SECRET not in saxon_sees
    assert not any(name.startswith("NIF_") for name in environ)
    assert tempdir == tmp and environ["TMPDIR"] == tmp


@pytest.mark.slow
def test_the_service_pool_workers_get_private_tmpdirs(demo_home: Path) -> None:  # noqa: F811
    from nif.settings import Settings
    from nif.web._pool import ValidationPool

    pool = ValidationPool.start(Settings(home=demo_home, validation_workers=1))
    try:
        (worker,) = pool._workers
        folder = worker._tmpdir
        assert folder and stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    finally:
        pool.close()
    assert not os.path.exists(folder)


# --- through the service ----------------------------------------------------------------------


def _bundle(sch: str) -> bytes:
    """The vehreg-registration interface with `sch` as its Schematron."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(VEHREG.rglob("*")):
            if path.is_file():
                name = path.relative_to(VEHREG).as_posix()
                zf.writestr(name, sch if path.suffix == ".sch" else path.read_bytes())
    return buffer.getvalue()


def _submit(live: LiveServer, sch: str) -> httpx.Response:
    with live.client(live.token("admin")) as client:
        return client.put(
            "/api/records/vehreg-registration",
            content=_bundle(sch),
            headers={"Content-Type": "application/zip"},
        )


def _validate(live: LiveServer) -> dict:
    with live.client() as client:
        answer = client.post(
            "/api/validate",
            params={"interface": "vehreg-registration@1.0.0"},
            files={"file": ("van.xml", VEHICLE.read_bytes())},
        )
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.slow
def test_submitting_rules_that_write_or_read_the_environment_is_422(
    make_server: Callable[..., LiveServer],  # noqa: F811
    tmp_path: Path,
) -> None:
    live = make_server(validation_workers=1)
    target = tmp_path / "written.txt"
    for sch, words in ((writing(target), "xsl:result-document"), (reading_env(), "environment")):
        answer = _submit(live, sch)
        assert answer.status_code == 422, answer.text
        message = answer.json()["message"]
        assert "registration.sch, line 4," in message and words in message, message
        assert "staging" not in message and "file:" not in message, message
    assert not target.exists()


@pytest.mark.slow
def test_rules_registered_before_the_check_cannot_write_or_leak(
    make_server: Callable[..., LiveServer],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule set pinned without the checks (as before they existed: the sandbox's check at
    pinning, the submission checks compiling it): the workers refuse it."""
    monkeypatch.setenv("NIF_STORE_PASSWORD", SECRET)
    live = make_server(validation_workers=1, store_password=SECRET)
    monkeypatch.setattr("nif.registry._pinning.check_rule_set", lambda artefacts: None)
    monkeypatch.setattr("nif.registry._registry.check_submission", lambda *args: None)
    target = tmp_path / "written.txt"
    cases = ((writing(target), "xsl:result-document"), (reading_env(), "environment-variable"))
    for sch, words in cases:
        assert _submit(live, sch).status_code == 200
        report = _validate(live)
        assert report["verdict"] == "error"
        assert words in str(report) and "is not allowed" in str(report)
        assert SECRET not in str(report)
    assert not target.exists()
