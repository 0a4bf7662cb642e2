"""A task completes exactly once, however many callers race for it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, text

from engine import Actor, Conflict, Engine, read_source
from engine.store.models import Event, HumanTask

from .conftest import DATA, LaneHooks

ACTOR = Actor.of_groups("u1", "t", "u1 (tester)", frozenset({"Requester", "Board", "a", "b"}))


def race(calls: list, barrier: threading.Barrier) -> list[object]:  # type: ignore[type-arg]
    results: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:  # collected and asserted below
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("callers", [2, 4])
def test_same_task_completed_concurrently_once(engine: Engine, callers: int) -> None:
    engine.deploy("t", read_source(DATA / "engine" / "approval.bpmn"), "tester")
    for _ in range(3):
        start = engine.start_instance(ACTOR, "approval", {"title": "race"})
        task_id = start.open_tasks[0].id
        # Separate engines: as separate web workers would hold them.
        engines = [Engine(engine.db, LaneHooks()) for _ in range(callers)]
        calls = [
            (lambda e=e, t=task_id: e.complete_task(ACTOR, t, {"amount": 1, "parties": ["a"]}))
            for e in engines
        ]
        results = race(calls, threading.Barrier(callers))
        kinds = Counter(type(r).__name__ for r in results)
        assert kinds == {"CompletionResult": 1, "Conflict": callers - 1}, results
        assert all(isinstance(r, Conflict) for r in results if not hasattr(r, "instance"))
        with engine.db.read() as session:
            completed = session.scalar(
                select(func.count()).select_from(Event).where(
                    Event.instance_id == start.instance.id, Event.kind == "completed"
                )
            )
        assert completed == 1
        assert len(engine.open_tasks_of(start.instance.id)) == 1  # the one 'sign' task


def test_parallel_instances_each_complete(engine: Engine) -> None:
    engine.deploy("t", read_source(DATA / "engine" / "approval.bpmn"), "tester")
    starts = [engine.start_instance(ACTOR, "approval", {"title": f"n{i}"}) for i in range(6)]
    calls = [
        (lambda s=s: Engine(engine.db, LaneHooks()).complete_task(
            ACTOR, s.open_tasks[0].id, {"amount": 2, "parties": ["b"]}))
        for s in starts
    ]
    results = race(calls, threading.Barrier(len(calls)))
    assert all(hasattr(r, "instance") for r in results), results
    for s in starts:
        events = engine.events("t", s.instance.id)
        assert [e.seq for e in events] == [1, 2]


class PausingHooks(LaneHooks):
    """Holds a completion inside its transaction (the instance locked) until released."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()

    def before_complete(self, ctx: Any, data: dict[str, Any]) -> dict[str, Any]:
        self.inside.set()
        assert self.release.wait(timeout=30)
        return {}


def test_a_completion_that_waited_for_the_lock_reads_the_tasks_anew(engine: Engine) -> None:
    # On PostgreSQL one statement locks the instance and reads its open tasks; a statement that
    # waited for the lock reads the tasks of the snapshot it began with, so the engine must notice
    # the wait and read them again: else the sign task the first completion closed would look
    # open to the second, which would then close it as "cancelled" over its completion.
    if engine.db.is_sqlite:
        pytest.skip("SQLite takes its write lock at BEGIN IMMEDIATE, before any read")
    engine.deploy("t", read_source(DATA / "engine" / "approval.bpmn"), "tester")
    start = engine.start_instance(ACTOR, "approval", {"title": "race"})
    signs = engine.complete_task(ACTOR, start.open_tasks[0].id,
                                 {"amount": 1, "parties": ["a", "b"]}).open_tasks
    by_party = {task.item: task.id for task in signs}
    hooks = PausingHooks()
    results: dict[str, object] = {}

    def complete(party: str, on: Engine) -> None:
        try:
            results[party] = on.complete_task(ACTOR, by_party[party], {"ok": True})
        except Exception as error:  # asserted below
            results[party] = error

    holder = threading.Thread(target=complete, args=("a", Engine(engine.db, hooks)))
    holder.start()
    assert hooks.inside.wait(timeout=30)
    waiter = threading.Thread(target=complete, args=("b", Engine(engine.db, LaneHooks())))
    waiter.start()
    deadline = time.monotonic() + 30
    with engine.db.read() as session:  # until the second completion waits for the lock
        while not session.execute(text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
            assert time.monotonic() < deadline, "the second completion never waited"
            time.sleep(0.02)
            session.rollback()
    hooks.release.set()
    holder.join(timeout=60)
    waiter.join(timeout=60)
    assert all(hasattr(results[party], "instance") for party in "ab"), results
    with engine.db.read() as session:
        states = dict(session.execute(select(HumanTask.item, HumanTask.state).where(
            HumanTask.instance_id == start.instance.id, HumanTask.bpmn_id == "sign")).all())
    assert states == {"a": "completed", "b": "completed"}
    assert [t.bpmn_id for t in engine.open_tasks_of(start.instance.id)] == ["decide"]
    results_ok, _ = engine.verify("t")
    assert all(r.ok for r in results_ok), [str(f) for r in results_ok for f in r.findings]
