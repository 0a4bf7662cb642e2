"""The SpiffWorkflow script engine of this engine: expressions through the safe interpreter only.

Scripts and service calls are refused (they are also refused at deploy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from .errors import ExpressionError
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


def safe_script_engine() -> PythonScriptEngine:
    """A SpiffWorkflow script engine whose expressions never reach `eval`."""
    return PythonScriptEngine(environment=SafeEnvironment())
