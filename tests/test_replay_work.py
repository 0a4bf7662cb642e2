"""The verification does each step's work once: the replay reads a step's READY tasks once,
for the check against the record and for the next completion alike; the histories and the ledger
are read as plain rows, and each instance's row once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from engine.base.types import EventView
from engine.history.replay import _ready_task
from engine.runtime import branches
from engine.runtime import workflow as runtime
from engine.specs.reading import UserTaskInfo
from engine.store.models import Event, Instance, LedgerEntry
from workflows import Finsam

from . import test_processes as walks
from .walk import Desk

TENANT = "nnv-skane"


@pytest.fixture
def desk(finsam: Finsam, database_url: str) -> Desk:
    return Desk(database_url)


def test_each_replayed_step_reads_its_ready_tasks_once(
        desk: Desk, finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    walks.test_esf_ansokan_avslagen(desk)
    walks.test_finsam_route_avslag(desk)
    calls: list[str] = []
    for name in ("ready_tasks", "ready_task_set"):
        monkeypatch.setattr(runtime, name, counted(getattr(runtime, name), name, calls))
    results, other = finsam.engine.verify(TENANT)
    assert other == [] and all(r.ok for r in results)
    with finsam.db.read() as session:
        events = list(session.scalars(select(Event).where(Event.tenant == TENANT)))
    completions = sum(1 for e in events if e.kind == "completed")
    checked = sum(1 for e in events if "after" in e.data)
    assert completions > 10
    # once after every recorded step (its check), at most once more per instance at the end;
    # a completion finds its task among the READY tasks the check before it read, and none of
    # these histories has two READY tasks a completion could mean (no walk in tree order)
    assert len(calls) <= checked + len(results)
    assert "ready_tasks" not in calls


def test_the_ready_task_set_is_what_the_walk_finds(
        desk: Desk, finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    walks.test_finsam_route_with_loops_to_insats_genomford(desk)
    walks.test_esf_ej_overens_goes_back_to_the_idea(desk)
    walks.test_fk_fallback_with_agreement_rejection_and_guard_again(desk)
    read = runtime.ready_task_set
    compared: list[tuple[list[str], list[str]]] = []

    def both(workflow: Any, parsed: Any) -> list[runtime.ReadyTask]:
        found = read(workflow, parsed)
        walked = runtime.ready_tasks(workflow, parsed)
        compared.append((sorted(t.guid for t in found), sorted(t.guid for t in walked)))
        return found

    monkeypatch.setattr(runtime, "ready_task_set", both)
    results, other = finsam.engine.verify(TENANT)
    assert other == [] and all(r.ok for r in results)
    assert len(compared) > 50 and any(len(found) > 1 for found, _ in compared)
    assert [c for c in compared if c[0] != c[1]] == []


def test_the_other_branches_read_off_the_task_table_are_what_the_walk_finds(
        desk: Desk, finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    # An instance's data merges the other branches of a parallel split in the order of their
    # last change; they are read off the task table, and must be the tasks the tree walk finds.
    walks.test_esf_ansokan_avslagen(desk)
    walks.test_finsam_route_with_loops_to_insats_genomford(desk)
    read = branches._other_branches
    compared: list[tuple[list[Any], list[Any]]] = []

    def both(workflow: Any, last: Any) -> list[Any]:
        found = read(workflow, last)
        walked = branches._standing(workflow.get_tasks(state=branches._STANDING), last) \
            if branches._splits(workflow.spec) else []
        def order(tasks: list[Any]) -> list[Any]:
            return [t.id for t in sorted(tasks, key=lambda t: t.last_state_change)]
        compared.append((order(found), order(walked)))
        return found

    monkeypatch.setattr(branches, "_other_branches", both)
    results, other = finsam.engine.verify(TENANT)
    assert other == [] and all(r.ok for r in results)
    assert len(compared) > 30 and sum(1 for found, _ in compared if found) > 3
    assert [c for c in compared if c[0] != c[1]] == []


def test_a_completion_several_ready_tasks_match_takes_the_first_in_task_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    info = UserTaskInfo("granska", "Granska", None, None, "", True, "parter", None, None)
    first, second = (runtime.ReadyTask(guid, "granska", info, "af", {}) for guid in ("g1", "g2"))
    monkeypatch.setattr(runtime, "ready_tasks", lambda _w, _p: [second, first])
    event = EventView(1, 3, datetime.now(UTC), "anna", "af", "completed", "granska", "x",
                        {"item": "af"}, "", "")
    assert _ready_task(None, None, [first, second], event) == "g2"  # as the walk lists them
    assert _ready_task(None, None, [first], event) == "g1"  # one match: no walk


def counted(function: Any, name: str, calls: list[str]) -> Any:
    def call(*args: Any) -> Any:
        calls.append(name)
        return function(*args)
    return call


def test_the_verification_reads_histories_and_the_ledger_as_rows(
        desk: Desk, finsam: Finsam) -> None:
    walks.test_esf_ansokan_avslagen(desk)
    walks.test_finsam_route_avslag(desk)
    loaded: list[str] = []

    def seen(target: Any, _context: Any) -> None:
        loaded.append(type(target).__name__)

    for model in (Event, LedgerEntry, Instance):
        sa_event.listen(model, "load", seen)
    try:
        results, other = finsam.engine.verify(TENANT)
    finally:
        for model in (Event, LedgerEntry, Instance):
            sa_event.remove(model, "load", seen)
    assert other == [] and all(r.ok for r in results) and len(results) > 2
    assert sum(r.events for r in results) > 20
    # no ORM object per event or ledger entry; each instance's row once (its replay's)
    assert sorted(loaded) == ["Instance"] * len(results)
