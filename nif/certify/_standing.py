"""What a certificate is worth today: certified, expired, revoked, needing re-certification, or
nothing at all when its signature does not verify.

A certificate counts only on its signature: when the registry's key does not verify it, nothing
it states (dates, holder, hashes) is trusted and its state is `signature invalid`, whatever else
holds. Every caller (badges, lists, pages, the API, `verify`) gets the state from here.

A certificate pins the suite and artefact checksums it was judged on. When the registry
re-pins the version's artefacts with other hashes, or the suite changes, the judgement no
longer covers what the interface is now: the certificate needs re-certification (a new run).
Precedence: signature invalid > revoked > expired > needs re-certification > certified.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from nif.certify._certificates import artefact_change, find_certificates, parse_time
from nif.certify._manifest import NAME, find_suite, suites_folder
from nif.certify._model import Certificate, CertificateState
from nif.certify._suite import Suite
from nif.errors import NotFoundError
from nif.registry import version_checksums
from nif.settings import Settings
from nif.store import Store

_RANK = {
    CertificateState.CERTIFIED: 0,
    CertificateState.NEEDS_RECERTIFICATION: 1,
    CertificateState.EXPIRED: 2,
    CertificateState.REVOKED: 3,
    CertificateState.SIGNATURE_INVALID: 4,
}


@dataclasses.dataclass(frozen=True)
class Standing:
    """The state of a certificate and every reason it is not simply certified (most serious
    first); no reasons when it is certified. `changes` are the reasons that say how the suite or
    the artefacts changed since issue (empty: the pinned hashes are still current). `notes`
    say what was found and did not count (a revocation whose signature does not verify)."""

    state: CertificateState
    reasons: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "state": str(self.state),
            "reasons": list(self.reasons),
            "changes": list(self.changes),
            "notes": list(self.notes),
        }


def standing(
    store: Store,
    settings: Settings,
    cert: Certificate,
    now: dt.datetime | None = None,
    suite: Suite | Path | None = None,
) -> Standing:
    """`cert`'s state at `now` (default: the current time), with the reasons.

    `suite` is what the pinned suite checksum is compared with: a loaded `Suite`, a folder of
    suites (`conformance/`-like, searched with `find_suite(..., root=suite)`), or None for the
    suites shipped with nif.
    """
    if not cert.signature.ok:
        reason = f"signature {cert.signature.status}: {cert.signature.message}"
        return Standing(CertificateState.SIGNATURE_INVALID, (reason,))
    moment = now or dt.datetime.now(dt.UTC)
    notes = (cert.ignored_revocation,) if cert.ignored_revocation else ()
    found: list[tuple[CertificateState, str]] = []
    if cert.revocation is not None:
        found.append(
            (
                CertificateState.REVOKED,
                f"revoked on {cert.revocation.at} by {cert.revocation.actor}: "
                f"{cert.revocation.reason}",
            )
        )
    if parse_time(cert.valid_until) <= moment:
        found.append((CertificateState.EXPIRED, f"expired on {cert.valid_until}"))
    changes = tuple(_changes(store, settings, cert, suite))
    found.extend((CertificateState.NEEDS_RECERTIFICATION, reason) for reason in changes)
    if not found:
        return Standing(CertificateState.CERTIFIED, notes=notes)
    state = max((s for s, _ in found), key=_RANK.__getitem__)
    return Standing(state, tuple(reason for _, reason in found), changes, notes)


def listed_certificates(
    store: Store,
    settings: Settings,
    *,
    agency: str | None = None,
    interface: str | None = None,
    version: str | None = None,
) -> list[tuple[Certificate, Standing]]:
    """The stored certificates (`find_certificates`, newest first), each with its standing
    today: what a list of certificates shows."""
    found = find_certificates(store, settings, agency=agency, interface=interface, version=version)
    return [(cert, standing(store, settings, cert)) for cert in found]


def _changes(
    store: Store, settings: Settings, cert: Certificate, suite: Suite | Path | None
) -> list[str]:
    """Why the certificate's pinned hashes no longer describe the version (empty: they do)."""
    what = f"{cert.interface}@{cert.version}"
    changes = []
    try:
        if isinstance(suite, Suite):
            current = suite.sha256
        else:
            current = suite_sha256(cert.interface, cert.version, suite, settings)
    except NotFoundError:
        changes.append(f"the conformance suite of {what} no longer exists")
    else:
        if current != cert.suite_sha256:
            changes.append(
                f"the conformance suite of {what} changed since the certificate was issued "
                f"(issued on {cert.suite_sha256[:12]}, now {current[:12]})"
            )
    artefacts = version_checksums(store, cert.version_iri)
    if set(artefacts) != set(cert.artefacts):
        changes.append(
            f"the artefact checksums of {what} changed since the certificate was issued: "
            f"{artefact_change(cert.artefacts, artefacts)}"
        )
    return changes


def suite_sha256(interface: str, version: str, root: Path | None, settings: Settings) -> str:
    """The sha256 of the suite `find_suite` loads, remembered while none of the suite folder's
    files changes (size and modification time): pages list many certificates."""
    if not all(NAME.fullmatch(n) and ".." not in n for n in (interface, version)):
        return find_suite(interface, version, root=root, settings=settings).sha256  # refused
    folder = (root or suites_folder()) / interface / version
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError:
        stamp = ()
    key = (str(folder), settings.registry.base_iri)
    known = _SHAS.get(key)
    if known is not None and stamp and known[0] == stamp:
        return known[1]
    sha = find_suite(interface, version, root=root, settings=settings).sha256
    if len(_SHAS) > 256:
        _SHAS.clear()
    _SHAS[key] = (stamp, sha)
    return sha


_SHAS: dict[tuple[str, str], tuple[tuple[tuple[str, int, int], ...], str]] = {}


def badge_for(
    store: Store,
    settings: Settings,
    agency: str,
    interface: str,
    version: str,
    now: dt.datetime | None = None,
    suite: Suite | Path | None = None,
) -> tuple[CertificateState, Certificate | None]:
    """The most favourable state among the agency's certificates for the version (the newest
    among equals), and that certificate; `none` and None when it holds none."""
    best: tuple[int, CertificateState, Certificate] | None = None
    for cert in find_certificates(
        store, settings, agency=agency, interface=interface, version=version
    ):
        state = standing(store, settings, cert, now, suite).state
        if best is None or _RANK[state] < best[0]:  # newest first: ties keep the newer
            best = (_RANK[state], state, cert)
    if best is None:
        return CertificateState.NONE, None
    return best[1], best[2]
