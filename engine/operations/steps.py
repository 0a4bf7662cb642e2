"""Inside a write transaction: start an instance, save a step, conclude a finished instance.

These functions hold no state; the engine calls them while it holds the instance's lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.base.canonical import GENESIS_HASH, data_hash, open_set, state_hash
from engine.base.errors import NotFound
from engine.base.hooks import StepData, TaskContext
from engine.base.types import Actor, CompletionResult
from engine.operations import timer_rows
from engine.operations.queries import instance_view, task_view
from engine.runtime import timers
from engine.runtime import workflow as runtime
from engine.specs import schedule
from engine.specs.forms import validate_form_data
from engine.specs.reading import ParsedSpec
from engine.store import spec_rows, task_rows
from engine.store.attributes import write_attributes
from engine.store.chain import append_event
from engine.store.models import HumanTask, Instance
from engine.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from engine.context import EngineContext



def snapshot(session: UnitOfWork, instance: Instance) -> dict[str, Any]:
    """What a replay must reproduce after a step: the open tasks and the data, and the hash of
    the stored state (which the replay cannot reproduce, but verification compares)."""
    rows = open_rows_of(session, instance, ordered=False)
    return {
        "state_hash": state_hash(instance.state),
        "data_hash": data_hash(instance.data),
        "open": open_set([(r.bpmn_id, r.item) for r in rows]),
    }


def open_rows_of(session: UnitOfWork, instance: Instance, ordered: bool = True) -> list[HumanTask]:
    """The instance's open human task rows (by id if `ordered`, which flushes new rows): those
    `sync_human_tasks` left in this transaction (no query), else read from the database."""
    known = session.open_rows.get(instance.id)
    if known is None:
        session.flush()
        return list(session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.state == "open")
            .order_by(HumanTask.id)
        ))
    rows = [r for r in known if r.state == "open"]
    if not ordered:
        return rows
    if any(r.id is None for r in rows):
        session.flush()
    return sorted(rows, key=lambda r: r.id)


def open_rows_read(session: UnitOfWork, instance: Instance, rows: list[HumanTask]) -> None:
    """The instance's open human task rows, just read under its lock: the step's
    `sync_human_tasks` uses them instead of reading them again."""
    session.read_rows[instance.id] = rows


def start(
    ctx: EngineContext,
    session: UnitOfWork,
    actor: Actor,
    process_id: str,
    data: dict[str, Any],
    parent: Instance | None,
    validate_start_form: bool,
) -> tuple[Instance, list[Instance]]:
    """Create an instance of the tenant's newest version of `process_id`; return it and any
    instances started because it finished at once."""
    spec_id = spec_rows.newest_id(session, actor.tenant, process_id)
    if spec_id is None:
        raise NotFound(f"no process '{process_id}' is deployed")
    spec_row = ctx.spec_row(session, spec_id)
    parsed = ctx.parsed_spec(spec_row)
    if validate_start_form:
        task_ctx = TaskContext(actor.tenant, process_id, None, "start", "start", None, None, {})
        schema = parsed.form_schema(parsed.start_form)
        if schema is not None:
            schema = ctx.hooks.prepare_form(schema, task_ctx)
        validate_form_data(schema, data, parsed.start_form)
    workflow = runtime.new_workflow(parsed, data)
    now = ctx.clock()
    instance = Instance(
        tenant=actor.tenant,
        process_id=process_id,
        spec_version_id=spec_row.id,
        status="running",
        outcome=None,
        title=ctx.hooks.title(process_id, data)[:300],
        parent_id=parent.id if parent is not None else None,
        state="",
        data={},
        serializer_version=ctx.codec.serializer_version,
        library_version=runtime.LIBRARY_VERSION,
        last_seq=0,
        head_hash=GENESIS_HASH,
        created_at=now,
        created_by=actor.username,
        updated_at=now,
    )
    session.add(instance)
    session.flush()
    timers.no_rows_yet(workflow)
    finished = save_step(ctx, session, instance, workflow, parsed)
    append_event(
        session, instance, now, actor.username, actor.acting_as, "started",
        {
            "process_id": process_id,
            "version": spec_row.version,
            "spec_hash": spec_row.content_hash,
            "parent_id": instance.parent_id,
            "data": data,
            "after": snapshot(session, instance),
        },
    )
    if finished:
        return instance, conclude(ctx, session, actor, instance)
    ctx.workflows.keep_after_commit(session, instance, workflow)
    return instance, []


def save_step(
    ctx: EngineContext, session: UnitOfWork, instance: Instance, workflow: Any, parsed: ParsedSpec
) -> bool:
    """Store the workflow's new state, data and human tasks; return whether it has finished."""
    now = ctx.clock()
    previous = instance.data
    timer_rows.record_timers(session, instance, workflow, now)  # before the state is serialized
    instance.state = ctx.codec.dumps(workflow)
    instance.data = runtime.current_data(workflow)
    instance.updated_at = now
    sync_human_tasks(ctx, session, instance, workflow, parsed, now)
    write_attributes(session, instance, ctx.hooks.indexed_variables(instance.process_id),
                     previous)
    ctx.hooks.after_step(session, StepData(instance.tenant, instance.id, instance.process_id,
                                           previous or {}, instance.data))
    if not runtime.is_completed(workflow):
        return False
    instance.status = "completed"
    instance.outcome = runtime.outcome(workflow)
    instance.completed_at = now
    return True


