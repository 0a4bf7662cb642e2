"""Versions: diffs, migration of running instances with a pre-check, and replay across it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Conflict
from engine.specs.versions import diff_specs
from engine.store.models import Event
from workflows import Finsam, policy
from workflows.system import diagrams_dir
from workflows.users import capacities

from . import test_processes as walks
from .walk import Desk

TENANT = "nnv-skane"
RENAME = ('name="Projektägare formulerar ansökan"', 'name="Projektägaren formulerar ansökan"')


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def deploy_changed(finsam: Finsam, tmp_path: Path, *replacements: tuple[str, str]) -> int:
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms", dirs_exist_ok=True)
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "esf_plus.bpmn").write_text(text, encoding="utf-8")
    [result] = finsam.deploy_files([tmp_path / "esf_plus.bpmn"], "designer")
    return result.version


def designer(finsam: Finsam):  # type: ignore[no-untyped-def]
    return policy.actor(capacities(finsam.db, "designer")[0])


def test_diff_names_added_removed_and_changed() -> None:
    old = (diagrams_dir() / "esf_plus.bpmn").read_bytes()
    text = old.decode("utf-8").replace(*RENAME).replace(
        "<bpmn:userTask id=\"slutrapportera\"", "<bpmn:userTask id=\"slutrapport\"")
    diff = diff_specs(old, text.encode("utf-8"))
    assert "formulera_ansokan" in diff.changed and "name" in diff.changed["formulera_ansokan"][0]
    assert diff.removed == {"slutrapportera": "userTask"}
    assert diff.added == {"slutrapport": "userTask"}
    assert diff_specs(old, old).empty


def test_safe_migration_continues_and_replays(desk: Desk, finsam: Finsam, tmp_path: Path) -> None:
    iid = walks.esf_route(desk)
    walks.to_agreement(desk, iid, {org: walks.position(org == "af") for org in walks.ESF_PARTIES})
    assert deploy_changed(finsam, tmp_path, RENAME) == 2
    check = finsam.engine.check_migration(TENANT, iid)
    assert check.safe and (check.from_version, check.to_version) == (1, 2)
    moved = finsam.engine.migrate_instance(designer(finsam), iid)
    assert moved.version == 2
    assert finsam.engine.events(TENANT, iid)[-1].kind == "migrated"
    desk.act("af", iid, "overenskommelse", walks.agree("af", ["fk"]))
    result = desk.act("fk", iid, "medverka_ansokan", {"atagande": "x"}, item="fk")
    assert result.open_tasks[0].name == "Projektägaren formulerar ansökan"
    results, other = finsam.engine.verify(TENANT)
    assert other == [] and all(r.ok for r in results), [str(f) for r in results for f in r.findings]


def test_unsafe_migration_is_refused_with_reasons(
    desk: Desk, finsam: Finsam, tmp_path: Path
) -> None:
    iid = walks.esf_route(desk)
    walks.to_agreement(desk, iid, {org: walks.position() for org in walks.ESF_PARTIES})
    deploy_changed(finsam, tmp_path, ('name="Parterna utformar projektidé"',
                                      'name="Parterna formar en idé"'))
    check = finsam.engine.check_migration(TENANT, iid)
    assert not check.safe
    assert any("Parterna utformar projektidé" in r and "completed" in r for r in check.reasons)
    with finsam.db.read() as session:
        before = session.scalar(select(func.count()).select_from(Event))
    with pytest.raises(Conflict, match="Parterna utformar projektidé"):
        finsam.engine.migrate_instance(designer(finsam), iid)
    with finsam.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == before
    assert finsam.engine.get_instance(TENANT, iid).version == 1


def test_a_multi_instance_step_in_progress_is_not_moved(desk: Desk, finsam: Finsam,
                                                         tmp_path: Path) -> None:
    iid = walks.esf_route(desk)
    desk.act("af", iid, "utforma_projektide", walks.IDEA)
    desk.act("af", iid, "forankra_projektide", {"forankrad": True}, item="af")
    deploy_changed(finsam, tmp_path, RENAME)
    check = finsam.engine.check_migration(TENANT, iid)
    assert any("multi-instance" in r for r in check.reasons)


def test_finished_instances_keep_their_version(desk: Desk, finsam: Finsam, tmp_path: Path) -> None:
    walks.test_esf_avbryts_ends_ej_ansokan_with_reason(desk)
    iid = next(i.id for i in finsam.engine.list_instances(TENANT, process_id="esf_plus"))
    deploy_changed(finsam, tmp_path, RENAME)
    check = finsam.engine.check_migration(TENANT, iid)
    assert not check.safe and "finished" in check.reasons[0]
    again = finsam.engine.check_migration(TENANT, iid, to_version=1)
    assert not again.safe
