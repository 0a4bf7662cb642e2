"""Moving a running instance to a newer version of its spec, only where that is safe.

The pre-check uses SpiffWorkflow's `diff_workflow`: a step that has already run (or is running)
must not have changed or disappeared in the new version, a step that is open must still exist,
and no multi-instance step may be half done. The same function migrates the instance and its
replay, so that the replay reproduces the migration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.base.errors import Conflict, Reason
from engine.runtime import workflow as runtime
from engine.runtime.pruning import ran_before
from engine.specs.reading import ParsedSpec

if TYPE_CHECKING:
    pass

_RAN = TaskState.COMPLETED | TaskState.STARTED
_DEFINITE = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING


@dataclass
class MigrationCheck:
    """Whether an instance can move to a version, and every reason it cannot."""

    instance_id: int
    process_id: str
    from_version: int
    to_version: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.reasons


def unsafe_reasons(registry: Any, workflow: Any, new: ParsedSpec) -> list[Reason]:
    """Why `workflow` cannot move to `new` (empty when it can)."""
    top, subprocesses = diff_workflow(registry, workflow, new.spec, new.subprocess_specs)
    reasons = _pruned_reasons(registry, workflow, new)
    for task in top.removed:
        if task.has_state(_DEFINITE):
            reasons.append(Reason(f"step {_label(task)} is {_state(task)} but no longer exists "
                                  "in the new version", f"migrate.removed_{_state(task)}",
                                  step=_name(task)))
    for task in top.changed:
        if task.has_state(_RAN):
            reasons.append(Reason(f"step {_label(task)} has already {_ran(task)} and is changed "
                                  "in the new version",
                                  "migrate.changed_" + _ran(task).rsplit(" ", 1)[-1],
                                  step=_name(task)))
    for task in workflow.get_tasks(state=TaskState.STARTED):
        if isinstance(task.task_spec, LoopTask):
            reasons.append(Reason(f"the multi-instance step {_label(task)} is in progress: "
                                  "finish it first", "migrate.multi_instance_running",
                                  step=_name(task)))
    if any(diff is None for diff in subprocesses.values()):
        reasons.append(Reason("a running sub-process no longer exists in the new version",
                              "migrate.subprocess_removed"))
    return sorted(set(reasons))


def _pruned_reasons(registry: Any, workflow: Any, new: ParsedSpec) -> list[Reason]:
    """The same rules for the steps that ran and were pruned from the tree since."""
    names = ran_before(workflow)
    if not names:
        return []
    spec_diff = SpecDiff(registry, workflow.spec, new.spec)
    reasons: list[Reason] = []
    for name in names:
        spec = workflow.spec.task_specs.get(name)
        if spec is None:
            continue
        shown = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or name
        label = f"'{shown}'"
        if spec in spec_diff.removed:
            reasons.append(Reason(f"step {label} is done but no longer exists in the new version",
                                  "migrate.removed_done", step=shown))
        elif spec in spec_diff.changed:
            reasons.append(Reason(f"step {label} has already been completed and is changed in "
                                  "the new version", "migrate.changed_completed", step=shown))
    return reasons


def apply_migration(registry: Any, workflow: Any, new: ParsedSpec) -> None:
    """Move `workflow` onto `new` and run on to the next wait state; Conflict when unsafe."""
    reasons = unsafe_reasons(registry, workflow, new)
    if reasons:
        raise Conflict("the instance cannot move to the new version: " + "; ".join(reasons))
    top, _ = diff_workflow(registry, workflow, new.spec, new.subprocess_specs)
    migrate_workflow(top, workflow, new.spec, reset_mask=TaskState.READY | TaskState.WAITING)
    workflow.subprocess_specs = new.subprocess_specs
    runtime.run_engine_steps(workflow)


def _name(task: Any) -> str:
    spec = task.task_spec
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def _label(task: Any) -> str:
    return f"'{_name(task)}'"


def _state(task: Any) -> str:
    return {TaskState.READY: "open", TaskState.WAITING: "waiting"}.get(task.state, "done")


def _ran(task: Any) -> str:
    return "started" if task.state == TaskState.STARTED else "been completed"