def conclude(
    ctx: EngineContext, session: UnitOfWork, actor: Actor, instance: Instance
) -> list[Instance]:
    """Record a finished instance's outcome and start what the domain starts from it."""
    now = ctx.clock()
    append_event(
        session, instance, now, actor.username, actor.acting_as, "outcome",
        {"outcome": instance.outcome, "data_hash": data_hash(instance.data)},
    )
    started: list[Instance] = []
    requests = ctx.hooks.after_completion(
        instance.id, instance.process_id, instance.outcome, instance.data
    )
    for request in requests:
        child, grandchildren = start(
            ctx, session, actor, request.process_id, request.data, instance, False
        )
        append_event(
            session, instance, now, actor.username, actor.acting_as, "child_started",
            {"instance_id": child.id, "process_id": child.process_id},
        )
        started.extend([child, *grandchildren])
    return started


def sync_human_tasks(
    ctx: EngineContext,
    session: UnitOfWork,
    instance: Instance,
    workflow: Any,
    parsed: ParsedSpec,
    now: datetime,
) -> None:
    """Copy the READY human tasks into `human_task`; close the rows that are no longer ready.

    The open rows are kept in the unit of work for `snapshot` and the engine's result, so that
    the rest of the step does not read them again."""
    ready = {task.guid: task for task in runtime.ready_tasks(workflow, parsed)}
    read = session.read_rows.pop(instance.id, None)
    if read is None:
        with session.no_autoflush:  # no flush: a row this step already closed is filtered below
            read = list(session.scalars(select(HumanTask).where(
                HumanTask.instance_id == instance.id, HumanTask.state == "open")))
    open_rows = [r for r in read if r.state == "open"]
    for row in open_rows:
        if row.task_guid not in ready:
            row.state = "cancelled"
            row.completed_at = now
    session.open_rows[instance.id] = open_rows
    known = {row.task_guid for row in open_rows}
    new: list[HumanTask] = []
    for guid, task in ready.items():
        if guid in known:
            continue
        task_ctx = TaskContext(
            tenant=instance.tenant,
            process_id=instance.process_id,
            instance_id=instance.id,
            bpmn_id=task.bpmn_id,
            name=task.info.name,
            lane=task.info.lane,
            item=task.item,
            data=task.data,
        )
        row = HumanTask(
            instance_id=instance.id,
            tenant=instance.tenant,
            process_id=instance.process_id,
            task_guid=guid,
            bpmn_id=task.bpmn_id,
            name=task.info.name,
            lane=task.info.lane,
            assignee=ctx.hooks.assign(task_ctx),
            item=None if task.item is None else str(task.item),
            form=task.info.form,
            title=instance.title,
            state="open",
            created_at=now,
            due_at=schedule.due_at(parsed, task.bpmn_id, now),
            claimed_by=None,
            completed_at=None,
            completed_by=None,
        )
        new.append(row)
    task_rows.add_open_tasks(session, new)  # one statement for the rows, one for the outbox
    open_rows.extend(new)


def result(
    ctx: EngineContext, session: UnitOfWork, instance: Instance, started: list[Instance]
) -> CompletionResult:
    """What a start or completion returns: the instance, its open tasks, what it started, built
    from the rows the step holds (their ids known: new task rows come back from their INSERT)."""
    open_rows = open_rows_of(session, instance)
    version = ctx.spec_row(session, instance.spec_version_id).version
    return CompletionResult(
        instance=instance_view(instance, version),
        open_tasks=[task_view(r) for r in open_rows],
        started=[
            instance_view(i, ctx.spec_row(session, i.spec_version_id).version)
            for i in started
        ],
    )
