"""The workflow cache (engine/runtime/workflow_cache.py): a process that completed an instance's
previous step runs the next one on the workflow it kept, and never on one that is out of date —
not after another process changed the instance, not after a step that failed."""

from __future__ import annotations

from typing import Any

import pytest

from engine.base.errors import EngineError
from engine.operations import steps
from workflows import Finsam
from workflows.demo import DEMO_FORBUND
from workflows.users import capacities

from . import test_processes as walks
from .walk import Desk

TENANT = DEMO_FORBUND[0]


class _Kept:
    """A system that outlives each desk action, as one server process does."""

    def __init__(self, finsam: Finsam) -> None:
        self._finsam = finsam

    def __getattr__(self, name: str) -> Any:
        return getattr(self._finsam, name)

    def close(self) -> None:
        pass


class OneProcess(Desk):
    """Every user acting through the same long-lived system."""

    def __init__(self, finsam: Finsam, database_url: str) -> None:
        super().__init__(database_url)
        self.finsam = finsam

    def system(self) -> Finsam:
        return _Kept(self.finsam)  # type: ignore[return-value]


@pytest.fixture
def server(finsam: Finsam, database_url: str) -> OneProcess:
    return OneProcess(finsam, database_url)


def verified(finsam: Finsam, iid: int) -> None:
    results, other = finsam.engine.verify(TENANT, [iid])
    assert other == [] and results[0].ok, [str(f) for f in results[0].findings]


def test_consecutive_steps_run_on_the_kept_workflow(server: OneProcess, finsam: Finsam) -> None:
    walks.test_esf_full_route_to_projekt_avslutat(server)
    iid = next(i.id for i in finsam.engine.list_instances(TENANT, process_id="esf_plus"))
    assert finsam.engine.workflows.hits >= 10
    verified(finsam, iid)


def test_a_step_another_process_made_is_never_missed(
        server: OneProcess, finsam: Finsam, database_url: str) -> None:
    elsewhere = Desk(database_url)  # a new system for every action: another process
    iid = walks.esf_route(server)
    server.act("af", iid, "utforma_projektide", walks.IDEA)
    elsewhere.act("af", iid, "forankra_projektide", {"forankrad": True}, item="af")
    misses = finsam.engine.workflows.misses
    server.act("fk", iid, "forankra_projektide", {"forankrad": True}, item="fk")
    assert finsam.engine.workflows.misses == misses + 1  # the kept workflow was out of date
    result = server.act("angelholm", iid, "forankra_projektide", {"forankrad": True},
                        item="angelholm")
    assert sorted(t.item for t in result.open_tasks) == ["af", "angelholm", "fk"]
    assert {t.bpmn_id for t in result.open_tasks} == {"mandat_projektagarskap"}
    verified(finsam, iid)


def test_a_step_that_failed_after_running_leaves_nothing_in_memory(
        server: OneProcess, finsam: Finsam, monkeypatch: pytest.MonkeyPatch) -> None:
    iid = walks.esf_route(server)
    server.act("af", iid, "utforma_projektide", walks.IDEA)
    real_save = steps.save_step

    def failing_save(*args: Any, **kwargs: Any) -> bool:
        real_save(*args, **kwargs)  # the workflow has run and its state is written ...
        raise EngineError("the database went away")  # ... and then the transaction fails

    with monkeypatch.context() as patch:
        patch.setattr(steps, "save_step", failing_save)
        with pytest.raises(EngineError):
            server.act("af", iid, "forankra_projektide", {"forankrad": True}, item="af")
    # The step did not happen: the task is still open, and doing it again works once.
    result = server.act("af", iid, "forankra_projektide", {"forankrad": True}, item="af")
    assert sorted(t.item for t in result.open_tasks) == ["angelholm", "fk"]
    verified(finsam, iid)


def test_a_size_of_zero_keeps_nothing(server: OneProcess, finsam: Finsam) -> None:
    finsam.engine.workflows.size = 0
    iid = walks.esf_route(server)
    server.act("af", iid, "utforma_projektide", walks.IDEA)
    server.act("af", iid, "forankra_projektide", {"forankrad": True}, item="af")
    assert finsam.engine.workflows.hits == 0
    verified(finsam, iid)


def test_a_new_instance_and_a_claim_keep_the_workflow(server: OneProcess, finsam: Finsam) -> None:
    iid = walks.esf_route(server)  # started in this process, as the need's completion concluded
    cache = finsam.engine.workflows
    hits = cache.hits
    server.act("af", iid, "utforma_projektide", walks.IDEA)
    assert cache.hits == hits + 1
    task = server.task("fk", iid, "forankra_projektide", item="fk")
    finsam.claim_task(capacities(finsam.db, "fk")[0], task.id)
    server.act("fk", iid, "forankra_projektide", {"forankrad": True}, item="fk")
    assert cache.hits == hits + 2  # the claim moved the chain head, not the workflow
    verified(finsam, iid)
