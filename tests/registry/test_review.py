"""The review step: a new version or a move to Completed is proposed, not stored, until a
reviewer accepts it; rejecting needs a comment; a stale proposal cannot be accepted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from nif.errors import NotFoundError, ReviewError, UsageError
from nif.registry import (
    DCAT,
    ProposalState,
    Registry,
    proposal_details,
    scaffold_version,
)
from nif.settings import Settings
from nif.store import EmbeddedStore
from tests.conftest import ROOT

DEMO = ROOT / "registry"
BASE = "https://registry.nif.example/"
BUSREG = BASE + "interface/busreg-company"
AGENCY = BASE + "agency/busreg"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", actor="tester")


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    with Registry(EmbeddedStore(settings.folder.store), settings) as reg:
        yield reg


@pytest.fixture
def folder(tmp_path: Path, registry: Registry) -> Path:
    """The demo's busreg agency and interface stored, and a copy of the folder to edit."""
    shutil.copytree(DEMO / "interfaces/busreg-company", tmp_path / "r/interfaces/busreg-company")
    shutil.copytree(DEMO / "agencies", tmp_path / "r/agencies")
    registry.submit(tmp_path / "r/agencies/busreg.ttl")
    registry.submit(tmp_path / "r/interfaces/busreg-company")
    return tmp_path / "r"


def _propose(registry: Registry, folder: Path, settings: Settings, version: str = "2.2.0"):
    scaffold_version(folder, "busreg-company", "2.1.0", version, settings)
    return registry.submit(
        folder / "interfaces/busreg-company", actor="publisher", publisher=AGENCY, review=True
    )


def _versions(registry: Registry) -> set[str]:
    graph = registry.read("busreg-company").graph
    return {str(v) for v in graph.objects(URIRef(BUSREG), DCAT.hasVersion)}


