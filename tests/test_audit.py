"""The tamper-evident history: chains, the ledger and replay find every change and deletion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy import event as sa_event

from engine.store.models import (
    Event,
    HumanTask,
    Instance,
    InstanceAttribute,
    LedgerEntry,
    LedgerHead,
    SpecVersion,
)
from workflows import Finsam
from workflows.tenants import diagrams_dir

from . import test_processes as walks
from .walk import Desk

TENANT = "nnv-skane"


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def verify(finsam: Finsam, expected_head: tuple[int, str] | None = None) -> list[str]:
    results, other = finsam.engine.verify(TENANT, expected_head=expected_head)
    return [str(f) for r in results for f in r.findings] + [str(f) for f in other]


def finished_esf(desk: Desk, finsam: Finsam) -> int:
    walks.test_esf_ansokan_avslagen(desk)
    return next(i.id for i in finsam.engine.list_instances(TENANT, process_id="esf_plus"))


def test_every_outcome_path_replays_clean(desk: Desk, finsam: Finsam) -> None:
    walks.test_finsam_route_with_loops_to_insats_genomford(desk)
    walks.test_finsam_route_avslag(desk)
    walks.test_esf_full_route_to_projekt_avslutat(desk)
    walks.test_esf_avbryts_ends_ej_ansokan_with_reason(desk)
    walks.test_esf_ansokan_avslagen(desk)
    walks.test_fk_fallback_with_agreement_rejection_and_guard_again(desk)
    walks.test_esf_ej_overens_goes_back_to_the_idea(desk)
    desk.need(walks.FINSAM_PARTIES, "utanfor_rutinen", skal="Annan finansiär")
    results, other = finsam.engine.verify(TENANT)
    assert other == []
    assert all(r.ok for r in results), [str(f) for r in results for f in r.findings]
    outcomes = {i.outcome for i in finsam.engine.list_instances(TENANT)}
    assert {"insats_genomford", "avslag", "projekt_avslutat", "ej_ansokan", "ansokan_avslagen",
            "routes_started", "utanfor_rutinen"} <= outcomes
    assert sum(r.steps_replayed for r in results) > 100


def tamper(finsam: Finsam, change) -> None:  # type: ignore[no-untyped-def]
    with finsam.db.write() as session:
        change(session)


def test_changed_event_data_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)
    assert verify(finsam) == []

    def change(session) -> None:  # type: ignore[no-untyped-def]
        event = session.scalars(select(Event).where(
            Event.instance_id == iid, Event.task == "registrera_esf_beslut")).one()
        form = dict(event.data["form"])
        form["esf_diarienummer"] = form["esf_diarienummer"][:-1] + "8"  # one byte
        event.data = {**event.data, "form": form}

    tamper(finsam, change)
    findings = verify(finsam)
    assert any(f"instance {iid}" in f and "registrera_esf_beslut" in f and "changed" in f
               for f in findings), findings


@pytest.mark.parametrize(
    "column", ["actor", "acting_as", "kind", "task", "at", "hash", "prev_hash"]
)
def test_changed_event_column_is_found(desk: Desk, finsam: Finsam, column: str) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        event = session.scalars(select(Event).where(Event.instance_id == iid, Event.seq == 3)).one()
        value = getattr(event, column)
        if column == "at":
            from datetime import timedelta

            event.at = value + timedelta(microseconds=1)
        else:
            last = "0" if not str(value).endswith("0") else "1"
            setattr(event, column, (value or "x")[:-1] + last)

    tamper(finsam, change)
    findings = verify(finsam)
    assert any(f"instance {iid}" in f and "event 3" in f for f in findings), findings


def test_changed_stored_state_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        instance = session.get_one(Instance, iid)
        instance.state = instance.state.replace('"avslag"', '"avslaG"', 1)

    tamper(finsam, change)
    findings = verify(finsam)
    assert any("stored state was changed" in f for f in findings), findings


def test_changed_stored_data_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        instance = session.get_one(Instance, iid)
        instance.data = {**instance.data, "projektagare": "fk"}

    tamper(finsam, change)
    findings = verify(finsam)
    assert any("stored data differs" in f and "projektagare" in f for f in findings), findings


def test_deleted_last_event_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        instance = session.get_one(Instance, iid)
        mine = Event.instance_id == iid
        last = session.scalars(select(Event).where(mine, Event.seq == instance.last_seq)).one()
        before = session.scalars(
            select(Event).where(mine, Event.seq == instance.last_seq - 1)
        ).one()
        session.delete(last)
        # A careful forger also rewinds the instance's own head to the valid prefix.
        instance.last_seq, instance.head_hash = before.seq, before.hash

    tamper(finsam, change)
    findings = verify(finsam)
    assert any(f"instance {iid}" in f and "ledger records event" in f for f in findings), findings


def test_deleted_instance_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        session.execute(delete(Event).where(Event.instance_id == iid))
        session.execute(delete(HumanTask).where(HumanTask.instance_id == iid))
        session.execute(delete(InstanceAttribute).where(InstanceAttribute.instance_id == iid))
        session.execute(delete(Instance).where(Instance.id == iid))

    tamper(finsam, change)
    findings = verify(finsam)
    assert any(f"instance {iid}" in f and "was deleted" in f for f in findings), findings


def test_truncated_ledger_is_found_against_a_kept_head(desk: Desk, finsam: Finsam) -> None:
    finished_esf(desk, finsam)
    last = desk.start_need("fk", {"titel": "Det senaste behovet"}).instance.id
    kept = finsam.engine.ledger_head(TENANT)  # e.g. printed by 'finsam audit head' and filed

    def change(session) -> None:  # type: ignore[no-untyped-def]
        # Remove the newest instance and the ledger's tail that records it: consistent inside.
        first = session.scalars(select(LedgerEntry).where(LedgerEntry.instance_id == last)
                                .order_by(LedgerEntry.seq)).first()
        session.execute(delete(LedgerEntry).where(LedgerEntry.seq >= first.seq))
        session.execute(delete(Event).where(Event.instance_id == last))
        session.execute(delete(HumanTask).where(HumanTask.instance_id == last))
        session.execute(delete(InstanceAttribute).where(InstanceAttribute.instance_id == last))
        session.execute(delete(Instance).where(Instance.id == last))
        newest = session.scalars(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()
        head = session.get_one(LedgerHead, TENANT)
        head.last_seq, head.head_hash = newest.seq, newest.hash

    tamper(finsam, change)
    assert verify(finsam) == []  # a consistent forgery inside the database...
    findings = verify(finsam, expected_head=kept)
    assert any("expected head" in f for f in findings), findings  # ...but not against the kept head


def test_changed_spec_version_is_found(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        row = session.scalars(select(SpecVersion).where(SpecVersion.process_id == "esf_plus")).one()
        row.bpmn = row.bpmn.replace(b"beviljad", b"beviljaD", 1)

    tamper(finsam, change)
    findings = verify(finsam)
    assert any(f"instance {iid}" in f and "spec version 1 was changed" in f for f in findings)


def test_changed_ledger_entry_is_found(desk: Desk, finsam: Finsam) -> None:
    finished_esf(desk, finsam)

    def change(session) -> None:  # type: ignore[no-untyped-def]
        entry = session.scalars(select(LedgerEntry).where(LedgerEntry.seq == 2)).one()
        entry.instance_seq += 1

    tamper(finsam, change)
    assert any("ledger entry 2 was changed" in f for f in verify(finsam))


def test_replay_survives_a_new_version_deployed_under_running_instances(
        desk: Desk, finsam: Finsam, tmp_path: Path) -> None:
    old = walks.esf_route(desk)
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8")
    changed = text.replace('name="Projektägare formulerar ansökan"',
                           'name="Projektägaren formulerar ansökan med medfinansiärerna"')
    assert changed != text
    (tmp_path / "esf_plus.bpmn").write_text(changed, encoding="utf-8")
    [result] = finsam.deploy_files([tmp_path / "esf_plus.bpmn"], "designer")
    assert (result.version, result.created) == (2, True)
    new = walks.esf_route(desk)
    for iid in (old, new):
        walks.to_agreement(desk, iid, {org: walks.position(org == "af")
                                        for org in walks.ESF_PARTIES})
        desk.act("af", iid, "overenskommelse", walks.agree("af", ["fk"]))
        result2 = desk.act("fk", iid, "medverka_ansokan", {"atagande": "x"}, item="fk")
        [task] = result2.open_tasks
        assert task.name == ("Projektägare formulerar ansökan" if iid == old
                             else "Projektägaren formulerar ansökan med medfinansiärerna")
    for iid in (old, new):  # both run to their end, each on its own version
        desk.act("af", iid, "formulera_ansokan",
                 {"ansokan_sammanfattning": "x", "sokt_belopp": 9_000_000})
        desk.each_party(iid, "beslut_projektansokan",
                        {org: {"beslut": "ja", "beslut_referens": "r"} for org in ["af", "fk"]})
        desk.act("af", iid, "skicka_ansokan", {"inskickad_datum": "2025-10-01"})
        desk.act("af", iid, "registrera_esf_beslut", {
            "esf_beslut": "avslag", "esf_diarienummer": "2025/9", "beslut_datum": "2025-12-01"})
    finished = {i.id: (i.version, i.outcome)
                for i in finsam.engine.list_instances(TENANT, process_id="esf_plus")}
    assert finished[old] == (1, "ansokan_avslagen") and finished[new] == (2, "ansokan_avslagen")
    assert verify(finsam) == []


def test_step_through_replay_shows_each_step(desk: Desk, finsam: Finsam) -> None:
    iid = finished_esf(desk, finsam)
    steps, findings = finsam.engine.replay_steps(TENANT, iid)
    assert findings == []
    kinds = [s.kind for s in steps]
    assert kinds[0] == "started" and kinds[-1] == "outcome"
    decision = next(s for s in steps if s.task == "registrera_esf_beslut")
    assert decision.data_after["esf_beslut"] == "avslag"
    assert "esf_beslut" not in decision.data_before
    assert "registrera_esf_beslut" in decision.path


def test_a_run_of_replays_reads_each_spec_version_once(desk: Desk, finsam: Finsam) -> None:
    walks.test_esf_ansokan_avslagen(desk)
    walks.test_esf_ansokan_avslagen(desk)
    with finsam.db.read() as session:
        versions = set(session.execute(select(Instance.spec_version_id).where(
            Instance.tenant == TENANT)).scalars())
    statements: list[str] = []

    def seen(_c, _cur, statement: str, *_) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa_event.listen(finsam.db.sa_engine, "before_cursor_execute", seen)
    try:
        results, other = finsam.engine.verify(TENANT)
    finally:
        sa_event.remove(finsam.db.sa_engine, "before_cursor_execute", seen)
    assert other == [] and all(r.ok for r in results)
    assert len(results) > len(versions)  # instances share versions (two ESF+ ideas, two needs)
    assert len([s for s in statements if "FROM spec_version" in s]) == len(versions)

    # A version changed after the fact is still found in every instance that ran on it.
    def change(session) -> None:  # type: ignore[no-untyped-def]
        row = session.scalars(select(SpecVersion).where(SpecVersion.process_id == "esf_plus")).one()
        row.bpmn = row.bpmn.replace(b"beviljad", b"beviljaD", 1)

    tamper(finsam, change)
    esf = [i.id for i in finsam.engine.list_instances(TENANT, process_id="esf_plus")]
    findings = verify(finsam)
    assert len(esf) == 2
    for iid in esf:
        assert any(f"instance {iid}" in f and "spec version 1 was changed" in f
                   for f in findings), findings
