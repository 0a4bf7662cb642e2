"""Migration 0007 with data: versions that two förbund shared before become each förbund's own,
and no instance, chain, ledger entry or replay breaks (events name a version by number and
content hash, never by row id)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from engine.store.models import Event, Instance, LedgerEntry, LedgerHead, SpecVersion
from workflows import Finsam, policy
from workflows.schema import is_current, migrate_to, upgrade
from workflows.system import bundled_diagrams, diagrams_dir
from workflows.tenants import add_forbund
from workflows.users import add_user, capacities

from .test_processes import IDEA, agree, position
from .test_versions import RENAME
from .walk import NEED, Desk

PARTIES = ["af", "fk", "angelholm"]


def walk_to_agreement(desk: Desk, prefix: str) -> tuple[int, int]:
    """A `bada` need in the förbund of the users named `prefix` + org; its ESF+ instance up to
    the agreement. Returns the ESF+ and the Finsam route instance ids."""
    start = desk.start_need(prefix + "kansli", {"titel": NEED["titel"]})
    result = desk.act(prefix + "kansli", start.instance.id, "identifiera_behov",
                      {**NEED, "parter": PARTIES, "finansieringsform": "bada"})
    routes = {i.process_id: i.id for i in result.started}
    esf = routes["esf_plus"]
    desk.act(prefix + "af", esf, "utforma_projektide", IDEA)
    for org in PARTIES:
        desk.act(prefix + org, esf, "forankra_projektide", {"forankrad": True}, item=org)
    for org in PARTIES:
        desk.act(prefix + org, esf, "mandat_projektagarskap", position(org == "af"), item=org)
    return esf, routes["finansiell_samordning"]


def history(finsam: Finsam) -> tuple[Any, ...]:
    """What an upgrade must leave exactly as it was."""
    with finsam.db.read() as session:
        return (
            tuple(session.execute(select(Event.id, Event.instance_id, Event.seq, Event.hash,
                                         Event.prev_hash).order_by(Event.id)).all()),
            tuple(session.execute(select(LedgerEntry.tenant, LedgerEntry.seq, LedgerEntry.hash)
                                  .order_by(LedgerEntry.id)).all()),
            tuple(session.execute(select(LedgerHead.tenant, LedgerHead.last_seq,
                                         LedgerHead.head_hash).order_by(LedgerHead.tenant))
                  .all()),
            tuple(session.execute(select(Instance.id, Instance.tenant, Instance.status,
                                         Instance.head_hash, SpecVersion.process_id,
                                         SpecVersion.version, SpecVersion.content_hash)
                                  .join(SpecVersion, SpecVersion.id == Instance.spec_version_id)
                                  .order_by(Instance.id)).all()),
        )


def verified(finsam: Finsam, forbund: str) -> int:
    results, findings = finsam.verify(forbund)
    assert findings == [], [str(f) for f in findings]
    assert all(r.ok for r in results), [str(f) for r in results for f in r.findings]
    return len(results)


def test_upgrade_gives_each_forbund_its_own_copy_of_shared_versions(
        finsam: Finsam, database_url: str, tmp_path: Path) -> None:
    add_forbund(finsam.engine, "sodra", "Samordningsförbundet Södra",
                [f"{org}:{kind}:{org}" for org, kind in
                 (("af", "af"), ("fk", "fk"), ("angelholm", "kommun"))], bundled_diagrams(), "t")
    for org in PARTIES:
        add_user(finsam.db, f"s-{org}", "sodra", org, "representant", "sodra-losen")
    add_user(finsam.db, "s-kansli", "sodra", "kansli", "kansli", "sodra-losen")
    desk = Desk(database_url)
    esf_a, _ = walk_to_agreement(desk, "")
    esf_b, fs_b = walk_to_agreement(desk, "s-")
    # the same changed ESF+ in both (one content hash), and A's instance moved onto it
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    changed = (diagrams_dir() / "esf_plus.bpmn").read_text(encoding="utf-8").replace(*RENAME)
    (tmp_path / "esf_plus.bpmn").write_text(changed, encoding="utf-8")
    assert [r.version for r in finsam.deploy_files([tmp_path / "esf_plus.bpmn"], "d")] == [2, 2]
    finsam.engine.migrate_instance(policy.actor(capacities(finsam.db, "designer")[0]), esf_a)
    desk.act("af", esf_a, "overenskommelse", agree("af", ["fk"]))
    desk.act("s-af", esf_b, "overenskommelse", agree("af", ["fk"]))
    counts = {forbund: verified(finsam, forbund) for forbund in ("nnv-skane", "sodra")}

    # back to 0006, where the two förbund shared every version row
    migrate_to(finsam.db, "0006", down=True)
    with finsam.db.read() as session:
        rows = session.scalar(text("SELECT COUNT(*) FROM spec_version"))
        distinct = session.scalar(text(
            "SELECT COUNT(*) FROM (SELECT DISTINCT process_id, version FROM spec_version) v"))
        shared = session.execute(text(
            "SELECT COUNT(DISTINCT tenant) FROM instance WHERE spec_version_id = "
            "(SELECT spec_version_id FROM instance WHERE id = :b)"), {"b": fs_b}).scalar()
    assert rows == distinct and shared == 2  # one row per version, used by both förbund
    before = history(finsam)

    upgrade(finsam.db)
    assert is_current(finsam.db)
    assert history(finsam) == before  # events, ledger, heads, each instance's version and hash
    fresh = Finsam(database_url)  # nothing cached from before the upgrade
    try:
        with fresh.db.read() as session:
            wrong = session.scalar(
                select(func.count()).select_from(Instance)
                .join(SpecVersion, SpecVersion.id == Instance.spec_version_id)
                .where(SpecVersion.tenant != Instance.tenant))
            per_tenant = dict(session.execute(
                select(SpecVersion.tenant, func.count()).group_by(SpecVersion.tenant)).all())
        assert wrong == 0
        assert per_tenant["nnv-skane"] == per_tenant["sodra"] == len(bundled_diagrams()) + 1
        assert {f: verified(fresh, f) for f in ("nnv-skane", "sodra")} == counts
        for forbund, iid in (("nnv-skane", esf_a), ("sodra", esf_b)):
            steps, findings = fresh.engine.replay_steps(forbund, iid)
            assert findings == [] and steps
        # both go on; a deploy of one no longer reaches the other
        again = Desk(database_url)
        again.act("fk", esf_a, "medverka_ansokan", {"atagande": "x"}, item="fk")
        again.act("s-fk", esf_b, "medverka_ansokan", {"atagande": "x"}, item="fk")
        again.act("af", esf_a, "formulera_ansokan", {"ansokan_sammanfattning": "x",
                                                      "sokt_belopp": 9_000_000})
        again.act("s-af", esf_b, "formulera_ansokan", {"ansokan_sammanfattning": "x",
                                                        "sokt_belopp": 9_000_000})
        third = changed.replace('name="Behov av ESF+-projekt identifierat"',
                                'name="ESF+-behov identifierat"')
        assert third != changed
        (tmp_path / "esf_plus.bpmn").write_text(third, encoding="utf-8")
        [result] = fresh.deploy_files([tmp_path / "esf_plus.bpmn"], "d", ["sodra"])
        assert (result.tenant, result.version) == ("sodra", 3)
        assert [v.version for v in fresh.engine.spec_versions("nnv-skane", "esf_plus")] == [2, 1]
        verified(fresh, "nnv-skane")
        verified(fresh, "sodra")
    finally:
        fresh.close()
