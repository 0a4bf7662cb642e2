"""The engine's write side: deploy specs, start instances, claim and complete human tasks.

Every change runs in one transaction holding the instance's lock (a row lock on PostgreSQL, an
immediate transaction on SQLite): load → check READY and the caller's right → run → save the
state, the human tasks and the events. A failure anywhere rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from engine.base.errors import InvalidData
from engine.base.findings import Finding
from engine.base.hooks import DefaultHooks, Hooks
from engine.base.types import (
    Actor,
    CompletionResult,
    DeployResult,
    EventView,
    Grant,
    InstanceView,
    SpecVersionView,
    TaskDetail,
    TaskView,
)
from engine.context import EngineContext, SpecCatalogue, utc_now
from engine.history import audit, replay
from engine.history.audit import Verification
from engine.history.replay import ReplayStep
from engine.operations import (
    annotation,
    catalog,
    firing,
    maintenance,
    queries,
    redaction,
    singleton,
    steps,
    tasks,
)
from engine.operations.queries import TASK_LIST_LIMIT
from engine.runtime import workflow as runtime
from engine.runtime.migration import MigrationCheck
from engine.runtime.workflow_cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE
from engine.runtime.workflow_cache import WorkflowCache
from engine.specs.reading import ParsedSpec
from engine.specs.sources import SpecSource
from engine.store.db import Database
from engine.store.models import Base


class Engine:
    """A BPMN engine over one database. Thread-safe; share one per process."""

    def __init__(
        self,
        db: Database,
        hooks: Hooks | None = None,
        clock: Callable[[], datetime] = utc_now,
        workflow_cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._ctx = EngineContext(
            db=db,
            hooks=hooks or DefaultHooks(),
            clock=clock,
            codec=runtime.WorkflowCodec(),
            specs=SpecCatalogue(),
            workflows=WorkflowCache(workflow_cache_size),
        )
        self.db = db
        self.hooks: Hooks = self._ctx.hooks
        self.clock = clock
        self.codec = self._ctx.codec
        self.specs = self._ctx.specs
        self.workflows = self._ctx.workflows

    # -- specs -------------------------------------------------------------------------------

    def lint(self, source: SpecSource) -> ParsedSpec:
        """Validate a spec with the engine's and the domain's rules; SpecError if not valid."""
        return self._ctx.lint(source)

    def deploy(self, tenant: str, source: SpecSource, deployed_by: str) -> DeployResult:
        """Validate and store `source` as the tenant's next version of its process.

        The same content (by hash) deployed again is a no-op that returns the tenant's existing
        version. Running instances keep the version they started on; other tenants' versions
        are never read or changed.
        """
        return catalog.deploy(self._ctx, tenant, source, deployed_by)

    def publish(self, tenant: str, process_id: str, version: int, by: str,
                published: bool = True) -> SpecVersionView:
        """Offer one of the tenant's versions to other tenants to adopt (or withdraw it)."""
        return catalog.publish(self._ctx, tenant, process_id, version, by, published)

    def adopt(self, tenant: str, from_tenant: str, process_id: str, version: int,
              adopted_by: str) -> DeployResult:
        """Take a version another tenant published as the tenant's own next version."""
        return catalog.adopt(self._ctx, tenant, from_tenant, process_id, version, adopted_by)

    # -- instances ---------------------------------------------------------------------------

    def start_instance(
        self, actor: Actor, process_id: str, data: dict[str, Any]
    ) -> CompletionResult:
        """Start an instance of the newest version of `process_id` with start-form `data`.

        Raises NotFound (no such process), Forbidden (the domain refuses), InvalidData.
        Committed: the instance, its first human tasks and its `started` event.
        """
        self._ctx.require_write(actor)
        self.hooks.check_start(actor, process_id, data)
        with self._ctx.transaction() as session:
            instance, started = steps.start(self._ctx, session, actor, process_id, data, None, True)
            return steps.result(self._ctx, session, instance, started)

    # -- human tasks -------------------------------------------------------------------------

    def complete_task(self, actor: Actor, task_id: int, data: Any) -> CompletionResult:
        """Complete an open human task with form `data`, exactly once.

        Allowed only for an open task of the actor's tenant that one of the actor's groups must do
        and that nobody else has claimed. Raises NotFound, Forbidden, Conflict (not open any more,
        claimed by another), InvalidData (form or domain rule). Committed: the new state, the
        human tasks, the `completed` event and any outcome and started instances.
        """
        return tasks.complete(self._ctx, actor, task_id, data)

    def claim_task(self, actor: Actor, task_id: int) -> None:
        """Take an open task for yourself. Raises Conflict if someone else holds it."""
        tasks.set_claim(self._ctx, actor, task_id, claim=True)

    def unclaim_task(self, actor: Actor, task_id: int) -> None:
        """Release a task you hold. Raises Conflict if you do not hold it."""
        tasks.set_claim(self._ctx, actor, task_id, claim=False)

    def hand_over_task(self, actor: Actor, task_id: int, receiver: Actor) -> None:
        """Hand a task the actor holds (claimed by it or by someone it stands in for) to
        `receiver`, who then holds it. Raises Conflict when the actor does not hold it, Forbidden
        when the receiver may not act on it (asked inside the instance's lock)."""
        tasks.hand_over(self._ctx, actor, task_id, receiver)

    # -- annotations (engine/operations/annotation.py) ----------------------------------------

    def annotate(self, actor: Actor, instance_id: int, kind: str, data: dict[str, Any],
                 rows: Iterable[Base] = ()) -> EventView:
        """Record an annotation (`kind` in `ANNOTATION_KINDS`: a note, an attached document) in
        an instance's history, with the caller's `rows` it vouches for, in one transaction.
        Raises NotFound, Forbidden, InvalidData; the replay passes over annotations."""
        return annotation.annotate(self._ctx, actor, instance_id, kind, data, rows)

    def redact(self, tenant: str, id: int, keep: Callable[[str], bool], marker: str) -> int:
        """Purge an ended instance's free text, every chain verifying (`redaction.redact`)."""
        return redaction.redact(self._ctx, tenant, id, keep, marker)

    # -- singletons, timers, migration (engine/operations/) and history (engine/history/) ----

    def start_unless_present(
        self,
        actor: Actor,
        process_id: str,
        data: dict[str, Any],
        final_outcomes: Collection[str] = (),
    ) -> CompletionResult | None:
        """Start an instance of the newest version of `process_id` for `actor.tenant`, unless
        the tenant has one running, or one that ended with an outcome in `final_outcomes`;
        return the start's result, or None when nothing was started (present, or another caller
        holds the pair's lock on PostgreSQL).

        For starts the domain itself makes: the domain's `check_start` is not asked and `data`
        is not checked against a start form. Raises NotFound (the process is not deployed),
        Forbidden (the actor may not write). Committed: the instance, its first human tasks,
        its `started` event (and the ledger entry), all in the transaction that decided.
        """
        return singleton.start_unless_present(self._ctx, actor, process_id, data, final_outcomes)

    def fire_due_timers(self, now: datetime | None = None) -> int:
        """Fire every timer due at `now` (the engine's clock when None); return how many fired.

        Each instance is handled in its own transaction under its lock. An instance another
        writer holds is skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and fired on the next
        call, so several workers can run at once and every timer fires exactly once. Committed
        per instance: the new state and human tasks, the fired timers' rows, a `timer_fired`
        event with the clock reading, reminder notifications.
        """
        return firing.fire_due_timers(self._ctx, now)

    def check_migration(
        self, tenant: str, instance_id: int, to_version: int | None = None
    ) -> MigrationCheck:
        """Whether an instance can move to `to_version` (the newest when None), and why not."""
        return maintenance.check_migration(self._ctx, tenant, instance_id, to_version)

    def migrate_instance(
        self, actor: Actor, instance_id: int, to_version: int | None = None
    ) -> InstanceView:
        """Move a running instance to a newer version, recorded in its history.

        Raises Conflict with every reason when the pre-check finds it unsafe; nothing changes then.
        """
        return maintenance.migrate_instance(self._ctx, actor, instance_id, to_version)

    def verify(
        self,
        tenant: str,
        instance_ids: Iterable[int] | None = None,
        progress: Callable[[int], None] | None = None,
        expected_head: tuple[int, str] | None = None,
    ) -> tuple[list[Verification], list[Finding]]:
        """Verify chains, the ledger and a replay of each instance (all when `instance_ids` is
        None). Read-only. Returns per-instance results and the ledger's other findings."""
        return audit.verify_instances(self._ctx, tenant, instance_ids, progress, expected_head)

    def replay_steps(
        self, tenant: str, instance_id: int
    ) -> tuple[list[ReplayStep], list[Finding]]:
        """The replayed state after each event of one instance, for stepping through it."""
        return replay.replay_steps(self._ctx, tenant, instance_id)

    def ledger_head(self, tenant: str) -> tuple[int, str]:
        """The tenant ledger's newest entry (seq, hash): keep it outside to detect truncation."""
        return audit.ledger_head(self._ctx, tenant)

    # -- reads (engine/operations/queries.py) -------------------------------------------------

    def list_tasks(
        self,
        tenant: str,
        assignees: Iterable[str | Grant],
        process_id: str | None = None,
        claimed_by: str | tuple[str, ...] | None = None,
        instance_id: int | None = None,
        limit: int = TASK_LIST_LIMIT,
        where: ColumnElement[bool] | None = None,
    ) -> list[TaskView]:
        """Open human tasks of `tenant` that any of `assignees` (grants, or assignee keys granted
        everywhere) allows, newest first: one statement."""
        return queries.list_tasks(self._ctx, tenant, assignees, process_id, claimed_by,
                                  instance_id, limit, where)

    def count_tasks(self, tenant: str, assignees: Iterable[str | Grant], cap: int | None = None
                    ) -> dict[str, int]:
        """Open tasks per process for the task list's tabs, each counted up to `cap` + 1
        (`COUNT_CAP` by default): the cost does not grow with the backlog."""
        return queries.count_tasks(self._ctx, tenant, assignees, cap)

    def open_tasks_of(self, instance_id: int) -> list[TaskView]:
        """Every open task of one instance, whoever must do it."""
        return queries.open_tasks_of(self._ctx, instance_id)

    def get_task(self, tenant: str, task_id: int) -> TaskDetail:
        """One task of `tenant` with its prepared form schema, instructions and data."""
        return queries.get_task(self._ctx, tenant, task_id)

    def get_instance(self, tenant: str, instance_id: int) -> InstanceView:
        """One instance of `tenant`. Raises NotFound."""
        return queries.get_instance(self._ctx, tenant, instance_id)

    def list_instances(
        self,
        tenant: str,
        process_id: str | None = None,
        status: str | None = None,
        parent_id: int | None = None,
        ids: Iterable[int] | None = None,
        limit: int = 500,
    ) -> list[InstanceView]:
        """Instances of `tenant`, newest first, optionally filtered."""
        return queries.list_instances(self._ctx, tenant, process_id, status, parent_id, ids,
                                      limit)

    def events(self, tenant: str, instance_id: int) -> list[EventView]:
        """The history of one instance, in order."""
        return queries.events(self._ctx, tenant, instance_id)

    def start_form(self, tenant: str, process_id: str) -> dict[str, Any] | None:
        """The start form of the tenant's newest version of a process, if it has one."""
        return queries.start_form(self._ctx, tenant, process_id)

    def forms_of_instance(self, tenant: str, instance_id: int) -> list[dict[str, Any]]:
        """The JSON Schemas of every form in the spec version an instance runs on."""
        return queries.forms_of_instance(self._ctx, tenant, instance_id)

    def bpmn_of_instance(self, tenant: str, instance_id: int) -> bytes:
        """The BPMN file of the spec version an instance runs on."""
        return queries.bpmn_of_instance(self._ctx, tenant, instance_id)

    def element_names_of(self, tenant: str, instance_id: int) -> dict[str, str]:
        """Element id → name in the spec version an instance runs on."""
        return queries.element_names_of(self._ctx, tenant, instance_id)

    def end_events_of(self, tenant: str, instance_id: int) -> dict[str, str]:
        """End event id → name in the spec version an instance runs on."""
        return queries.end_events_of(self._ctx, tenant, instance_id)

    def spec_bpmn(self, tenant: str, process_id: str, version: int) -> bytes:
        """The BPMN file of one of the tenant's versions."""
        return queries.spec_bpmn(self._ctx, tenant, process_id, version)

    def deployed_form(self, tenant: str, path: str, process_id: str | None = None) -> Any | None:
        """The tenant's newest deployed form at `path` (of `process_id` first, then of any of
        its processes)."""
        return queries.deployed_form(self._ctx, tenant, path, process_id)

    def spec_versions(self, tenant: str, process_id: str | None = None) -> list[SpecVersionView]:
        """The tenant's deployed versions, newest first per process."""
        return queries.spec_versions(self._ctx, tenant, process_id)

    def published_versions(self, other_than: str) -> list[SpecVersionView]:
        """Versions other tenants published for adoption, newest first per tenant, process."""
        return queries.published_versions(self._ctx, other_than)


__all__ = ["Engine", "InstanceView", "InvalidData", "utc_now"]
