"""A task completes exactly once, however many callers race for it."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine import Actor, Conflict, Engine, read_source
from engine.store.models import Event

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
