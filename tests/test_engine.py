"""The generic engine: deploy, start, complete, claim, history, with a reload between steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import (
    Actor,
    Conflict,
    Engine,
    Forbidden,
    InvalidData,
    NotFound,
    read_source,
)
from engine.base.canonical import GENESIS_HASH
from engine.store.chain import chain_hash, event_body
from engine.store.models import Event, HumanTask, Instance

from .conftest import DATA, LaneHooks

APPROVAL = DATA / "engine" / "approval.bpmn"
ALL = frozenset({"Requester", "Board", "a", "b", "c"})


def actor(name: str = "u1", groups: frozenset[str] = ALL, tenant: str = "t") -> Actor:
    return Actor.of_groups(name, tenant, f"{name} (tester)", groups)


def reloaded(engine: Engine) -> Engine:
    """A second engine over the same database: every step below is read back from SQL."""
    return Engine(engine.db, LaneHooks())


@pytest.fixture
def deployed(engine: Engine) -> Engine:
    engine.deploy("t", read_source(APPROVAL), "tester")
    return engine


def test_deploy_is_versioned_by_content_hash(engine: Engine, tmp_path: Path) -> None:
    first = engine.deploy("t", read_source(APPROVAL), "tester")
    again = engine.deploy("t", read_source(APPROVAL), "tester")
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created) == (1, False)
    changed = tmp_path / "approval.bpmn"
    changed.write_bytes(APPROVAL.read_bytes().replace(b'name="Decide"', b'name="Decide now"'))
    (tmp_path / "forms").mkdir()
    for form in (APPROVAL.parent / "forms").iterdir():
        (tmp_path / "forms" / form.name).write_bytes(form.read_bytes())
    second = engine.deploy("t", read_source(changed), "tester")
    assert (second.version, second.created) == (2, True)
    assert [v.version for v in engine.spec_versions("t", "approval")] == [2, 1]


def test_full_path_with_loop_and_reload(deployed: Engine) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "Buy chairs"})
    instance_id = result.instance.id
    assert [t.bpmn_id for t in result.open_tasks] == ["request"]
    assert result.open_tasks[0].assignee == "Requester"
    assert result.open_tasks[0].title == "Buy chairs"

    engine = reloaded(deployed)
    result = engine.complete_task(
        actor(), result.open_tasks[0].id, {"amount": 10, "parties": ["a", "b"]}
    )
    signs = result.open_tasks
    assert sorted((t.bpmn_id, t.assignee) for t in signs) == [("sign", "a"), ("sign", "b")]

    for task in signs:
        engine = reloaded(engine)
        result = engine.complete_task(actor(), task.id, {"ok": True})
    assert result.instance.data["signatures"] == [
        {"ok": True, "party": "a"},
        {"ok": True, "party": "b"},
    ]
    decide = result.open_tasks[0]
    engine = reloaded(engine)
    result = engine.complete_task(actor(), decide.id, {"decision": "again"})
    assert sorted(t.assignee for t in result.open_tasks) == ["a", "b"]
    for task in result.open_tasks:
        engine = reloaded(engine)
        result = engine.complete_task(actor(), task.id, {"ok": True, "note": "round 2"})
    # The second round replaces the first round's collection.
    assert [s["note"] for s in result.instance.data["signatures"]] == ["round 2", "round 2"]
    engine = reloaded(engine)
    result = engine.complete_task(actor(), result.open_tasks[0].id, {"decision": "yes"})
    assert result.instance.status == "completed"
    assert result.instance.outcome == "approved"
    assert result.open_tasks == []

    events = engine.events("t", instance_id)
    assert [e.kind for e in events] == ["started"] + ["completed"] * 7 + ["outcome"]
    previous = GENESIS_HASH
    for event in events:
        body = event_body(
            event.instance_id, event.seq, event.at, event.actor, event.acting_as,
            event.kind, event.task, event.task_guid, event.data,
        )
        assert event.prev_hash == previous
        assert event.hash == chain_hash(previous, body)
        previous = event.hash


@pytest.mark.parametrize(
    ("signatures", "decision", "outcome"),
    [([True, False], None, "refused"), ([True, True], "no", "rejected"),
     ([True, True], "yes", "approved")],
)
def test_every_end_event(deployed: Engine, signatures: list[bool], decision: str | None,
                         outcome: str) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "x"})
    result = deployed.complete_task(actor(), result.open_tasks[0].id,
                                    {"amount": 5, "parties": ["a", "b"]})
    by_assignee = sorted(result.open_tasks, key=lambda t: t.assignee)
    for task, ok in zip(by_assignee, signatures, strict=True):
        result = reloaded(deployed).complete_task(actor(), task.id, {"ok": ok})
    if decision:
        result = deployed.complete_task(actor(), result.open_tasks[0].id, {"decision": decision})
    assert (result.instance.status, result.instance.outcome) == ("completed", outcome)


def test_invalid_form_data_changes_nothing(deployed: Engine) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "x"})
    task = result.open_tasks[0]
    with deployed.db.read() as session:
        before = session.get_one(Instance, result.instance.id).state
    with pytest.raises(InvalidData) as error:
        deployed.complete_task(actor(), task.id, {"amount": "lots", "parties": ["z"], "x": 1})
    assert set(error.value.details) == {"amount", "parties", "x"}
    with pytest.raises(InvalidData) as error:
        deployed.complete_task(actor(), task.id, ["not", "an", "object"])
    with pytest.raises(InvalidData) as error:
        deployed.complete_task(actor(), task.id, {"amount": 1, "parties": ["a"], "due": "31/12"})
    assert error.value.details == {"due": "is not a valid date"}
    with deployed.db.read() as session:
        assert session.get_one(Instance, result.instance.id).state == before
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        assert session.get_one(HumanTask, task.id).state == "open"


def test_start_form_is_validated(deployed: Engine) -> None:
    with pytest.raises(InvalidData) as error:
        deployed.start_instance(actor(), "approval", {})
    assert error.value.details == {"title": "required"}
    with pytest.raises(NotFound):
        deployed.start_instance(actor(), "nonexistent", {})


def test_rights_are_checked_inside_the_transaction(deployed: Engine) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "x"})
    task = result.open_tasks[0]
    with pytest.raises(Forbidden):
        deployed.complete_task(
            actor("other", frozenset({"Board"})), task.id, {"amount": 1, "parties": ["a"]}
        )
    with pytest.raises(NotFound):
        deployed.complete_task(
            actor(tenant="other-tenant"), task.id, {"amount": 1, "parties": ["a"]}
        )
    reader = Actor.of_groups("auditor", "t", "auditor", ALL, can_write=False)
    with pytest.raises(Forbidden):
        deployed.complete_task(reader, task.id, {"amount": 1, "parties": ["a"]})
    deployed.complete_task(actor(), task.id, {"amount": 1, "parties": ["a"]})
    with pytest.raises(Conflict):
        deployed.complete_task(actor(), task.id, {"amount": 1, "parties": ["a"]})


def test_claim_and_unclaim(deployed: Engine) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "x"})
    task = result.open_tasks[0]
    deployed.claim_task(actor("anna"), task.id)
    assert deployed.list_tasks("t", ["Requester"], claimed_by="anna")[0].id == task.id
    with pytest.raises(Conflict):
        deployed.claim_task(actor("bert"), task.id)
    with pytest.raises(Conflict):
        deployed.complete_task(actor("bert"), task.id, {"amount": 1, "parties": ["a"]})
    with pytest.raises(Conflict):
        deployed.unclaim_task(actor("bert"), task.id)
    deployed.unclaim_task(actor("anna"), task.id)
    deployed.complete_task(actor("bert"), task.id, {"amount": 1, "parties": ["a"]})
    kinds = [e.kind for e in deployed.events("t", result.instance.id)]
    assert kinds == ["started", "claimed", "unclaimed", "completed"]


def test_task_list_is_by_tenant_and_assignee(deployed: Engine) -> None:
    deployed.start_instance(actor(), "approval", {"title": "one"})
    deployed.start_instance(actor(), "approval", {"title": "two"})
    deployed.deploy("t2", read_source(APPROVAL), "tester")  # each tenant runs its own versions
    deployed.start_instance(actor(tenant="t2"), "approval", {"title": "elsewhere"})
    listed = deployed.list_tasks("t", ["Requester"])
    assert [t.title for t in listed] == ["two", "one"]
    assert deployed.list_tasks("t", ["Board"]) == []
    assert deployed.count_tasks("t", ["Requester"]) == {"approval": 2}


def test_task_counts_stop_counting_past_the_cap(deployed: Engine) -> None:
    for n in range(5):
        deployed.start_instance(actor(), "approval", {"title": f"t{n}"})
    assert deployed.count_tasks("t", ["Requester"], cap=2) == {"approval": 3}  # "more than 2"
    assert deployed.count_tasks("t", ["Requester"], cap=5) == {"approval": 5}
    assert deployed.count_tasks("t", ["Board", "Requester"], cap=10) == {"approval": 5}
    assert deployed.count_tasks("t", []) == {}
    assert deployed.count_tasks("t2", ["Requester"]) == {}


def test_detail_has_form_and_instructions(deployed: Engine) -> None:
    result = deployed.start_instance(actor(), "approval", {"title": "x"})
    detail = deployed.get_task("t", result.open_tasks[0].id)
    assert detail.instructions == "Say what you need."
    assert detail.form_schema is not None
    assert detail.form_schema["required"] == ["amount", "parties"]
    assert detail.data == {"title": "x"}
    with pytest.raises(NotFound):
        deployed.get_task("other", result.open_tasks[0].id)