def test_a_new_version_is_proposed_not_stored(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    before = registry.versions("busreg-company")
    result = _propose(registry, folder, settings)

    proposal = result.proposal
    assert proposal is not None and proposal.state is ProposalState.OPEN
    assert result.records == [] and result.to_dict()["status"] == "proposed"
    assert proposal.reasons == (("version-added", "2.2.0"),)
    assert (proposal.identifier, proposal.agency, proposal.proposer) == (
        "busreg-company",
        AGENCY,
        "publisher",
    )
    assert f"{BUSREG}/2.2.0" not in _versions(registry)
    assert registry.versions("busreg-company") == before
    assert [p.id for p in registry.proposals.find(agency=AGENCY)] == [proposal.id]
    assert registry.proposals.find(agency=BASE + "agency/civreg") == []
    assert registry.audit_log(1)[0].action == "propose"


def test_accept_stores_it_as_the_reviewer_and_keeps_the_proposer(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    proposal = _propose(registry, folder, settings).proposal
    assert proposal is not None

    result = registry.accept(proposal.id, actor="reviewer", comment="fine")

    assert f"{BUSREG}/2.2.0" in _versions(registry)
    last = registry.versions("busreg-company")[-1]
    assert (last.action, last.actor) == ("accept", "reviewer")
    assert last.sha256 == proposal.sha256
    decided = registry.proposals.get(proposal.id)
    assert decided.state is ProposalState.ACCEPTED
    assert (decided.decided_by, decided.comment, decided.proposer) == (
        "reviewer",
        "fine",
        "publisher",
    )
    assert result.replaced == [BUSREG]
    assert registry.assessment("busreg-company", "2.2.0") is not None
    with pytest.raises(ReviewError, match="accepted already"):
        registry.accept(proposal.id, actor="reviewer")
    with pytest.raises(ReviewError, match="accepted already"):
        registry.reject(proposal.id, "too late", actor="reviewer")


def test_reject_needs_a_comment_and_stores_nothing(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    proposal = _propose(registry, folder, settings).proposal
    assert proposal is not None
    with pytest.raises(UsageError, match="needs a comment"):
        registry.reject(proposal.id, "  ", actor="reviewer")
    assert registry.proposals.get(proposal.id).is_open

    rejected = registry.reject(proposal.id, "schema names the wrong agency", actor="reviewer")

    assert rejected.state is ProposalState.REJECTED
    assert rejected.comment == "schema names the wrong agency"
    assert f"{BUSREG}/2.2.0" not in _versions(registry)
    assert registry.audit_log(1)[0].outcome == "rejected"


def test_a_new_proposal_supersedes_the_open_one(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    first = _propose(registry, folder, settings).proposal
    second = _propose(registry, folder, settings, "2.3.0").proposal
    assert first is not None and second is not None
    assert registry.proposals.get(first.id).state is ProposalState.SUPERSEDED
    assert [p.id for p in registry.proposals.find(state=ProposalState.OPEN)] == [second.id]
    assert second.reasons == (("version-added", "2.2.0"), ("version-added", "2.3.0"))


def test_a_stale_proposal_cannot_be_accepted(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    proposal = _propose(registry, folder, settings).proposal
    assert proposal is not None
    record = folder / "interfaces/busreg-company/interface.ttl"
    original = (DEMO / "interfaces/busreg-company/interface.ttl").read_text("utf-8")
    record.write_text(original.replace('"Company extract"@en', '"Companies"@en'), "utf-8")
    registry.submit(record.parent, actor="publisher", publisher=AGENCY, review=True)

    assert proposal_details(registry, registry.proposals.get(proposal.id)).stale
    with pytest.raises(ReviewError, match="changed since the proposal was made"):
        registry.accept(proposal.id, actor="reviewer")
    assert registry.proposals.get(proposal.id).is_open


def test_metadata_edits_and_admin_writes_are_stored_at_once(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    record = folder / "interfaces/busreg-company/interface.ttl"
    text = record.read_text("utf-8")
    assert '"Company extract"@en' in text
    record.write_text(text.replace('"Company extract"@en', '"Companies"@en'), "utf-8")
    edited = registry.submit(record.parent, actor="publisher", publisher=AGENCY, review=True)
    assert edited.proposal is None and edited.records

    scaffold_version(folder, "busreg-company", "2.1.0", "2.2.0", settings)
    admin = registry.submit(record.parent, actor="admin", review=False)
    assert admin.proposal is None
    assert f"{BUSREG}/2.2.0" in _versions(registry)


def test_moving_a_version_to_completed_is_proposed(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    scaffold_version(folder, "busreg-company", "2.1.0", "2.2.0", settings)
    record = folder / "interfaces/busreg-company"
    registry.submit(record)  # stored as UnderDevelopment by an admin
    ttl = record / "interface.ttl"
    text = ttl.read_text("utf-8")
    head, _, tail = text.rpartition("status/UnderDevelopment")  # 2.2.0 is the last version
    ttl.write_text(head + "status/Completed" + tail, "utf-8")

    proposal = registry.submit(record, publisher=AGENCY, review=True).proposal

    assert proposal is not None
    assert proposal.reasons == (("version-completed", "2.2.0"),)
    shown = proposal_details(registry, proposal)
    texts = [
        (g.subject.text, s.predicate, [o.text for o in s.objects])
        for g in shown.diff.added
        for s in g.statements
    ]
    assert (f"<{BUSREG}/2.2.0>", "adms:status", ["status:Completed"]) in texts
    removed = [s.objects[0].text for g in shown.diff.removed for s in g.statements]
    assert removed == ["status:UnderDevelopment"]
    assert shown.diff.text() == (
        f"- <{BUSREG}/2.2.0>  (Company extract 2.2.0)\n"
        "-     adms:status status:UnderDevelopment\n"
        f"+ <{BUSREG}/2.2.0>  (Company extract 2.2.0)\n"
        "+     adms:status status:Completed"
    )


def test_details_show_the_diff_with_labels_nested_blank_nodes_and_the_assessment(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    proposal = _propose(registry, folder, settings).proposal
    assert proposal is not None
    shown = proposal_details(registry, proposal)

    subjects = {g.subject.iri: g for g in shown.diff.added}
    version = subjects[f"{BUSREG}/2.2.0"]
    assert version.subject.label
    assert shown.diff.removed_triples == 0 or shown.diff.removed
    text = shown.diff.text()
    assert "_:" not in text and 'dcat:version "2.2.0"' in text
    assert "[ ]" in text  # checksums and discriminators nest under what holds them
    assessment = shown.assessments[0]
    assert assessment["version"] == "2.2.0"
    assert assessment["assessment"] is not None
    assert assessment["assessment"]["breaking"] is False
    assert not shown.stale
    assert shown.to_dict()["diff"]["added_triples"] == shown.diff.added_triples


def test_withdrawing_the_record_closes_its_proposals(
    registry: Registry, folder: Path, settings: Settings
) -> None:
    proposal = _propose(registry, folder, settings).proposal
    assert proposal is not None
    registry.withdraw("busreg-company", actor="admin")
    assert registry.proposals.get(proposal.id).state is ProposalState.WITHDRAWN
    with pytest.raises(NotFoundError):
        registry.proposals.get("0000")
