"""The SpiffWorkflow script engine of this engine: expressions through the safe interpreter only.

Scripts and service calls are refused (they are also refused at deploy). Each expression is
evaluated within its budget (`engine/expressions/budget.py`). A failure is a WorkflowFailure
naming the element: the write rolls back (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from .errors import ExpressionError, WorkflowFailure
from .expressions import evaluate


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
    """The script engine: the safe environment; a failed expression names its element."""

    def evaluate(self, task: Any, expression: str,
                 external_context: Mapping[str, Any] | None = None) -> Any:
        spec = task.task_spec
        element = str(getattr(spec, "bpmn_id", None) or spec.name)
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ExpressionError as exc:
            raise WorkflowFailure(f"the expression '{expression[:80]}' failed: {exc}",
                                  element) from exc


def safe_script_engine() -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose expressions never reach `eval`."""
    return SafeScriptEngine(environment=SafeEnvironment())
