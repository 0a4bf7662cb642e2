"""The engine's read side: task lists, tasks, instances, history, versions.

Reads never deserialize a workflow: the task list is one indexed query on `human_task`, and an
instance's data is the snapshot saved with its state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, select

from engine.base.errors import NotFound
from engine.base.hooks import TaskContext
from engine.base.types import (
    EventView,
    Grant,
    InstanceView,
    SpecVersionView,
    TaskDetail,
    TaskView,
)
from engine.store import inbox, spec_rows
from engine.store.chain import event_view, purged_hashes
from engine.store.models import Event, HumanTask, Instance, SpecVersion

if TYPE_CHECKING:
    from engine.context import EngineContext

TASK_LIST_LIMIT = 500
COUNT_CAP = 999  # the task list's tabs count up to this, then say "999+"


def task_count_cap() -> int:
    """How far `Engine.count_tasks` counts by default (`COUNT_CAP`, read at each call)."""
    return COUNT_CAP


def task_view(row: HumanTask) -> TaskView:
    """The public view of a human task row."""
    return TaskView(
        id=row.id,
        instance_id=row.instance_id,
        process_id=row.process_id,
        bpmn_id=row.bpmn_id,
        name=row.name,
        lane=row.lane,
        assignee=row.assignee,
        item=row.item,
        title=row.title,
        state=row.state,
        claimed_by=row.claimed_by,
        created_at=row.created_at,
        due_at=row.due_at,
        completed_at=row.completed_at,
        completed_by=row.completed_by,
    )


def instance_view(row: Instance, version: int) -> InstanceView:
    """The public view of an instance row."""
    return InstanceView(
        id=row.id,
        tenant=row.tenant,
        process_id=row.process_id,
        version=version,
        status=row.status,
        outcome=row.outcome,
        title=row.title,
        parent_id=row.parent_id,
        data=dict(row.data),
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


def _instances_with_version() -> Select[Instance, int]:
    return select(Instance, SpecVersion.version).join(
        SpecVersion, SpecVersion.id == Instance.spec_version_id
    )


def list_tasks(
    ctx: EngineContext,
    tenant: str,
    assignees: Iterable[str | Grant],
    process_id: str | None = None,
    claimed_by: str | tuple[str, ...] | None = None,
    instance_id: int | None = None,
    limit: int = TASK_LIST_LIMIT,
    where: ColumnElement[bool] | None = None,
) -> list[TaskView]:
    """Open human tasks of `tenant` that any of `assignees` (grants, or assignee keys granted
    everywhere) allows, newest first: one statement. `where` narrows it further (a condition
    on `human_task` the caller builds: a search, a filter).

    Each grant's newest `limit` tasks are read in index order (`ix_human_task_inbox`, or
    `ix_human_task_process` for one process) and only those are merged and sorted, so the
    cost depends on `limit` and the number of assignees, not on the backlog."""
    query = inbox.newest_tasks(tenant, inbox.as_grants(assignees), process_id, claimed_by,
                               instance_id, limit, where)
    if query is None:
        return []
    with ctx.db.read() as session:
        return [task_view(row) for row in session.scalars(query)]


def count_tasks(ctx: EngineContext, tenant: str, assignees: Iterable[str | Grant],
                cap: int | None = None) -> dict[str, int]:
    """Open tasks per process for the task list's tabs, each counted up to `cap` + 1
    (`COUNT_CAP` by default; a count above `cap` means "more than `cap`"), so the cost does
    not grow with the backlog: one capped index range per deployed process."""
    cap = COUNT_CAP if cap is None else cap
    grants = inbox.as_grants(assignees)
    with ctx.db.read() as session:
        processes = spec_rows.process_ids(session, tenant)
        statement = inbox.tab_counts(tenant, grants, processes, cap)
        if statement is None:
            return {}
        rows = session.execute(statement).all()
    return {str(process_id): int(n) for process_id, n in rows if n}


def open_tasks_of(ctx: EngineContext, instance_id: int) -> list[TaskView]:
    """Every open task of one instance, whoever must do it."""
    with ctx.db.read() as session:
        rows = session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.state == "open")
            .order_by(HumanTask.id)
        )
        return [task_view(row) for row in rows]


def get_task(ctx: EngineContext, tenant: str, task_id: int) -> TaskDetail:
    """One task of `tenant` with its prepared form schema, instructions and data."""
    with ctx.db.read() as session:
        row = session.scalar(
            select(HumanTask).where(HumanTask.id == task_id, HumanTask.tenant == tenant)
        )
        if row is None:
            raise NotFound(f"task {task_id} does not exist")
        instance = session.get_one(Instance, row.instance_id)
        spec_row = session.get_one(SpecVersion, instance.spec_version_id)
    parsed = ctx.parsed_spec(spec_row)
    info = parsed.user_tasks[row.bpmn_id]
    data: dict[str, Any] = dict(instance.data)
    if info.item_name and row.item is not None:
        data[info.item_name] = row.item
    schema = parsed.form_schema(info.form)
    if schema is not None:
        task_ctx = TaskContext(
            tenant,
            row.process_id,
            row.instance_id,
            row.bpmn_id,
            row.name,
            row.lane,
            row.item,
            data,
        )
        schema = ctx.hooks.prepare_form(schema, task_ctx)
    return TaskDetail(
        task=task_view(row),
        instructions=info.instructions,
        form_schema=schema,
        data=data,
        instance_status=instance.status,
    )


def _spec_row_of(ctx: EngineContext, tenant: str, instance_id: int) -> SpecVersion:
    """The spec version an instance of `tenant` runs on. Raises NotFound."""
    with ctx.db.read() as session:
        row = session.execute(
            select(SpecVersion)
            .join(Instance, Instance.spec_version_id == SpecVersion.id)
            .where(Instance.id == instance_id, Instance.tenant == tenant)
        ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"instance {instance_id} does not exist")
    return row


def forms_of_instance(ctx: EngineContext, tenant: str, instance_id: int) -> list[dict[str, Any]]:
    """The JSON Schemas of every form in the spec version an instance runs on."""
    row = _spec_row_of(ctx, tenant, instance_id)
    return [schema for schema in row.forms.values() if isinstance(schema, dict)]


def bpmn_of_instance(ctx: EngineContext, tenant: str, instance_id: int) -> bytes:
    """The BPMN file of the spec version an instance runs on."""
    return bytes(_spec_row_of(ctx, tenant, instance_id).bpmn)


def element_names_of(ctx: EngineContext, tenant: str, instance_id: int) -> dict[str, str]:
    """Element id → name in the spec version an instance runs on."""
    return dict(ctx.parsed_spec(_spec_row_of(ctx, tenant, instance_id)).element_names)


def end_events_of(ctx: EngineContext, tenant: str, instance_id: int) -> dict[str, str]:
    """End event id → name in the spec version an instance runs on."""
    return dict(ctx.parsed_spec(_spec_row_of(ctx, tenant, instance_id)).end_events)


def start_form(ctx: EngineContext, tenant: str, process_id: str) -> dict[str, Any] | None:
    """The start form of the tenant's newest version of a process, if it has one."""
    with ctx.db.read() as session:
        spec_id = spec_rows.newest_id(session, tenant, process_id)
        if spec_id is None:
            raise NotFound(f"no process '{process_id}' is deployed")
        parsed = ctx.parsed_spec(ctx.spec_row(session, spec_id))
    return parsed.form_schema(parsed.start_form)


