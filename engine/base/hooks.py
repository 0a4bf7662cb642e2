"""How the domain plugs into the engine: the `Hooks` protocol (assignment, deploy rules, start
checks, indexed variables, the domain's own rows after a step), the plain engine's
`DefaultHooks`, and the values hooks are handed (`TaskContext`, `StepData`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from engine.base.types import Actor, StartRequest


@dataclass(frozen=True)
class TaskContext:
    """What the domain is told about a human task when assigning, preparing or completing it."""

    tenant: str
    process_id: str
    instance_id: int | None
    bpmn_id: str
    name: str
    lane: str | None
    item: Any
    data: dict[str, Any]


@dataclass(frozen=True)
class StepData:
    """An instance's data before and after a step, for `Hooks.after_step`."""

    tenant: str
    instance_id: int
    process_id: str
    previous: dict[str, Any]
    data: dict[str, Any]


class Hooks(Protocol):
    """How the domain plugs into the engine; every method runs inside the engine's transaction."""

    def spec_rules(self) -> list[Any]:
        """Extra deploy-time rules: callables taking a ParsedSpec, returning Problems."""
        ...

    def assign(self, ctx: TaskContext) -> str:
        """The assignee key (the group that must act) of a task that became ready."""
        ...

    def prepare_form(self, schema: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        """The form schema as shown and validated for this task (choices filled in)."""
        ...

    def check_start(self, actor: Actor, process_id: str, data: dict[str, Any]) -> None:
        """Refuse (raise) a start the domain does not allow."""
        ...

    def before_complete(self, ctx: TaskContext, data: dict[str, Any]) -> dict[str, Any]:
        """Check rules a form cannot; return derived variables to store with the data."""
        ...

    def after_completion(
        self, instance_id: int, process_id: str, outcome: str | None, data: dict[str, Any]
    ) -> list[StartRequest]:
        """Instances to start because an instance finished (linked to it)."""
        ...

    def title(self, process_id: str, data: dict[str, Any]) -> str:
        """A short title for an instance, shown in task lists."""
        ...

    def indexed_variables(self, process_id: str) -> tuple[str, ...]:
        """The variables of `process_id` copied to `instance_attribute` after every step."""
        ...

    def after_step(self, session: Any, step: StepData) -> None:
        """Write the domain's own rows that follow from an instance's data, after every step,
        inside the step's transaction (`session` is its SQLAlchemy session)."""
        ...


class DefaultHooks:
    """Hooks of a plain engine: tasks go to the group named like their lane."""

    def spec_rules(self) -> list[Any]:
        return []

    def assign(self, ctx: TaskContext) -> str:
        return ctx.lane or "unassigned"

    def prepare_form(self, schema: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        return schema

    def check_start(self, actor: Actor, process_id: str, data: dict[str, Any]) -> None:
        return None

    def before_complete(self, ctx: TaskContext, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    def after_completion(
        self, instance_id: int, process_id: str, outcome: str | None, data: dict[str, Any]
    ) -> list[StartRequest]:
        return []

    def title(self, process_id: str, data: dict[str, Any]) -> str:
        value = data.get("title")
        return str(value) if value else ""

    def indexed_variables(self, process_id: str) -> tuple[str, ...]:
        return ()

    def after_step(self, session: Any, step: StepData) -> None:
        return None


__all__ = ["DefaultHooks", "Hooks", "StepData", "TaskContext"]
