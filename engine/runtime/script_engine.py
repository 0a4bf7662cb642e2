"""The SpiffWorkflow script engine of this engine: expressions through the safe interpreter only.

Scripts and service calls are refused (they are also refused at deploy). Each expression is
evaluated within its budget (`engine/specs/expressions/budget.py`); a multi-instance task's
`loopCardinality` must give a whole number from 0 to MAX_INSTANCES, so that one step never
creates more tasks than that; a timer's duration or date must be one `engine/base/durations.py`
accepts. A failure is a WorkflowFailure naming the element: the write rolls back (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from engine.base.durations import check_date, duration_parts
from engine.base.errors import ExpressionError, WorkflowFailure
from engine.specs.expressions import evaluate

MAX_INSTANCES = 500
FAR_FUTURE = "9999-12-31T00:00:00+00:00"


class SafeEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """SpiffWorkflow script environment that evaluates with the safe interpreter only."""

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        scope = dict(external_context or {})
        scope.update(context)
        return evaluate(expression, scope)

    def execute(
        self,
        script: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        raise ExpressionError("scripts are not run by this engine", script[:80])

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError("service tasks are not supported by this engine")


class SafeScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """The script engine: the safe environment; a failed expression names its element; a
    multi-instance cardinality is bounded; a timer's time is checked before SpiffWorkflow
    reads it (its own reading of `P99999999Y` would count the months one by one)."""

    def evaluate(self, task: Any, expression: str,
                 external_context: Mapping[str, Any] | None = None) -> Any:
        result = self.timer_value(task, expression, external_context)
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimeDateEventDefinition) and expression == definition.expression:
            # SpiffWorkflow compares a date with the wall clock as soon as the event is reached;
            # here the engine's clock decides (engine/runtime/timers.py reads `timer_value`), so
            # the library is given a date that never comes.
            return FAR_FUTURE
        return result

    def timer_value(self, task: Any, expression: str,
                    external_context: Mapping[str, Any] | None = None) -> Any:
        """The expression's value as the process computes it (a timer's real time)."""
        spec = task.task_spec
        element = str(getattr(spec, "bpmn_id", None) or spec.name)
        try:
            result = self.environment.evaluate(expression, task.data, external_context)
        except ExpressionError as exc:
            raise WorkflowFailure(f"the expression '{expression[:80]}' failed: {exc}",
                                  element) from exc
        if expression == getattr(spec, "cardinality", None) and not (
                isinstance(result, int) and 0 <= result <= MAX_INSTANCES):
            raise WorkflowFailure(
                f"the loop cardinality '{expression[:80]}' gives {str(result)[:40]}; it must be "
                f"a whole number from 0 to {MAX_INSTANCES}", element)
        definition = getattr(spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and expression == definition.expression:
            _check_time(definition, result, expression, element)
        return result


def _check_time(definition: Any, value: Any, expression: str, element: str) -> None:
    try:
        if isinstance(definition, DurationTimerEventDefinition):
            duration_parts(value)
        elif isinstance(definition, TimeDateEventDefinition):
            check_date(value)
        else:
            raise ValueError("cycle timers are not run by this engine")
    except ValueError as exc:
        raise WorkflowFailure(f"the timer '{expression[:80]}' is not a valid time: {exc}",
                              element) from exc


def safe_script_engine() -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose expressions never reach `eval`."""
    return SafeScriptEngine(environment=SafeEnvironment())
