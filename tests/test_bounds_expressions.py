"""Designer content is bounded (issue 14, finding 6): expressions.

What can never be within the budget is refused when compiled (at deploy: `Engine.lint`, with the
element); what depends on data is stopped at evaluation within a time bound, and the step that
ran it is rolled back with a 409 naming the element.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import Engine, ExpressionError, SpecError, WorkflowFailure, read_source
from engine.base.deadline import EVALUATION_SECONDS
from engine.specs.expressions import compile_expression, evaluate
from engine.specs.sources import SpecSource
from engine.store.models import Event, HumanTask

from . import hostile
from .conftest import DATA

APPROVAL = DATA / "engine" / "approval.bpmn"
# One evaluation: its own deadline, plus what one uninterruptible built-in may add, plus a slow
# machine's slack.
BOUND = EVALUATION_SECONDS + 0.5

# Parts that read no variable: refused when compiled, that is at deploy.
NEVER_WITHIN = [
    "'a' * 100000 * 100000",  # finding 6: passed the old repetition cap
    "'%0999999999d' % 1",  # finding 6: allocated about 1 GB
    "len([1 for a in [1] * 3000 for b in [1] * 3000])",  # finding 6's nested comprehension
    "'%s and %s' % ('a', 'b')",
    "[0] * 10001",
    "[[0] * 10000] * 10000",
    "'x' * 60000 + 'y' * 60000",
    "round(5, -10000000)",  # CPython computes 10 ** 10000000 for it
    "sorted('x' * 20000)",
    "int('9' * 100) > 0",
    "str([1, 2, 3])",
    "sum([[1], [2]], [])",
    "[x for x in 'y' * 20000]",
    "{x for x in [1] * 10000 for y in [1] * 2}",
    "1" + " + 1" * 60,  # nested more than 50 levels
    "max([[1] * 9000] * 200)",
]

# (expression, data): compiled and deployed fine; stopped when evaluated on this data.
L = list(range(10_000))
STOPPED_AT_RUN_TIME: list[tuple[str, dict[str, Any]]] = [
    ("[[x for x in l] for y in l]", {"l": L}),  # finding 6: took 5.7 s
    ("[y for y in l for x in l]", {"l": L}),
    ("s * n", {"s": "a" * 1000, "n": 10**6}),
    ("s % n", {"s": "%0999999999d", "n": 1}),  # finding 6, the format from the data
    ("[l == l for x in l]", {"l": L}),
    ("l * n", {"l": L, "n": 100_000}),
    ("t + t", {"t": "x" * 60_000}),
    ("n * n * n * n * n", {"n": 2**60}),
    ("[t in t for x in l]", {"t": "x" * 20_000, "l": L}),
    ("str(l)", {"l": L}),
    ("round(n, m)", {"n": 5, "m": -(10**7)}),
    ("[(l, l) for x in l]", {"l": L}),
    ("min([l] * 5000) == max([l] * 5000)", {"l": L}),
    ("sum(l, [])", {"l": [[1]] * 100}),
    ("sorted(l + l)", {"l": L}),
    ("len([a == b for a in l for b in l]) > 0", {"l": L}),
    ("[max(l) for x in l]", {"l": L}),
    ("{x: y for x in l}", {"l": L, "y": 1}),  # refused outright: dict comprehensions
    ("d == d", {"d": {str(i): ["x" * 100] * 100 for i in range(200)}}),
]


@pytest.mark.parametrize("expression", NEVER_WITHIN)
def test_what_can_never_be_within_budget_is_refused_when_compiled(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError):
        compile_expression(expression)
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize(("expression", "data"), STOPPED_AT_RUN_TIME,
                         ids=[e for e, _ in STOPPED_AT_RUN_TIME])
def test_what_depends_on_data_is_stopped_within_the_bound(expression: str,
                                                          data: dict[str, Any]) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError):
        evaluate(expression, data)
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize(("expression", "expected"), [
    ("all(b['beslut'] == 'ja' for b in beslut)", True),
    ("len('x' * 100000)", 100_000),
    ("len([0] * 10000)", 10_000),
    ("len([1 for a in l[:5000] for b in l[:1]])", 5000),  # 5,000 + 5,000 rounds
    ("sum(l)", 49_995_000),
    ("sorted(l)[-1]", 9999),
    ("str(n) + 'x'", "9007199254740992x"),
    ("n * n * n * n > 0", True),  # 212 bits
])
def test_ordinary_expressions_are_within_budget(expression: str, expected: object) -> None:
    data = {"beslut": [{"beslut": "ja"}] * 9, "l": L, "n": 2**53}
    assert evaluate(expression, data) == expected


def _with_condition(condition: str) -> SpecSource:
    base = read_source(APPROVAL)
    text = APPROVAL.read_text(encoding="utf-8").replace("decision == 'again'", condition)
    return SpecSource("approval.bpmn", text.encode("utf-8"), base.forms)


@pytest.mark.parametrize("expression", NEVER_WITHIN[:6])
def test_refused_at_deploy_with_element_and_hint(engine: Engine, expression: str) -> None:
    escaped = expression.replace("&", "&amp;").replace("<", "&lt;")
    with pytest.raises(SpecError) as error:
        engine.lint(_with_condition(escaped))
    [problem] = error.value.problems
    assert problem.element_id == "f_again" and problem.file == "approval.bpmn"
    assert "refused" in problem.message and problem.hint


def test_a_stopped_condition_rolls_the_step_back_with_a_409(engine: Engine) -> None:
    engine.deploy("t1", hostile.process("len([[x for x in words] for y in words]) > 0"), "tester")
    started = engine.start_instance(hostile.actor(), "hostile", {"title": "x"})
    task = started.open_tasks[0]
    began = time.monotonic()
    with pytest.raises(WorkflowFailure) as error:
        engine.complete_task(hostile.actor(), task.id, {"words": ["w"] * 400})
    assert time.monotonic() - began < BOUND + 0.5
    assert error.value.element_id == "gw0" and "rounds" in str(error.value)
    with engine.db.read() as session:
        assert session.get_one(HumanTask, task.id).state == "open"
        assert session.scalar(select(func.count()).select_from(Event)) == 1  # `started` only
