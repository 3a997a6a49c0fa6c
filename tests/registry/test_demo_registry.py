"""The demo registry loaded into each store: it conforms to the NIF shapes and to the DCAT-AP
3.0.1 DataService shapes, and every example message is detected and gets its verdict."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from nif.registry import Registry
from nif.registry._detect import Detector
from nif.registry._profiles import build_profile
from nif.report import Verdict
from nif.settings import Settings
from nif.store import EmbeddedStore
from nif.validate import validate
from tests.registry.conftest import DEMO

EXAMPLES = sorted(
    p
    for p in (DEMO / "interfaces").glob("*/examples/*/*/*")
    if p.name.startswith(("valid", "invalid"))
)


@pytest.fixture(scope="module", params=["embedded", "virtuoso"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    home = tmp_path_factory.mktemp("demo-home")
    settings = Settings(home=home, actor="demo")
    if request.param == "virtuoso":
        server = request.getfixturevalue("virtuoso")
        server.clear()
        settings = server.settings_for(settings)
        registry = Registry.open(settings, settings.store.url)
    else:
        registry = Registry(EmbeddedStore(home / "store"), settings)
    result = registry.load_folder(DEMO, workers=1)
    assert result.rejected == [], result.report.text()
    yield registry
    registry.close()


def test_the_demo_has_what_the_issue_asks(demo: Registry) -> None:
    kinds = [r.kind for r in demo.records()]
    assert kinds.count("agency") >= 5 and kinds.count("interface") >= 8
    assert len(EXAMPLES) >= 2 * 8


def test_the_demo_conforms_to_its_shapes(demo: Registry) -> None:
    report = demo.check(workers=2)
    assert report.conforms, report.text()
    assert report.violations == []


def test_the_demo_conforms_to_the_dcat_ap_dataservice_shapes(
    demo: Registry, external: Path
) -> None:
    shacl = external / "dcat-ap-3.0.1" / "shacl"
    extra = os.pathsep.join(str(shacl / name) for name in ("shapes.ttl", "range.ttl"))
    strict = Registry(demo.store, demo.settings.replace(extra_shapes=extra))
    report = strict.check(workers=1)
    assert report.conforms, report.text()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: "/".join(p.parts[-5:]))
def test_each_example_is_detected_and_gets_its_verdict(demo: Registry, example: Path) -> None:
    interface, _, version, message_type, name = example.parts[-5:]
    content = example.read_bytes()
    ref = Detector(demo.store, demo.settings).detect(content)
    assert (ref.interface, ref.version, ref.message_type) == (interface, version, message_type)
    report = validate(content, build_profile(demo.store, ref, demo.blobs), settings=demo.settings)
    expected = Verdict.VALID if name.startswith("valid") else Verdict.INVALID
    assert report.verdict == expected, [f.message for f in report.findings]
