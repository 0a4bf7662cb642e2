"""Keeping a workflow's task tree as small as its future needs.

SpiffWorkflow keeps every task it ever ran: a loop that goes round fifty times leaves fifty
copies of its tasks in the tree, and the serializer, the restore and every task query walk all of
them, so each step costs more than the one before. The history does not need them (the events
hold it, and replay re-runs the events), and neither does the future of the instance: what can
still happen depends only on the unfinished tasks and a few tasks above them.

`prune` cuts the tree down to that. It keeps the root, and the subtree under an anchor: the lowest
common ancestor of every unfinished task, of the last completed task (the instance's current data
is read from it) and of the split task every unfinished structured join looks up (a boundary
event's join finds its split among its ancestors), raised by one more level so that the anchor's
own parent is kept too (a join that is itself the anchor reads its parent's state). The anchor
then hangs directly under the root. Subprocesses whose task was cut are deleted with it. The
names of the steps that were cut after they ran are remembered on the root (`ran_before`), so
that a migration's pre-check still knows every step the instance has done. A
finished workflow is left whole: nothing runs in it any more, and its end events give the outcome.

The engine prunes before it stores a state, and replay prunes after every event in the same way,
so that both run the same tree.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.util.task import TaskState

ANCESTORS_KEPT = 1
RAN_KEY = "pruned_ran"


def ran_before(workflow: Any) -> list[str]:
    """The task spec names of the completed tasks `prune` has cut from `workflow`."""
    return list(workflow.task_tree.internal_data.get(RAN_KEY, []))


def prune(workflow: Any) -> int:
    """Cut the finished part of `workflow`'s task tree that nothing can reach any more; return
    how many tasks were removed."""
    if workflow.completed:
        return 0
    tasks: dict[Any, Any] = workflow.tasks
    root = workflow.task_tree
    anchors = [t for t in tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not anchors:
        return 0
    if workflow.last_task is not None and workflow.last_task.workflow is workflow:
        anchors.append(workflow.last_task)
    anchors.extend(_splits_of_joins(anchors))
    top = _common_ancestor(anchors, tasks)
    for _ in range(ANCESTORS_KEPT):
        if top._parent is None:
            break
        top = tasks[top._parent]
    if top is root or top._parent == root.id:
        return 0
    keep = _subtree_ids(top, tasks)
    keep.add(root.id)
    cut = [task for task_id, task in tasks.items() if task_id not in keep]
    ran = {t.task_spec.name for t in cut if t.state == TaskState.COMPLETED and t is not root}
    root.internal_data[RAN_KEY] = sorted(ran.union(ran_before(workflow)))
    for task in cut:
        if task.id in workflow.subprocesses:
            workflow.delete_subprocess(task)
    for task in cut:
        del tasks[task.id]
    top._parent = root.id
    root._children = [top.id]
    return len(cut)


def _splits_of_joins(tasks: list[Any]) -> list[Any]:
    """The split tasks that unfinished structured joins (boundary event joins) will look up."""
    splits = []
    for task in tasks:
        split_name = getattr(task.task_spec, "split_task", None)
        if split_name:
            split = task.find_ancestor(split_name)
            if split is not None:
                splits.append(split)
    return splits


def _path_from_root(task: Any, tasks: dict[Any, Any]) -> list[Any]:
    path = [task]
    while task._parent is not None:
        task = tasks[task._parent]
        path.append(task)
    path.reverse()
    return path


def _common_ancestor(anchors: list[Any], tasks: dict[Any, Any]) -> Any:
    """The lowest task of which every anchor is itself or a descendant."""
    common = _path_from_root(anchors[0], tasks)
    # keyed by the UUIDs' integers: a UUID hashes in Python, an int in C
    depth = {task.id.int: index for index, task in enumerate(common)}
    length = len(common)
    for task in anchors[1:]:
        # Up from the anchor to the first task on the common path: the anchors mostly stand
        # close together, far below the root.
        while depth.get(task.id.int, length) >= length:
            task = tasks[task._parent]
        length = depth[task.id.int] + 1
    return common[length - 1]


def _subtree_ids(top: Any, tasks: dict[Any, Any]) -> set[Any]:
    keep: set[Any] = set()
    stack = [top.id]
    while stack:
        task_id = stack.pop()
        if task_id in keep or task_id not in tasks:
            continue
        keep.add(task_id)
        stack.extend(tasks[task_id]._children)
    return keep
