"""The promises as found broken from outside (issue 14, findings 1–4), each reproduced through the
public functions, the pages and the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Conflict, Engine, Forbidden, NotFound, SpecError, TaskContext, read_source
from engine.store.models import Event, HumanTask, Instance
from workflows import Finsam
from workflows.system import diagrams_dir

from .conftest import DATA, Browser, LaneHooks
from .test_processes import ESF_PARTIES, IDEA
from .walk import Desk

UTLYSNING = "Utlysning 2025-HEMLIG-ESF"


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def state(finsam: Finsam) -> tuple[Any, ...]:
    with finsam.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Event)),
            tuple(session.execute(select(HumanTask.id, HumanTask.state, HumanTask.claimed_by)
                                  .order_by(HumanTask.id)).all()),
        )


# -- 1. The styrelse never reads the ESF+ utlysning ----------------------------------------------


def test_a_finsam_route_never_carries_the_esf_utlysning(desk: Desk) -> None:
    _, started = desk.need(ESF_PARTIES, "bada", utlysning=UTLYSNING)
    assert "utlysning" not in started["finansiell_samordning"].data
    assert started["esf_plus"].data["utlysning"] == UTLYSNING


def test_the_styrelse_reads_only_its_fields_even_of_an_old_finsam_instance(
        desk: Desk, finsam: Finsam, client) -> None:  # type: ignore[no-untyped-def]
    _, started = desk.need(ESF_PARTIES, "bada", utlysning=UTLYSNING)
    fid = started["finansiell_samordning"].id
    # An instance started before the fix carries the utlysning in its data and its history.
    with finsam.db.write() as session:
        row = session.get_one(Instance, fid)
        row.data = {**row.data, "utlysning": UTLYSNING}
        first = session.scalars(select(Event).where(Event.instance_id == fid,
                                                    Event.seq == 1)).one()
        first.data = {**first.data, "data": {**first.data["data"], "utlysning": UTLYSNING}}
    browser = Browser(client)
    browser.login("styrelse")
    for url in (f"/instances/{fid}", f"/api/instances/{fid}", f"/api/instances/{fid}/events",
                "/api/instances", "/instances"):
        response = browser.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "HEMLIG-ESF" not in body, url
        assert "utlysning" not in body.lower(), url
    events = browser.get(f"/api/instances/{fid}/events").get_json()
    assert all("parent_id" not in e["data"] and "after" not in e["data"] for e in events)
    assert "behov_id" not in browser.get(f"/api/instances/{fid}").get_json()["data"]


# -- 2. Only the parties of a need act on it -----------------------------------------------------


def test_a_non_party_never_sees_nor_acts_on_a_route_task(
        desk: Desk, finsam: Finsam, as_user, client) -> None:  # type: ignore[no-untyped-def]
    _, started = desk.need(ESF_PARTIES, "esf_plus")
    esf = started["esf_plus"].id
    [task] = [t for t in finsam.engine.open_tasks_of(esf) if t.bpmn_id == "utforma_projektide"]
    bastad = as_user("bastad")  # a member of the beredningsgrupp, no party of this need
    assert all(t.instance_id != esf for t in finsam.task_list(bastad))
    assert "esf_plus" not in finsam.task_counts(bastad)
    before = state(finsam)
    with pytest.raises((Forbidden, NotFound)):
        finsam.claim_task(bastad, task.id)
    with pytest.raises((Forbidden, NotFound)):
        finsam.complete_task(bastad, task.id, IDEA)
    with pytest.raises(NotFound):
        finsam.task(bastad, task.id)
    browser = Browser(client)
    browser.login("bastad")
    response = browser.client.post(f"/api/tasks/{task.id}/complete", json=IDEA,
                                   headers={"X-CSRF-Token": browser.csrf()})
    assert response.status_code in (403, 404)
    assert "Knutpunkt" not in response.get_data(as_text=True)
    assert browser.post(f"/tasks/{task.id}/claim").status_code in (403, 404)
    assert all(t["instance_id"] != esf for t in browser.get("/api/tasks").get_json())
    assert state(finsam) == before
    # A party does it.
    result = finsam.complete_task(as_user("af"), task.id, IDEA)
    assert result.instance.id == esf


def test_the_task_list_and_the_lock_read_the_same_grants(
        desk: Desk, finsam: Finsam, as_user) -> None:  # type: ignore[no-untyped-def]
    """For every demo user and every open task: listed exactly when the engine lets it act."""
    desk.need(ESF_PARTIES, "bada")
    desk.need(["bastad", "hoganas", "fk"], "finansiell_samordning", user="bastad")
    users = ["af", "fk", "region-skane", "angelholm", "bastad", "hoganas", "kansli", "styrelse",
             "auditor", "designer", "admin"]
    with finsam.db.read() as session:
        open_ids = list(session.scalars(select(HumanTask.id).where(HumanTask.state == "open")))
    assert open_ids
    from workflows import policy

    for user in users:
        capacity = as_user(user)
        listed = {t.id for t in finsam.task_list(capacity)}
        actor = policy.actor(capacity)
        for task_id in open_ids:
            detail = finsam.engine.get_task(capacity.forbund, task_id)
            instance = finsam.engine.get_instance(capacity.forbund, detail.task.instance_id)
            allowed = actor.may_act_on(detail.task.assignee, detail.task.process_id,
                                       instance.data)
            assert (task_id in listed) == allowed, (user, detail.task.bpmn_id)
            if allowed:
                assert policy.sees_instance(capacity, instance), (user, task_id)


# -- 3. No Styrelse lane where ESF+ can be chosen -------------------------------------------------


def _need_with_a_styrelse_lane(tmp_path: Path) -> Path:
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    text = (diagrams_dir() / "behovsanalys.bpmn").read_text(encoding="utf-8")
    lane = 'name="Beredningsgrupp"'
    assert lane in text
    path = tmp_path / "behovsanalys.bpmn"
    path.write_text(text.replace(lane, 'name="Styrelse"'), encoding="utf-8")
    return path


def test_a_need_with_a_styrelse_task_is_refused_naming_the_path(finsam: Finsam,
                                                                tmp_path: Path) -> None:
    path = _need_with_a_styrelse_lane(tmp_path)
    with pytest.raises(SpecError) as error:
        finsam.deploy_files([path], "designer")
    messages = [p.message for p in error.value.problems]
    assert any("når aldrig styrelsen" in m and "→" in m for m in messages), messages
    assert [v.version for v in finsam.engine.spec_versions("nnv-skane", "behovsanalys")] == [1]


def test_the_designer_upload_refuses_it_too(finsam: Finsam, client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _need_with_a_styrelse_lane(tmp_path)
    browser = Browser(client)
    browser.login("designer")
    response = browser.client.post("/api/specs?filename=behovsanalys.bpmn",
                                   data=path.read_bytes(),
                                   headers={"X-CSRF-Token": browser.csrf(),
                                            "Content-Type": "application/xml"})
    assert response.status_code == 422
    assert "når aldrig styrelsen" in json.dumps(response.get_json(), ensure_ascii=False)


def test_no_styrelse_task_is_assigned_in_a_need(finsam: Finsam) -> None:
    for data in ({}, {"finansieringsform": "bada"}, {"finansieringsform": "esf_plus"}):
        ctx = TaskContext("nnv-skane", "behovsanalys", 1, "x", "X", "Styrelse", None, data)
        with pytest.raises(Forbidden):
            finsam.engine.hooks.assign(ctx)


# -- 4. A recorded choice keeps its meaning --------------------------------------------------------


def test_a_form_that_relabels_a_decision_is_refused(finsam: Finsam, tmp_path: Path) -> None:
    shutil.copytree(diagrams_dir() / "forms", tmp_path / "forms")
    shutil.copy(diagrams_dir() / "finansiell_samordning.bpmn", tmp_path)
    form = tmp_path / "forms" / "styrelsebeslut.schema.json"
    schema = json.loads(form.read_text(encoding="utf-8"))
    options = schema["properties"]["styrelsebeslut"]["oneOf"]
    options[0]["title"], options[1]["title"] = options[1]["title"], options[0]["title"]
    form.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SpecError) as error:
        finsam.deploy_files([tmp_path / "finansiell_samordning.bpmn"], "designer")
    assert any("betyder 'Beviljas'" in p.message for p in error.value.problems)


def _approval_with_labels(folder: Path, labels: dict[str, str]) -> Path:
    shutil.copytree(DATA / "engine", folder)
    form = folder / "forms" / "request.schema.json"
    schema = json.loads(form.read_text(encoding="utf-8"))
    schema["properties"]["parties"]["items"] = {
        "type": "string", "oneOf": [{"const": k, "title": v} for k, v in labels.items()]}
    form.write_text(json.dumps(schema), encoding="utf-8")
    return folder / "approval.bpmn"


def test_a_migration_that_changes_a_recorded_choice_is_refused_and_replay_finds_it(
        db, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from engine import Actor
    from engine.operations import maintenance

    engine = Engine(db, LaneHooks())
    actor = Actor.of_groups("u", "t", "u (tester)", frozenset({"Requester", "Board", "a", "b"}))
    first = _approval_with_labels(tmp_path / "v1", {"a": "Alfa", "b": "Beta"})
    engine.deploy("t", read_source(first), "designer")
    started = engine.start_instance(actor, "approval", {"title": "x"})
    [task] = started.open_tasks
    signing = engine.complete_task(actor, task.id, {"amount": 5, "parties": ["a"]})
    [sign] = signing.open_tasks
    engine.complete_task(actor, sign.id, {"ok": True})  # the next step waits: safe to move
    swapped = _approval_with_labels(tmp_path / "v2", {"a": "Beta", "b": "Alfa"})
    engine.deploy("t", read_source(swapped), "designer")
    iid = started.instance.id
    check = engine.check_migration("t", iid)
    assert any("'Alfa' (parties = 'a') would show as 'Beta'" in r for r in check.reasons)
    with pytest.raises(Conflict):
        engine.migrate_instance(actor, iid)
    # Had the pre-check been bypassed, the replay finds the changed meaning.
    monkeypatch.setattr(maintenance, "meaning_reasons", lambda *args: [])
    engine.migrate_instance(actor, iid)
    results, _ = engine.verify("t", [iid])
    assert any("changed what a recorded choice means" in f.what for f in results[0].findings)
