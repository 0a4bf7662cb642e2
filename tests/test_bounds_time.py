"""Nothing a designer wrote holds a write lock for more than a bounded time (issue 14, finding 6).

Each evaluation stops within `deadline.EVALUATION_SECONDS`, all designer content of one write
within `deadline.WRITE_SECONDS`; one step runs at most `runtime.MAX_ENGINE_STEPS` engine steps
and creates at most `script_engine.MAX_INSTANCES` tasks; a timer's time is checked before
SpiffWorkflow reads it. Meanwhile another tenant's write proceeds (on SQLite it waits for the
lock, within the bound; on PostgreSQL it does not wait at all).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Engine, SpecError, SpecSource, WorkflowFailure
from engine.base.deadline import EVALUATION_SECONDS, WRITE_SECONDS
from engine.runtime.script_engine import MAX_INSTANCES
from engine.runtime.workflow import MAX_ENGINE_STEPS
from engine.store.models import Event, HumanTask, Instance

from . import hostile

# What one write may add beyond its designer-content account: the engine's own work and a slow
# machine's slack.
SLACK = 1.5
# A condition of about 0.1 s that holds on no data: eighty gateways of it need several seconds.
SLOW_FALSE = "len([x for x in words for y in words]) < 0"


def events(engine: Engine) -> int:
    with engine.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event)) or 0


def test_the_designer_content_of_one_write_stops_at_its_bound(engine: Engine) -> None:
    engine.deploy("t1", hostile.process(SLOW_FALSE, gateways=80), "tester")
    task = engine.start_instance(hostile.actor(), "hostile", {"title": "x"}).open_tasks[0]
    before = events(engine)
    started = time.monotonic()
    with pytest.raises(WorkflowFailure, match="in total"):
        engine.complete_task(hostile.actor(), task.id, {"words": ["w"] * 99})
    assert time.monotonic() - started < WRITE_SECONDS + SLACK
    assert events(engine) == before
    with engine.db.read() as session:
        assert session.get_one(HumanTask, task.id).state == "open"


def test_another_tenant_writes_while_hostile_content_runs(engine: Engine) -> None:
    engine.deploy("t1", hostile.process(SLOW_FALSE, gateways=80), "tester")
    engine.deploy("t2", hostile.process("n > 0", process_id="benign"), "tester")
    task = engine.start_instance(hostile.actor("t1"), "hostile", {"title": "x"}).open_tasks[0]
    outcome: dict[str, Any] = {}

    def hostile_step() -> None:
        began = time.monotonic()
        try:
            engine.complete_task(hostile.actor("t1"), task.id, {"words": ["w"] * 99})
        except WorkflowFailure as error:
            outcome["hostile"] = error
        outcome["hostile_seconds"] = time.monotonic() - began

    thread = threading.Thread(target=hostile_step)
    thread.start()
    time.sleep(0.3)  # the hostile step now holds its write transaction
    began = time.monotonic()
    other = engine.start_instance(hostile.actor("t2"), "benign", {"title": "y"})
    other_seconds = time.monotonic() - began
    engine.complete_task(hostile.actor("t2"), other.open_tasks[0].id, {"n": 1})
    thread.join(timeout=30)
    assert isinstance(outcome.get("hostile"), WorkflowFailure)
    assert outcome["hostile_seconds"] < WRITE_SECONDS + SLACK
    assert other_seconds < WRITE_SECONDS + SLACK
    with engine.db.read() as session:
        finished = session.scalars(select(Instance).where(Instance.tenant == "t2")).one()
        assert (finished.status, finished.outcome) == ("completed", "yes")
        assert session.get_one(HumanTask, task.id).state == "open"


def test_a_check_of_many_costly_constants_stops_at_its_bound(engine: Engine) -> None:
    """Each condition is within its own budget, but a lint evaluates every one of them: all
    together they stop at the bound of one check, and the spec is refused."""
    source = hostile.process("len([x for x in [1] * 3000 for y in [1, 2]]) < {i}", gateways=60)
    started = time.monotonic()
    with pytest.raises(SpecError) as error:
        engine.lint(source)
    assert time.monotonic() - started < WRITE_SECONDS + SLACK
    assert any("in total" in p.message for p in error.value.problems)


def test_a_cycle_that_never_waits_stops(engine: Engine) -> None:
    """Without the domain's `paths_end` rule a cycle of gateways deploys; it runs at most
    MAX_ENGINE_STEPS steps, then the step is refused."""
    source = hostile.process("n > 0")
    text = source.bpmn.decode().replace(
        'default="f_no"', 'default="f_back"').replace(
        '<bpmn:outgoing>f_no</bpmn:outgoing>', '<bpmn:outgoing>f_back</bpmn:outgoing>').replace(
        '<bpmn:sequenceFlow id="f_no" sourceRef="gw0" targetRef="no"/>',
        '<bpmn:sequenceFlow id="f_back" sourceRef="gw0" targetRef="gw_back"/>'
        '<bpmn:exclusiveGateway id="gw_back" default="f_again">'
        '<bpmn:incoming>f_back</bpmn:incoming>'
        '<bpmn:outgoing>f_again</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing>'
        '</bpmn:exclusiveGateway>'
        '<bpmn:sequenceFlow id="f_again" sourceRef="gw_back" targetRef="gw0"/>'
        '<bpmn:sequenceFlow id="f_no" sourceRef="gw_back" targetRef="no">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">False'
        '</bpmn:conditionExpression></bpmn:sequenceFlow>').replace(
        '<bpmn:incoming>f_gw0</bpmn:incoming>',
        '<bpmn:incoming>f_gw0</bpmn:incoming><bpmn:incoming>f_again</bpmn:incoming>')
    engine.deploy("t1", SpecSource("cycle.bpmn", text.encode(), source.forms), "tester")
    task = engine.start_instance(hostile.actor(), "hostile", {"title": "x"}).open_tasks[0]
    started = time.monotonic()
    with pytest.raises(WorkflowFailure, match=f"more than {MAX_ENGINE_STEPS} steps"):
        engine.complete_task(hostile.actor(), task.id, {"n": 0})
    assert time.monotonic() - started < WRITE_SECONDS + SLACK


@pytest.mark.parametrize("cardinality", ["n", "n * 1000"])
def test_a_loop_cardinality_from_data_is_bounded(engine: Engine, cardinality: str) -> None:
    engine.deploy("t1", hostile.process(cardinality=cardinality, form={
        "type": "object", "properties": {"n": {"type": "integer"}}}), "tester")
    started = time.monotonic()
    with pytest.raises(WorkflowFailure, match=f"from 0 to {MAX_INSTANCES}") as error:
        engine.start_instance(hostile.actor(), "hostile", {"title": "x", "n": 10**6})
    assert time.monotonic() - started < EVALUATION_SECONDS + SLACK
    assert error.value.element_id is not None


@pytest.mark.parametrize("cardinality", ["100000", "-1", "'x'", "1.5"])
def test_a_constant_loop_cardinality_is_checked_at_deploy(engine: Engine,
                                                          cardinality: str) -> None:
    with pytest.raises(SpecError) as error:
        engine.lint(hostile.process(cardinality=cardinality))
    [problem] = error.value.problems
    assert "loop cardinality" in problem.message and problem.element_id and problem.hint


@pytest.mark.parametrize(("kind", "title", "expected"), [
    ("timeDuration", "P99999999Y", "3660 days"),  # SpiffWorkflow counts its months one by one
    ("timeDuration", "snart", "not an ISO 8601 duration"),  # finding 9: was a 500 at start
    ("timeDuration", "P999999999999D", "3660 days"),  # beyond what a timedelta holds
    ("timeDate", "9999-01-01T00:00:00+00:00", "3660 days"),
    ("timeDate", "i morgon", "not an ISO 8601 date"),
])
def test_a_timer_from_data_is_checked_before_it_is_read(engine: Engine, kind: str, title: str,
                                                        expected: str) -> None:
    engine.deploy("t1", hostile.process(timer=(kind, "title")), "tester")
    started = time.monotonic()
    with pytest.raises(WorkflowFailure, match=expected) as error:
        engine.start_instance(hostile.actor(), "hostile", {"title": title})
    assert time.monotonic() - started < EVALUATION_SECONDS + SLACK
    assert error.value.element_id == "wait"
    with engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Instance)) == 0


@pytest.mark.parametrize(("timer", "expected"), [
    (("timeDuration", '"P99999999Y"'), "3660 days"),
    (("timeDuration", '"P1.5D"'), "not an ISO 8601 duration"),
    (("timeDuration", "P14D"), "without quotes"),
    (("timeDuration", "30"), "not a quoted text"),
    (("timeDate", '"2999-01-01T00:00:00"'), "3660 days"),
    (("timeDate", '"den första maj"'), "not an ISO 8601 date"),
    (("timeCycle", '"R/PT1S"'), "cycle timers"),
])
def test_a_bad_timer_is_refused_at_deploy(engine: Engine, timer: tuple[str, str],
                                          expected: str) -> None:
    with pytest.raises(SpecError) as error:
        engine.lint(hostile.process(timer=timer))
    [problem] = error.value.problems
    assert expected in problem.message and problem.element_id == "wait" and problem.hint


@pytest.mark.parametrize(("due_in", "expected"), [
    ("P999999999999W", "3660 days"),  # was an OverflowError, a 500, at lint
    ("P1M", "calendar"),
    ("P1DT", "not an ISO 8601 duration"),
])
def test_a_bad_due_in_is_refused_at_deploy(engine: Engine, due_in: str, expected: str) -> None:
    with pytest.raises(SpecError) as error:
        engine.lint(hostile.process(due_in=due_in))
    [problem] = error.value.problems
    assert expected in problem.message and problem.element_id == "ask"
