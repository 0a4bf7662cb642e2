"""The verification does each step's work once: the replay reads a step's READY tasks once,
for the check against the record and for the next completion alike; the histories and the ledger
are read as plain rows, and each instance's row once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from engine.runtime import workflow as runtime
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
    read = runtime.ready_tasks
    calls: list[int] = []

    def counted(workflow: Any, parsed: Any) -> list[runtime.ReadyTask]:
        calls.append(1)
        return read(workflow, parsed)

    monkeypatch.setattr(runtime, "ready_tasks", counted)
    results, other = finsam.engine.verify(TENANT)
    assert other == [] and all(r.ok for r in results)
    with finsam.db.read() as session:
        events = list(session.scalars(select(Event).where(Event.tenant == TENANT)))
    completions = sum(1 for e in events if e.kind == "completed")
    checked = sum(1 for e in events if "after" in e.data)
    assert completions > 10
    # once after every recorded step (its check), at most once more per instance at the end;
    # a completion finds its task among the READY tasks the check before it read
    assert len(calls) <= checked + len(results)


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
