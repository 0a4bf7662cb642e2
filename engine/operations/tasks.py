"""Human tasks inside a write: complete one, claim or release one, under the instance's lock.

Plain functions of an `EngineContext`; `Engine.complete_task`, `claim_task` and `unclaim_task`
call them and carry the contracts. Each runs in one `ctx.transaction()`: the instance row is
locked first, then the task is read again, current, with the instance's other open tasks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from engine.base.errors import Conflict, Forbidden, NotFound
from engine.base.hooks import TaskContext
from engine.base.types import Actor, CompletionResult
from engine.context import EngineContext
from engine.operations import steps
from engine.runtime import workflow as runtime
from engine.specs.forms import validate_form_data
from engine.store.chain import append_event
from engine.store.models import HumanTask, Instance, Notification
from engine.store.task_rows import complete_row
from engine.store.unit_of_work import UnitOfWork


def complete(ctx: EngineContext, actor: Actor, task_id: int, data: Any) -> CompletionResult:
    """`Engine.complete_task`: complete an open human task with form `data`, exactly once."""
    ctx.require_write(actor)
    with ctx.transaction() as session:
        instance, row = _lock_task(session, actor, task_id)
        if row.claimed_by and not actor.holds(row.claimed_by):
            raise Conflict(f"the task is claimed by {row.claimed_by}")
        acting_as = actor.acting_as_for(row.claimed_by)
        parsed = ctx.parsed_spec(ctx.spec_row(session, instance.spec_version_id))
        workflow = ctx.workflows.take(instance.id, instance.head_hash)
        if workflow is None:
            workflow = ctx.codec.loads(instance.state, parsed)
        info = parsed.user_tasks[row.bpmn_id]
        task_data = _task_data(instance, info, row)
        task_ctx = TaskContext(
            instance.tenant,
            instance.process_id,
            instance.id,
            row.bpmn_id,
            row.name,
            row.lane,
            task_data.get(info.item_name) if info.item_name else None,
            task_data,
        )
        schema = parsed.form_schema(info.form)
        if schema is not None:
            schema = ctx.hooks.prepare_form(schema, task_ctx)
        form_data = validate_form_data(schema, data, info.form)
        derived = ctx.hooks.before_complete(task_ctx, form_data)
        runtime.complete_human_task(workflow, parsed, row.task_guid, {**form_data, **derived})
        now = ctx.clock()
        complete_row(session, row, now, actor.username)  # with the event below
        finished = steps.save_step(ctx, session, instance, workflow, parsed)
        append_event(
            session, instance, now, actor.username, acting_as, "completed",
            {"form": form_data, "derived": derived, "item": row.item, "name": row.name,
             "after": steps.snapshot(session, instance)},
            task=row.bpmn_id,
            task_guid=row.task_guid,
        )
        if finished:
            started = steps.conclude(ctx, session, actor, instance)
        else:
            started = []
            ctx.workflows.keep_after_commit(session, instance, workflow)
        return steps.result(ctx, session, instance, started)


def set_claim(ctx: EngineContext, actor: Actor, task_id: int, claim: bool) -> None:
    """`Engine.claim_task` and `unclaim_task`: take an open task for yourself, or release it."""
    ctx.require_write(actor)
    with ctx.transaction() as session:
        instance, row = _lock_task(session, actor, task_id)
        acting_as = actor.acting_as
        if claim:
            if row.claimed_by == actor.username:
                return
            if row.claimed_by:
                raise Conflict(f"the task is claimed by {row.claimed_by}")
            row.claimed_by = actor.username
        else:
            if not actor.holds(row.claimed_by):
                raise Conflict("you have not claimed this task")
            acting_as = actor.acting_as_for(row.claimed_by)
            row.claimed_by = None
        before = instance.head_hash
        append_event(
            session,
            instance,
            ctx.clock(),
            actor.username,
            acting_as,
            "claimed" if claim else "unclaimed",
            {"name": row.name},
            task=row.bpmn_id,
            task_guid=row.task_guid,
        )
        ctx.workflows.rekey_after_commit(session, instance, before)


def hand_over(ctx: EngineContext, actor: Actor, task_id: int, receiver: Actor) -> None:
    """`Engine.hand_over_task`: hand a task the actor holds (claimed by it or by someone it
    stands in for) to `receiver`, asked inside the instance's lock whether it may act on it."""
    ctx.require_write(actor)
    if receiver.tenant != actor.tenant or not receiver.can_write:
        raise Forbidden("the receiver may not act on this task")
    with ctx.transaction() as session:
        instance, row = _lock_task(session, actor, task_id)
        if not actor.holds(row.claimed_by):
            raise Conflict("you have not claimed this task")
        if not receiver.may_act_on(row.assignee, row.process_id, instance.data):
            raise Forbidden("the receiver may not act on this task")
        if receiver.username == row.claimed_by:
            return
        before = instance.head_hash
        now = ctx.clock()
        append_event(
            session, instance, now, actor.username, actor.acting_as_for(row.claimed_by),
            "handed_over", {"name": row.name, "from": row.claimed_by, "to": receiver.username},
            task=row.bpmn_id, task_guid=row.task_guid,
        )
        row.claimed_by = receiver.username
        session.add(Notification(tenant=instance.tenant, kind="handed_over",
                                 instance_id=instance.id, human_task_id=row.id,
                                 assignee=receiver.username, created_at=now))
        ctx.workflows.rekey_after_commit(session, instance, before)


