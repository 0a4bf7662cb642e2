"""The wall around SpiffWorkflow: create, restore, step and save workflows.

Nothing outside this module touches `BpmnWorkflow` or `TaskState`. The serialized state stored
per instance leaves out the spec (it is rebuilt from the deployed BPMN by content hash), so an
instance's row holds only what changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import version as package_version
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.base.errors import Conflict, ExpressionError, WorkflowFailure
from engine.runtime.branches import current_data as current_data
from engine.runtime.pruning import prune
from engine.runtime.script_engine import safe_script_engine
from engine.specs.reading import ParsedSpec, UserTaskInfo

LIBRARY_VERSION = package_version("SpiffWorkflow")
MAX_ENGINE_STEPS = 250


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Serializes a workflow without its spec; restores it onto a spec object we already have."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore_onto(self, dct: dict[str, Any], parsed: ParsedSpec) -> BpmnWorkflow:
        workflow = BpmnWorkflow(
            parsed.spec,
            parsed.subprocess_specs,
            script_engine=safe_script_engine(),
            deserializing=True,
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class WorkflowCodec:
    """Turns workflows into stored state and back."""

    def __init__(self) -> None:
        config = dict(SPIFF_CONFIG)  # never mutate the library's shared configuration
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
        self._converter = _SpecFreeWorkflowConverter(BpmnWorkflow, self._serializer.registry)

    serializer_version = SERIALIZER_VERSION

    @property
    def registry(self) -> Any:
        """The serializer registry (SpiffWorkflow's diffs need it)."""
        return self._serializer.registry

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """The stored state: the live part of the task tree (`pruning.prune`), without the spec."""
        prune(workflow)
        registry = self._serializer.registry
        registry._encoder_mode = True
        try:
            dct = self._converter.to_dict(workflow)
            dct["serializer_version"] = SERIALIZER_VERSION
            return json.dumps(dct, separators=(",", ":"), sort_keys=False)
        finally:
            registry._encoder_mode = False

    def loads(self, state: str, parsed: ParsedSpec) -> BpmnWorkflow:
        dct = json.loads(state)
        self._serializer.migrate(dct)
        return self._converter.restore_onto(dct, parsed)


@dataclass(frozen=True)
class ReadyTask:
    """A READY human task as read off a workflow."""

    guid: str
    bpmn_id: str
    info: UserTaskInfo
    item: Any
    data: dict[str, Any]


def new_workflow(parsed: ParsedSpec, data: dict[str, Any]) -> BpmnWorkflow:
    """Create a workflow with `data` as its start data and run it to its first wait state."""
    workflow = BpmnWorkflow(
        parsed.spec, parsed.subprocess_specs, script_engine=safe_script_engine()
    )
    start = workflow.get_next_task(state=TaskState.READY)
    start.data.update(data)
    run_engine_steps(workflow)
    return workflow


def run_engine_steps(workflow: BpmnWorkflow) -> None:
    """Run every non-human step that is ready; wrap library errors with the element id.

    At most MAX_ENGINE_STEPS run in one call: a cycle that never waits (which `engine/specs/lint.py`
    refuses where the domain enables it) stops with a WorkflowFailure instead of holding the
    write transaction for ever.
    """
    taken = 0

    def will_complete(task: Any) -> None:
        nonlocal taken
        taken += 1
        if taken > MAX_ENGINE_STEPS:
            raise WorkflowFailure(
                f"the process ran more than {MAX_ENGINE_STEPS} steps without waiting for a "
                "person or a timer: a loop without a task?", task.task_spec.bpmn_id)
        _start_fresh_collections(task)

    try:
        workflow.do_engine_steps(will_complete_task=will_complete)
    except ExpressionError as exc:
        raise WorkflowFailure(f"an expression failed: {exc}") from exc
    except WorkflowException as exc:
        element = getattr(getattr(exc, "task_spec", None), "bpmn_id", None)
        raise WorkflowFailure(str(exc).split("\n")[0], element) from exc
    except SpiffWorkflowException as exc:
        raise WorkflowFailure(str(exc).split("\n")[0]) from exc


def ready_tasks(workflow: BpmnWorkflow, parsed: ParsedSpec) -> list[ReadyTask]:
    """The READY human tasks, in the workflow's task order."""
    return _as_ready(workflow.get_tasks(state=TaskState.READY, manual=True), parsed)


def ready_task_set(workflow: BpmnWorkflow, parsed: ParsedSpec) -> list[ReadyTask]:
    """The READY human tasks that `ready_tasks` finds, read off the workflow's task table instead
    of walked in the tree's order: for whoever needs the set, not the order (the replay). A
    workflow with subprocesses (their tasks are in their own tables) is walked."""
    if workflow.subprocesses:
        return ready_tasks(workflow, parsed)
    return _as_ready([t for t in workflow.tasks.values()
                      if t.state == TaskState.READY and t.task_spec.manual], parsed)


def _as_ready(tasks: list[Any], parsed: ParsedSpec) -> list[ReadyTask]:
    result = []
    for task in tasks:
        bpmn_id = task.task_spec.bpmn_id
        info = parsed.user_tasks.get(bpmn_id)
        if info is None:
            raise WorkflowFailure("a manual task without a user task definition", bpmn_id)
        item = task.data.get(info.input_item) if info.input_item else None
        result.append(
            ReadyTask(guid=str(task.id), bpmn_id=bpmn_id, info=info, item=item, data=task.data)
        )
    return result


def complete_human_task(
    workflow: BpmnWorkflow, parsed: ParsedSpec, guid: str, data: dict[str, Any]
) -> None:
    """Complete the READY human task `guid` with form data and run on to the next wait state.

    The state is checked here because SpiffWorkflow's `Task.run()` does not check it.
    Raises Conflict when the task is not READY.
    """
    task = workflow.get_task_from_id(UUID(guid))
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict("the task is no longer ready")
    info = parsed.user_tasks[task.task_spec.bpmn_id]
    if info.multi_instance and info.output_item:
        output = dict(data)
        if info.input_item and info.item_name:
            output[info.item_name] = task.data.get(info.input_item)
        task.data[info.output_item] = output
    else:
        task.data.update(data)
    _start_fresh_collections(task)
    try:
        task.run()
    except SpiffWorkflowException as exc:
        raise WorkflowFailure(str(exc).split("\n")[0], task.task_spec.bpmn_id) from exc
    run_engine_steps(workflow)


def _start_fresh_collections(task: Any) -> None:
    """Entering a multi-instance task starts a new output collection.

    On a loop back, the collection of the previous round would otherwise stay in the data, and
    SpiffWorkflow refuses to fill a non-empty list again. The new round replaces the old one.
    """
    for successor in task.task_spec.outputs:
        if isinstance(successor, LoopTask) and getattr(successor, "data_output", None):
            task.data.pop(successor.data_output.bpmn_id, None)


def is_completed(workflow: BpmnWorkflow) -> bool:
    """Whether the workflow has reached its end."""
    return bool(workflow.is_completed())


def outcome(workflow: BpmnWorkflow) -> str | None:
    """The bpmn id of the end event the finished workflow reached (the last one, if several)."""
    ends = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED, spec_class=EndEvent)
        if t.workflow is workflow
    ]
    if not ends:
        return None
    ends.sort(key=lambda t: t.last_state_change)
    return str(ends[-1].task_spec.bpmn_id)


class PathTaken:
    """The bpmn ids of the flow elements a workflow completed, in completion order, gathered
    step by step so that tasks pruned from the tree (`pruning.prune`) stay on the path."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._seen: set[UUID] = set()

    def update(self, workflow: BpmnWorkflow) -> list[str]:
        """Add the tasks completed since the last update; return the whole path."""
        done = [
            t
            for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.id not in self._seen
            and t.task_spec.bpmn_id and not isinstance(t.task_spec, BoundaryEventSplit)
        ]
        done.sort(key=lambda t: t.last_state_change)
        self._seen.update(t.id for t in done)
        self.ids.extend(str(t.task_spec.bpmn_id) for t in done)
        return list(self.ids)