def get_instance(ctx: EngineContext, tenant: str, instance_id: int) -> InstanceView:
    """One instance of `tenant`. Raises NotFound."""
    with ctx.db.read() as session:
        found = session.execute(
            _instances_with_version().where(
                Instance.id == instance_id, Instance.tenant == tenant
            )
        ).first()
        if found is None:
            raise NotFound(f"instance {instance_id} does not exist")
        return instance_view(found[0], found[1])


def list_instances(
    ctx: EngineContext,
    tenant: str,
    process_id: str | None = None,
    status: str | None = None,
    parent_id: int | None = None,
    ids: Iterable[int] | None = None,
    limit: int = 500,
) -> list[InstanceView]:
    """Instances of `tenant`, newest first, optionally filtered (none for `ids` empty)."""
    of_tenant: ColumnElement[str] = Instance.tenant.expression
    if ids is not None:
        ids = list(ids)
        if not ids:
            # Not asked: SQLite would walk every instance of the tenant in id order for the
            # always-false `IN ()` (26 ms at 100 000: an overview page that found nothing).
            return []
        if ctx.db.is_sqlite:
            # The ids (a page's) are looked up by the key: SQLite, which has no statistics,
            # would read every instance of the tenant by an index on `tenant` and sort them
            # (20 ms at 100 000 instances; 1 ms by the key).
            of_tenant = Instance.tenant + ""
    query = _instances_with_version().where(of_tenant == tenant)
    if process_id is not None:
        query = query.where(Instance.process_id == process_id)
    if status is not None:
        query = query.where(Instance.status == status)
    if parent_id is not None:
        query = query.where(Instance.parent_id == parent_id)
    if ids is not None:
        query = query.where(Instance.id.in_(ids))
    query = query.order_by(Instance.id.desc()).limit(limit)
    with ctx.db.read() as session:
        return [instance_view(row, version) for row, version in session.execute(query)]


def events(ctx: EngineContext, tenant: str, instance_id: int) -> list[EventView]:
    """The history of one instance, in order (a purged event with the hash its purged content
    chains to)."""
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Event)
            .where(Event.instance_id == instance_id, Event.tenant == tenant)
            .order_by(Event.seq)
        )
        purged = purged_hashes(session, [instance_id])[instance_id]
        return [event_view(row, purged.get(row.seq)) for row in rows]


def spec_bpmn(ctx: EngineContext, tenant: str, process_id: str, version: int) -> bytes:
    """The BPMN file of one of the tenant's versions."""
    return spec_rows.bpmn(ctx.db, tenant, process_id, version)


def deployed_form(ctx: EngineContext, tenant: str, path: str, process_id: str | None = None
                  ) -> Any | None:
    """The tenant's newest deployed form at `path` (of `process_id` first, then of any of
    its processes)."""
    return spec_rows.deployed_form(ctx.db, tenant, path, process_id)


def spec_versions(ctx: EngineContext, tenant: str, process_id: str | None = None
                  ) -> list[SpecVersionView]:
    """The tenant's deployed versions, newest first per process."""
    return spec_rows.versions(ctx.db, tenant, process_id)


def published_versions(ctx: EngineContext, other_than: str) -> list[SpecVersionView]:
    """Versions other tenants published for adoption, newest first per tenant, process."""
    return spec_rows.published(ctx.db, other_than)