# The statements that find and lock a task's instance, built once (with bind parameters) so
# that a completion does not build them, and their cache keys, again.
_TASK_INSTANCE = select(HumanTask.instance_id).where(
    HumanTask.id == bindparam("task_id"), HumanTask.tenant == bindparam("tenant")
).scalar_subquery()
# SQLite: the write lock was taken at BEGIN IMMEDIATE, so one statement reads the instance and its
# tasks, current: the task with the instance's other open tasks.
_READ_LOCKED = (
    select(Instance, HumanTask)
    .outerjoin(HumanTask, and_(HumanTask.instance_id == Instance.id, or_(
        HumanTask.id == bindparam("task_id"), HumanTask.state == "open")))
    .where(Instance.id == _TASK_INSTANCE)
    .execution_options(populate_existing=True)
)
# Elsewhere (PostgreSQL) one statement finds and locks the instance and reads the same tasks. A
# statement that waited for the lock returns the instance as it is now but the tasks of the
# snapshot it began with; it also returns the instance's `last_seq` in that snapshot (every change
# of a task appends an event to its instance), so a wait is noticed and the tasks read again.
_SNAPSHOT = aliased(Instance)
_LOCK_AND_READ = (
    select(Instance, HumanTask, select(_SNAPSHOT.last_seq).where(_SNAPSHOT.id == Instance.id)
           .scalar_subquery())
    .outerjoin(HumanTask, and_(HumanTask.instance_id == Instance.id, or_(
        HumanTask.id == bindparam("task_id"), HumanTask.state == "open")))
    .where(Instance.id == _TASK_INSTANCE)
    .with_for_update(of=Instance)
    .execution_options(populate_existing=True)
)
_READ_TASKS = (
    select(HumanTask).where(or_(HumanTask.id == bindparam("task_id"), and_(
        HumanTask.instance_id == bindparam("instance_id"), HumanTask.state == "open")))
    .execution_options(populate_existing=True)
)


def _lock_task(
    session: UnitOfWork, actor: Actor, task_id: int
) -> tuple[Instance, HumanTask]:
    params = {"task_id": task_id, "tenant": actor.tenant}
    if session.get_bind().dialect.name == "sqlite":
        pairs = session.execute(_READ_LOCKED, params).all()
        if not pairs:
            raise NotFound(f"task {task_id} does not exist")
        instance = pairs[0][0]
        rows = [task for _, task in pairs if task is not None]
    else:
        found = session.execute(_LOCK_AND_READ, params).all()
        if not found:
            raise NotFound(f"task {task_id} does not exist")
        instance = found[0][0]
        rows = [task for _, task, _ in found if task is not None]
        if found[0][2] != instance.last_seq:  # waited for the lock: the tasks are older
            rows = list(session.scalars(_READ_TASKS, {"task_id": task_id,
                                                      "instance_id": instance.id}))
    # The task's instance never changes; the step's `sync_human_tasks` need not read the other
    # open tasks again.
    row = next(r for r in rows if r.id == task_id)
    steps.open_rows_read(session, instance, [r for r in rows if r.state == "open"])
    if not actor.may_act_on(row.assignee, row.process_id, instance.data):
        raise Forbidden("this task is for another organisation or role")
    if row.state != "open":
        raise Conflict(f"the task is already {row.state}")
    return instance, row


def _task_data(instance: Instance, info: Any, row: HumanTask) -> dict[str, Any]:
    data = dict(instance.data)
    if info.item_name and row.item is not None:
        data[info.item_name] = row.item
    return data
