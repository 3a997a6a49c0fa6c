"""A certificate's state today: certified, expired, revoked, needs re-certification, and badges."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from nif.certify import CertificateState, find_suite
from nif.certify._certificates import get_certificate, revoke
from nif.certify._standing import badge_for, listed_certificates, standing
from nif.registry import Registry
from tests.certify.certified import SUITES, certified, changed_schema, changed_suites

CERTIFIED = CertificateState.CERTIFIED


def test_a_fresh_certificate_is_certified(demo: Registry) -> None:
    cert = certified(demo)
    assert standing(demo.store, demo.settings, cert) == standing(
        demo.store, demo.settings, cert, suite=find_suite("civreg-birth", "2.0.0")
    )
    now = standing(demo.store, demo.settings, cert)
    assert (now.state, now.reasons, now.changes) == (CertificateState.CERTIFIED, (), ())


def test_a_certificate_expires_after_its_validity(demo: Registry) -> None:
    issued = dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC)
    cert = certified(demo, now=issued, valid_days=3)
    assert cert.valid_until.startswith("2020-01-04T12:00:00")
    during = standing(demo.store, demo.settings, cert, now=issued + dt.timedelta(days=2))
    assert during.state is CertificateState.CERTIFIED
    after = standing(demo.store, demo.settings, cert)
    assert after.state is CertificateState.EXPIRED
    assert after.reasons == (f"expired on {cert.valid_until}",)


def test_a_changed_schema_needs_re_certification(demo: Registry, tmp_path: Path) -> None:
    cert = certified(demo)
    changed_schema(demo, tmp_path)
    now = standing(demo.store, demo.settings, cert)
    assert now.state is CertificateState.NEEDS_RECERTIFICATION
    assert (
        now.reasons
        == now.changes
        == (
            "the artefact checksums of civreg-birth@2.0.0 changed since the certificate was "
            "issued: 1 removed, 1 added",
        )
    )


def test_a_changed_suite_needs_re_certification(demo: Registry, tmp_path: Path) -> None:
    cert = certified(demo)
    root = changed_suites(tmp_path)
    edited = find_suite("civreg-birth", "2.0.0", root=root)
    for suite in (root, edited):
        now = standing(demo.store, demo.settings, cert, suite=suite)
        assert now.state is CertificateState.NEEDS_RECERTIFICATION
        (reason,) = now.reasons
        assert reason.startswith("the conformance suite of civreg-birth@2.0.0 changed since")
        assert edited.sha256[:12] in reason
    same = tmp_path / "same"
    shutil.copytree(SUITES, same)
    assert standing(demo.store, demo.settings, cert, suite=same).state is CERTIFIED
    manifest = same / "civreg-birth" / "2.0.0" / "manifest.ttl"
    manifest.write_text(manifest.read_text("utf-8") + "\n# edited in place\n", "utf-8")
    assert standing(demo.store, demo.settings, cert, suite=same).changes  # noticed at once
    gone = standing(demo.store, demo.settings, cert, suite=tmp_path / "empty")
    assert gone.reasons == ("the conformance suite of civreg-birth@2.0.0 no longer exists",)


def test_revoked_comes_before_expired_and_changed(demo: Registry, tmp_path: Path) -> None:
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    cert = certified(demo, now=past, valid_days=1)
    changed_schema(demo, tmp_path)
    now = standing(demo.store, demo.settings, cert)
    assert now.state is CertificateState.EXPIRED
    assert len(now.reasons) == 2 and len(now.changes) == 1
    revoke(demo, cert.id, actor="bob", reason="misused")
    now = standing(demo.store, demo.settings, get_certificate(demo.store, demo.settings, cert.id))
    assert now.state is CertificateState.REVOKED
    assert now.reasons[0].endswith("by bob: misused")
    assert len(now.reasons) == 3


def test_the_badge_shows_the_most_favourable_certificate(demo: Registry) -> None:
    args = (demo.store, demo.settings, "civreg", "civreg-birth", "2.0.0")
    assert badge_for(*args) == (CertificateState.NONE, None)
    old = certified(demo, now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC), valid_days=1)
    assert badge_for(*args) == (CertificateState.EXPIRED, old)
    new = certified(demo)
    assert badge_for(*args) == (CertificateState.CERTIFIED, new)
    revoked = revoke(demo, new.id, actor="bob", reason="misused")
    assert badge_for(*args) == (CertificateState.EXPIRED, old)
    revoke(demo, old.id, actor="bob", reason="misused")
    state, cert = badge_for(*args)
    assert state is CertificateState.REVOKED and cert == revoked  # the newer of two revoked
    assert badge_for(demo.store, demo.settings, "tax", "civreg-birth", "2.0.0")[0] is (
        CertificateState.NONE
    )


def test_listed_certificates_come_with_their_standing(demo: Registry) -> None:
    cert = certified(demo)
    revoke(demo, cert.id, actor="bob", reason="misused")
    listed = listed_certificates(demo.store, demo.settings, interface=cert.interface)
    assert [(c.id, s.state) for c, s in listed] == [(cert.id, CertificateState.REVOKED)]
    assert listed_certificates(demo.store, demo.settings, agency="no-such-agency") == []
