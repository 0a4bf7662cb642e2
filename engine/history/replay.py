"""Replay: re-run an instance from its history on the exact spec version it ran on.

The recorded human inputs (who completed which task with which data) are fed in order to a fresh
workflow built from the stored spec, identified by its content hash. After every step the open
tasks and the data must equal what was recorded; at the end the outcome, the data and the stored
state must agree. Claims do not matter to the process and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.canonical import data_hash, open_set, state_hash
from engine.base.errors import EngineError, NotFound
from engine.base.findings import Finding
from engine.base.types import EventView
from engine.runtime import migration as migrate
from engine.runtime import timers
from engine.runtime import workflow as runtime
from engine.runtime.pruning import prune
from engine.specs.meanings import changed_meanings, recorded_choices
from engine.specs.sources import SpecSource
from engine.store.chain import read_events
from engine.store.models import HumanTask, Instance, SpecVersion
from engine.store.spec_rows import by_hash

if TYPE_CHECKING:
    from engine.context import EngineContext


@dataclass(frozen=True)
class ReplayStep:
    """The state of a replayed instance after one event: for the auditor's step-through."""

    seq: int
    kind: str
    task: str | None
    actor: str
    acting_as: str
    data_before: dict[str, Any]
    data_after: dict[str, Any]
    open_tasks: list[list[str | None]]
    path: list[str]


class SpecRows:
    """The spec versions a run of replays reads, each looked up and checked against its own
    content once (by tenant, process and content hash), not once per instance. The rows stay
    readable after their session (read sessions expire nothing)."""

    def __init__(self) -> None:
        self._checked: dict[tuple[str, str, str], tuple[SpecVersion | None, bool]] = {}

    def get(self, session: Session, tenant: str, process_id: str,
            content_hash: Any) -> tuple[SpecVersion | None, bool]:
        """The stored version with `content_hash` (None when missing) and whether its content
        still matches its hash."""
        key = (tenant, process_id, str(content_hash))
        if key not in self._checked:
            row = by_hash(session, tenant, process_id, content_hash)
            intact = row is not None and SpecSource(
                row.filename, row.bpmn, dict(row.forms)).content_hash == row.content_hash
            self._checked[key] = (row, intact)
        return self._checked[key]


def replay_instance(
    ctx: EngineContext, session: Session, instance: Instance, events: list[EventView],
    steps: list[ReplayStep] | None = None, specs: SpecRows | None = None,
    stored_open: list[tuple[str, str | None]] | None = None,
) -> tuple[int, list[Finding]]:
    """Replay `instance` from `events`; return the number of steps replayed and the findings.

    When `steps` is given, the state after each event is appended to it. `specs` shares the
    spec versions read among the replays of one run; `stored_open` is the instance's open human
    task rows (bpmn id, item) when the run read them with others'.
    """
    specs = specs or SpecRows()
    findings: list[Finding] = []

    def finding(what: str, event: EventView | None = None) -> None:
        findings.append(Finding(instance.id, what, event.seq if event else None,
                                event.task if event else None))

    if not events or events[0].kind != "started":
        finding("the history does not begin with the start")
        return 0, findings
    spec_row = _spec_row(session, specs, instance, events[0].data.get("spec_hash"), finding,
                         events[0])
    if spec_row is None:
        return 0, findings
    parsed = ctx.parsed_spec(spec_row)
    workflow = None
    replayed = 0
    previous: dict[str, Any] = {}
    path = runtime.PathTaken()
    # The READY tasks, read once a step (as a set: the order matters only to `_ready_task`):
    # compared with the record, then searched by the next completion.
    ready: list[runtime.ReadyTask] | None = None
    for event in events:
        try:
            if event.kind == "started":
                workflow = runtime.new_workflow(parsed, dict(event.data.get("data") or {}))
            elif event.kind == "completed":
                if workflow is None:
                    finding("a completion before the start", event)
                    break
                guid = _ready_task(workflow, parsed, ready, event)
                if guid is None:
                    finding(f"the step was not ready in the replay (recorded item "
                            f"{event.data.get('item')!r})", event)
                    break
                form = dict(event.data.get("form") or {})
                derived = dict(event.data.get("derived") or {})
                runtime.complete_human_task(workflow, parsed, guid, {**form, **derived})
            elif event.kind == "outcome":
                if workflow is None or not runtime.is_completed(workflow):
                    finding("the history records an outcome the replay did not reach", event)
                    break
                reached = runtime.outcome(workflow)
                if reached != event.data.get("outcome"):
                    finding(f"outcome: recorded {event.data.get('outcome')!r}, replay reached "
                            f"{reached!r}", event)
                if data_hash(runtime.current_data(workflow)) != event.data.get("data_hash"):
                    finding("the final data differs from the recorded data", event)
            elif event.kind == "timer_fired":
                if workflow is None:
                    finding("a timer before the start", event)
                    break
                missing = timers.fire_recorded(workflow, list(event.data.get("timers") or []))
                if missing:
                    finding(f"the timers {missing} were not waiting in the replay", event)
                    break
            elif event.kind == "child_started":
                _check_child(session, instance, event, finding)
            elif event.kind == "migrated":
                if workflow is None:
                    finding("a migration before the start", event)
                    break
                target = _spec_row(session, specs, instance, event.data.get("to_hash"), finding,
                                   event)
                if target is None:
                    break
                moved = ctx.parsed_spec(target)
                for reason in changed_meanings(parsed, moved, recorded_choices(
                        e for e in events if e.seq < event.seq)):
                    finding(f"the migration changed what a recorded choice means: {reason}",
                            event)
                parsed = moved
                migrate.apply_migration(ctx.codec.registry, workflow, parsed)
                spec_row = target
        except EngineError as error:
            finding(f"the replay failed: {error}", event)
            break
        if workflow is None:
            continue
        replayed += 1
        if steps is not None:
            path.update(workflow)
        prune(workflow)  # as the engine does before it stores the state
        after = event.data.get("after")
        # Nothing changes the workflow between this check and the next event, which finds its
        # task among the same READY tasks.
        ready = None
        if after is not None or steps is not None:
            ready = runtime.ready_task_set(workflow, parsed)
        if after is not None and ready is not None:
            _compare(workflow, ready, after, event, finding)
        if steps is not None and ready is not None:
            now = runtime.current_data(workflow)
            steps.append(ReplayStep(
                seq=event.seq, kind=event.kind, task=event.task, actor=event.actor,
                acting_as=event.acting_as, data_before=previous, data_after=now,
                open_tasks=_open(ready), path=list(path.ids)))
            previous = now
    if workflow is not None and not findings:
        if spec_row.id != instance.spec_version_id:
            finding("the instance points at another spec version than its history reached")
        _compare_stored(session, instance, workflow,
                        runtime.ready_task_set(workflow, parsed) if ready is None else ready,
                        events, finding, stored_open)
    return replayed, findings


