"""The stored state holds only the live part of the task tree (engine/runtime/pruning.py): it stays
the same size however often an instance loops, and nothing it forgets is needed — not by the
next steps, not by replay, not by a migration's pre-check."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine import Conflict
from engine.runtime import pruning
from engine.store.models import Instance
from workflows import Finsam
from workflows.demo import DEMO_FORBUND

from . import test_processes as walks
from .test_versions import RENAME, deploy_changed, designer
from .walk import Desk

TENANT = DEMO_FORBUND[0]


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def loop_back(desk: Desk, iid: int) -> None:
    """One round from the project idea to the agreement, answered `ej_overens`."""
    walks.to_agreement(desk, iid, {org: walks.position() for org in walks.ESF_PARTIES})
    result = desk.act("af", iid, "overenskommelse", {"overenskommelse": "ej_overens",
                                                     "skal": "Idén arbetas om"})
    assert [t.bpmn_id for t in result.open_tasks] == ["utforma_projektide"]


def stored_state(finsam: Finsam, iid: int) -> str:
    with finsam.db.read() as session:
        return str(session.scalar(select(Instance.state).where(Instance.id == iid)))


def test_a_looping_instance_keeps_a_state_of_constant_size(desk: Desk, finsam: Finsam) -> None:
    iid = walks.esf_route(desk)
    loop_back(desk, iid)
    after_one = len(stored_state(finsam, iid))
    for _ in range(5):
        loop_back(desk, iid)
    assert len(stored_state(finsam, iid)) <= after_one * 1.1
    walks.to_agreement(desk, iid, {org: walks.position(org == "af") for org in walks.ESF_PARTIES})
    desk.act("af", iid, "overenskommelse", walks.agree("af", ["fk", "angelholm"]))
    results, other = finsam.engine.verify(TENANT, [iid])
    assert other == [] and results[0].ok, [str(f) for f in results[0].findings]


def test_replay_steps_keep_the_whole_path(desk: Desk, finsam: Finsam) -> None:
    iid = walks.esf_route(desk)
    for _ in range(3):
        loop_back(desk, iid)
    steps, findings = finsam.engine.replay_steps(TENANT, iid)
    assert findings == []
    assert steps[-1].path.count("overenskommelse") == 3
    assert steps[-1].path.count("utforma_projektide") == 3
    assert steps[-1].path[0] == steps[0].path[0]


def test_a_state_stored_whole_before_pruning_existed_runs_on_and_replays(
        desk: Desk, finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(pruning, "ANCESTORS_KEPT", 10_000)  # the anchor climbs to the root: no cut
        iid = walks.esf_route(desk)
        loop_back(desk, iid)
        loop_back(desk, iid)
        whole = len(stored_state(finsam, iid))
    loop_back(desk, iid)
    assert len(stored_state(finsam, iid)) < whole / 2
    results, other = finsam.engine.verify(TENANT, [iid])
    assert other == [] and results[0].ok, [str(f) for f in results[0].findings]


def test_a_pruned_step_that_changed_still_blocks_migration(
        desk: Desk, finsam: Finsam, tmp_path: Path) -> None:
    iid = walks.esf_route(desk)
    loop_back(desk, iid)
    deploy_changed(finsam, tmp_path, ('name="Parterna förankrar projektidén internt"',
                                      'name="Parterna förankrar idén"'))
    check = finsam.engine.check_migration(TENANT, iid)
    assert any("förankrar projektidén" in r and "completed" in r for r in check.reasons)
    with pytest.raises(Conflict, match="förankrar projektidén"):
        finsam.engine.migrate_instance(designer(finsam), iid)
    assert finsam.engine.get_instance(TENANT, iid).version == 1


def test_a_pruned_step_that_did_not_change_lets_the_instance_move(
        desk: Desk, finsam: Finsam, tmp_path: Path) -> None:
    iid = walks.esf_route(desk)
    loop_back(desk, iid)
    deploy_changed(finsam, tmp_path, RENAME)
    assert finsam.engine.check_migration(TENANT, iid).safe
    finsam.engine.migrate_instance(designer(finsam), iid)
    assert finsam.engine.get_instance(TENANT, iid).version == 2
    results, other = finsam.engine.verify(TENANT, [iid])
    assert other == [] and results[0].ok, [str(f) for f in results[0].findings]
