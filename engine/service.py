"""The engine's write side: deploy specs, start instances, claim and complete human tasks.

Every change runs in one transaction holding the instance's lock (a row lock on PostgreSQL, an
immediate transaction on SQLite): load → check READY and the caller's right → run → save the
state, the human tasks and the events. A failure anywhere rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from . import catalog, ledger, runtime, steps
from .chain import append_event
from .db import Database
from .errors import Conflict, Forbidden, InvalidData, NotFound
from .firing import Timers
from .forms import validate_form_data
from .limits import cardinality_bounded, fits_columns
from .maintenance import Maintenance
from .models import HumanTask, Instance, SpecVersion
from .queries import Queries, instance_view, task_view
from .schedule import due_in_valid, timers_valid
from .schemas import forms_bounded
from .singleton import Singletons
from .sources import SpecSource
from .specs import ParsedSpec, SpecCache, validate_source
from .timer_models import Notification
from .types import (
    Actor,
    CompletionResult,
    DefaultHooks,
    DeployResult,
    Hooks,
    InstanceView,
    SpecVersionView,
    TaskContext,
)
from .workflow_cache import AFTER_COMMIT, WorkflowCache
from .workflow_cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class Engine(Queries, Maintenance, Timers, Singletons):
    """A BPMN engine over one database. Thread-safe; share one per process."""

    def __init__(
        self,
        db: Database,
        hooks: Hooks | None = None,
        clock: Callable[[], datetime] = utc_now,
        workflow_cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.db = db
        self.hooks: Hooks = hooks or DefaultHooks()
        self.clock = clock
        self.codec = runtime.WorkflowCodec()
        self.specs = SpecCache()
        self._spec_rows: dict[int, SpecVersion] = {}
        self.workflows = WorkflowCache(workflow_cache_size)
        super().__init__(db, self)

    # -- specs -------------------------------------------------------------------------------

    def lint(self, source: SpecSource) -> ParsedSpec:
        """Validate a spec with the engine's and the domain's rules; SpecError if not valid."""
        rules = [fits_columns, cardinality_bounded, due_in_valid, timers_valid, forms_bounded,
                 *self.hooks.spec_rules()]
        return validate_source(source, rules)

    def deploy(self, tenant: str, source: SpecSource, deployed_by: str) -> DeployResult:
        """Validate and store `source` as the tenant's next version of its process.

        The same content (by hash) deployed again is a no-op that returns the tenant's existing
        version. Running instances keep the version they started on; other tenants' versions
        are never read or changed.
        """
        return catalog.deploy(self, tenant, source, deployed_by)

    def publish(self, tenant: str, process_id: str, version: int, by: str,
                published: bool = True) -> SpecVersionView:
        """Offer one of the tenant's versions to other tenants to adopt (or withdraw it)."""
        return catalog.publish(self, tenant, process_id, version, by, published)

    def adopt(self, tenant: str, from_tenant: str, process_id: str, version: int,
              adopted_by: str) -> DeployResult:
        """Take a version another tenant published as the tenant's own next version."""
        return catalog.adopt(self, tenant, from_tenant, process_id, version, adopted_by)

    def spec_row(self, session: Session, spec_version_id: int) -> SpecVersion:
        """A deployed version by id, read once per process (a version never changes)."""
        cached = self._spec_rows.get(spec_version_id)
        if cached is None:
            row = session.get_one(SpecVersion, spec_version_id)
            # A copy in no session: a rollback expires the session's objects, not this one.
            cached = SpecVersion(**{c.key: getattr(row, c.key)
                                    for c in SpecVersion.__table__.columns})
            self._spec_rows[spec_version_id] = cached
        return cached

    def parsed_spec(self, row: SpecVersion) -> ParsedSpec:
        """The runnable spec of a stored version (parsed once, then cached by hash)."""
        return self.specs.get(
            row.content_hash, lambda: SpecSource(row.filename, row.bpmn, dict(row.forms))
        )

    # -- instances ---------------------------------------------------------------------------

    def start_instance(
        self, actor: Actor, process_id: str, data: dict[str, Any]
    ) -> CompletionResult:
        """Start an instance of the newest version of `process_id` with start-form `data`.

        Raises NotFound (no such process), Forbidden (the domain refuses), InvalidData.
        Committed: the instance, its first human tasks and its `started` event.
        """
        self._require_write(actor)
        self.hooks.check_start(actor, process_id, data)
        with self._transaction() as session:
            instance, started = steps.start(self, session, actor, process_id, data, None, True)
            return self._result(session, instance, started)

    # -- human tasks -------------------------------------------------------------------------

    def complete_task(self, actor: Actor, task_id: int, data: Any) -> CompletionResult:
        """Complete an open human task with form `data`, exactly once.

        Allowed only for an open task of the actor's tenant that one of the actor's groups must do
        and that nobody else has claimed. Raises NotFound, Forbidden, Conflict (not open any more,
        claimed by another), InvalidData (form or domain rule). Committed: the new state, the
        human tasks, the `completed` event and any outcome and started instances.
        """
        self._require_write(actor)
        with self._transaction() as session:
            instance, row = self._lock_task(session, actor, task_id)
            if row.claimed_by and not actor.holds(row.claimed_by):
                raise Conflict(f"the task is claimed by {row.claimed_by}")
            acting_as = actor.acting_as_for(row.claimed_by)
            parsed = self.parsed_spec(self.spec_row(session, instance.spec_version_id))
            workflow = self.workflows.take(instance.id, instance.head_hash)
            if workflow is None:
                workflow = self.codec.loads(instance.state, parsed)
            info = parsed.user_tasks[row.bpmn_id]
            task_data = self._task_data(instance, info, row)
            ctx = TaskContext(
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
                schema = self.hooks.prepare_form(schema, ctx)
            form_data = validate_form_data(schema, data, info.form)
            derived = self.hooks.before_complete(ctx, form_data)
            runtime.complete_human_task(workflow, parsed, row.task_guid, {**form_data, **derived})
            now = self.clock()
            row.state = "completed"
            row.completed_at = now
            row.completed_by = actor.username
            finished = steps.save_step(self, session, instance, workflow, parsed)
            append_event(
                session, instance, now, actor.username, acting_as, "completed",
                {"form": form_data, "derived": derived, "item": row.item, "name": row.name,
                 "after": steps.snapshot(session, instance)},
                task=row.bpmn_id,
                task_guid=row.task_guid,
            )
            if finished:
                started = steps.conclude(self, session, actor, instance)
            else:
                started = []
                self.workflows.keep_after_commit(session, instance, workflow)
            return self._result(session, instance, started)

    def claim_task(self, actor: Actor, task_id: int) -> None:
        """Take an open task for yourself. Raises Conflict if someone else holds it."""
        self._set_claim(actor, task_id, claim=True)

    def unclaim_task(self, actor: Actor, task_id: int) -> None:
        """Release a task you hold. Raises Conflict if you do not hold it."""
        self._set_claim(actor, task_id, claim=False)

    def hand_over_task(self, actor: Actor, task_id: int, receiver: Actor) -> None:
        """Hand a task the actor holds (claimed by it or by someone it stands in for) to
        `receiver`, who then holds it. Raises Conflict when the actor does not hold it, Forbidden
        when the receiver may not act on it (asked inside the instance's lock)."""
        self._require_write(actor)
        if receiver.tenant != actor.tenant or not receiver.can_write:
            raise Forbidden("the receiver may not act on this task")
        with self._transaction() as session:
            instance, row = self._lock_task(session, actor, task_id)
            if not actor.holds(row.claimed_by):
                raise Conflict("you have not claimed this task")
            if not receiver.may_act_on(row.assignee, row.process_id, instance.data):
                raise Forbidden("the receiver may not act on this task")
            if receiver.username == row.claimed_by:
                return
            before = instance.head_hash
            now = self.clock()
            append_event(
                session, instance, now, actor.username, actor.acting_as_for(row.claimed_by),
                "handed_over", {"name": row.name, "from": row.claimed_by,
                                "to": receiver.username},
                task=row.bpmn_id, task_guid=row.task_guid,
            )
            row.claimed_by = receiver.username
            session.add(Notification(tenant=instance.tenant, kind="handed_over",
                                     instance_id=instance.id, human_task_id=row.id,
                                     assignee=receiver.username, created_at=now))
            self.workflows.rekey_after_commit(session, instance, before)

    def _set_claim(self, actor: Actor, task_id: int, claim: bool) -> None:
        self._require_write(actor)
        with self._transaction() as session:
            instance, row = self._lock_task(session, actor, task_id)
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
                self.clock(),
                actor.username,
                acting_as,
                "claimed" if claim else "unclaimed",
                {"name": row.name},
                task=row.bpmn_id,
                task_guid=row.task_guid,
            )
            self.workflows.rekey_after_commit(session, instance, before)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A write transaction that seals the ledger with every chain head it changed; the
        callables in `session.info[AFTER_COMMIT]` run once it has committed."""
        after: list[Callable[[], None]] = []
        with self.db.write() as session:
            session.info[AFTER_COMMIT] = after
            yield session
            ledger.seal(session, self.clock())
        for callback in after:
            callback()

    def _lock_task(
        self, session: Session, actor: Actor, task_id: int
    ) -> tuple[Instance, HumanTask]:
        # One statement finds and locks the instance; the task row is read after the lock so
        # that it is current (a task's instance never changes), together with the instance's
        # other open tasks, which the step's `sync_human_tasks` then need not read again.
        instance = session.scalars(
            select(Instance)
            .where(Instance.id == select(HumanTask.instance_id).where(
                HumanTask.id == task_id, HumanTask.tenant == actor.tenant
            ).scalar_subquery())
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if instance is None:
            raise NotFound(f"task {task_id} does not exist")
        rows = session.scalars(
            select(HumanTask)
            .where(or_(HumanTask.id == task_id, and_(HumanTask.instance_id == instance.id,
                                                      HumanTask.state == "open")))
            .execution_options(populate_existing=True)
        ).all()
        row = next(r for r in rows if r.id == task_id)
        steps.open_rows_read(session, instance, [r for r in rows if r.state == "open"])
        if not actor.may_act_on(row.assignee, row.process_id, instance.data):
            raise Forbidden("this task is for another organisation or role")
        if row.state != "open":
            raise Conflict(f"the task is already {row.state}")
        return instance, row

    def _task_data(self, instance: Instance, info: Any, row: HumanTask) -> dict[str, Any]:
        data = dict(instance.data)
        if info.item_name and row.item is not None:
            data[info.item_name] = row.item
        return data

    def _require_write(self, actor: Actor) -> None:
        if not actor.can_write:
            raise Forbidden(f"{actor.acting_as} may read but not change anything")

    def _result(
        self, session: Session, instance: Instance, started: list[Instance]
    ) -> CompletionResult:
        session.flush()
        open_rows = steps.open_rows_of(session, instance)
        version = self.spec_row(session, instance.spec_version_id).version
        return CompletionResult(
            instance=instance_view(instance, version),
            open_tasks=[task_view(r) for r in open_rows],
            started=[
                instance_view(i, self.spec_row(session, i.spec_version_id).version)
                for i in started
            ],
        )


__all__ = ["Engine", "InstanceView", "InvalidData", "utc_now"]
