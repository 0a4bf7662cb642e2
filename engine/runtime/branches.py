"""An instance's data as of now, and where the other branches of a parallel split stand.

Every step stores it and replay recomputes it after every event (`current_data`), so finding the
other branches is on both hot paths: they are read off the workflow's task table, not found by
walking its whole tree, and whether a spec splits at all is looked up once per spec.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_STANDING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The instance's data as of now: the workflow's data when finished, else the last step's,
    with what the other branches of a parallel split hold (`_other_branches`)."""
    if workflow.is_completed():
        return dict(workflow.data)
    last = workflow.last_task
    if last is None:
        last = workflow.get_next_task(state=TaskState.READY) or workflow.task_tree
    last = _outside_loop(last)
    data = last.data
    others = _other_branches(workflow, last)
    if others:
        # Each branch of a parallel split carries its own copy of the data, merged again at the
        # join (SpiffWorkflow's DeepMerge). Until then the instance's data is that merge too:
        # the other branches' data first, the last step's over it, so a branch that moves does
        # not hide what another recorded.
        merged: dict[str, Any] = {}
        for task in sorted(others, key=lambda t: t.last_state_change):
            DeepMerge.merge(merged, copy.deepcopy(_branch_data(task)))
        data = DeepMerge.merge(merged, copy.deepcopy(last.data))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _outside_loop(task: Any) -> Any:
    parent = task.parent
    if (parent is not None and isinstance(parent.task_spec, LoopTask)
            and task.task_spec.name == parent.task_spec.task_spec):
        # A multi-instance child's data holds its item; the instance's data is its parent's.
        # The step after a multi-instance task hangs under it too, but is no child of it: a
        # user task right after one keeps its own data.
        return parent
    return task


def _branch_data(task: Any) -> dict[str, Any]:
    """What a branch holds where it stands: a task that has not taken its data yet (a join
    waiting for the other branches) holds what the step before it left."""
    while task is not None and not task.data:
        task = task.parent
    return dict(task.data) if task is not None else {}


@lru_cache(maxsize=256)
def _splits(spec: Any) -> bool:
    """Whether the process has a parallel gateway that splits (specs are parsed once and kept,
    so this is asked once per spec)."""
    return any(isinstance(task_spec, ParallelGateway) and len(task_spec.outputs) > 1
               for task_spec in spec.task_specs.values())


def _other_branches(workflow: BpmnWorkflow, last: Any) -> list[Any]:
    """The tasks where the other branches of a parallel split stand (ready, waiting or started,
    a multi-instance task as its parent); none in a diagram without a parallel gateway that
    splits, so that its instances keep the data they always had.

    Read off the task table; `current_data` merges them in the order of their last change, so
    the table's order does not matter unless two changed at the same instant: then, and for a
    workflow with subprocesses (their tasks are in their own tables), the tree is walked, in
    the order the data was always merged in."""
    if not _splits(workflow.spec):
        return []
    if not workflow.subprocesses:
        found = _standing(workflow.tasks.values(), last)
        if len({task.last_state_change for task in found}) == len(found):
            return found
    return _standing(workflow.get_tasks(state=_STANDING), last)


def _standing(tasks: Any, last: Any) -> list[Any]:
    found: dict[UUID, Any] = {}
    for task in tasks:
        if not task.has_state(_STANDING) or not getattr(task.task_spec, "bpmn_id", None):
            continue
        task = _outside_loop(task)
        if task is last or task.is_descendant_of(last) or last.is_descendant_of(task):
            continue
        found[task.id] = task
    return list(found.values())