def _spec_row(session: Session, specs: SpecRows, instance: Instance, content_hash: Any,
              finding: Any, event: EventView) -> SpecVersion | None:
    """The instance's tenant's stored version with `content_hash`, checked against its own
    content."""
    row, intact = specs.get(session, instance.tenant, instance.process_id, content_hash)
    if row is None:
        finding(f"the spec version {str(content_hash)[:12]}… the history names is missing", event)
        return None
    if not intact:
        finding(f"the stored spec version {row.version} was changed: its content no longer "
                "matches its hash")
        return None
    return row


def _ready_task(workflow: Any, parsed: Any, ready: list[runtime.ReadyTask] | None,
                event: EventView) -> str | None:
    """The task the completion `event` names: the first in the workflow's task order when
    several match (as `ready_tasks` lists them)."""
    item = event.data.get("item")

    def matching(tasks: list[runtime.ReadyTask]) -> list[str]:
        return [t.guid for t in tasks
                if t.bpmn_id == event.task and (item is None or str(t.item) == str(item))]

    found = matching(runtime.ready_task_set(workflow, parsed) if ready is None else ready)
    if len(found) > 1:
        found = matching(runtime.ready_tasks(workflow, parsed))
    return found[0] if found else None


def _open(ready: list[runtime.ReadyTask]) -> list[list[str | None]]:
    return open_set([(t.bpmn_id, None if t.item is None else str(t.item)) for t in ready])


def _compare(workflow: Any, ready: list[runtime.ReadyTask], after: dict[str, Any],
             event: EventView, finding: Any) -> None:
    replayed_open = _open(ready)
    if replayed_open != after.get("open"):
        finding(f"open tasks: recorded {after.get('open')}, replay has {replayed_open}", event)
    if data_hash(runtime.current_data(workflow)) != after.get("data_hash"):
        finding("the data after this step differs from the recorded data", event)


def _check_child(session: Session, instance: Instance, event: EventView, finding: Any) -> None:
    child = session.get(Instance, event.data.get("instance_id"))
    if child is None:
        finding(f"the started instance {event.data.get('instance_id')} does not exist", event)
    elif child.parent_id != instance.id or child.process_id != event.data.get("process_id"):
        finding(f"instance {child.id} is not the {event.data.get('process_id')} started here",
                event)


def _compare_stored(session: Session, instance: Instance, workflow: Any,
                    ready: list[runtime.ReadyTask], events: list[EventView], finding: Any,
                    stored_open: list[tuple[str, str | None]] | None) -> None:
    """The stored row must be what the replay arrived at, and the state what was recorded."""
    replayed_data = runtime.current_data(workflow)
    if replayed_data != instance.data:
        changed = sorted(k for k in set(replayed_data) | set(instance.data)
                         if replayed_data.get(k) != instance.data.get(k))
        finding("the instance's stored data differs from the replay in: " + ", ".join(changed))
    finished = runtime.is_completed(workflow)
    status = "completed" if finished else "running"
    if instance.status != status:
        finding(f"status: stored {instance.status!r}, replay {status!r}")
    if finished and instance.outcome != runtime.outcome(workflow):
        finding(f"outcome: stored {instance.outcome!r}, replay {runtime.outcome(workflow)!r}")
    last_after = next((e.data["after"] for e in reversed(events) if "after" in e.data), None)
    if last_after is not None and state_hash(instance.state) != last_after.get("state_hash"):
        finding("the instance's stored state was changed after it was recorded")
    if stored_open is None:
        stored_open = [(r[0], r[1]) for r in session.execute(
            select(HumanTask.bpmn_id, HumanTask.item).where(
                HumanTask.instance_id == instance.id, HumanTask.state == "open"))]
    stored, replayed_open = open_set(stored_open), _open(ready)
    if stored != replayed_open:
        finding(f"open human tasks: stored {stored}, replay {replayed_open}")


def replay_steps(
    ctx: EngineContext, tenant: str, instance_id: int
) -> tuple[list[ReplayStep], list[Finding]]:
    """The replayed state after each event of one instance, for stepping through it."""
    with ctx.db.read() as session:
        instance = session.scalar(
            select(Instance).where(Instance.id == instance_id, Instance.tenant == tenant))
        if instance is None:
            raise NotFound(f"instance {instance_id} does not exist")
        events = read_events(session, [instance_id])[instance_id]
        collected: list[ReplayStep] = []
        _, findings = replay_instance(ctx, session, instance, events, collected)
        return collected, findings
