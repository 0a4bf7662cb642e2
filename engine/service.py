"""The engine's write side: deploy specs, start instances, claim and complete human tasks.

Every change runs in one transaction holding the instance's lock (a row lock on PostgreSQL, an
immediate transaction on SQLite): load → check READY and the caller's right → run → save the
state, the human tasks and the events. A failure anywhere rolls all of it back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from . import annotation, catalog, firing, maintenance, runtime, singleton, steps, tasks
from .audit import Verification, verify_instances
from .context import EngineContext, SpecCatalogue
from .db import Database
from .errors import InvalidData
from .findings import Finding
from .migrate import MigrationCheck
from .models import Base, SpecVersion
from .queries import Queries
from .replay import ReplayStep
from .sources import SpecSource
from .specs import ParsedSpec
from .types import (
    Actor,
    CompletionResult,
    DefaultHooks,
    DeployResult,
    EventView,
    Hooks,
    InstanceView,
    SpecVersionView,
)
from .workflow_cache import DEFAULT_SIZE as DEFAULT_CACHE_SIZE
from .workflow_cache import WorkflowCache


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class Engine(Queries):
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
        super().__init__(self._ctx)

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

    def spec_row(self, session: Session, spec_version_id: int) -> SpecVersion:
        """A deployed version by id, read once per process (a version never changes)."""
        return self._ctx.spec_row(session, spec_version_id)

    def parsed_spec(self, row: SpecVersion) -> ParsedSpec:
        """The runnable spec of a stored version (parsed once, then cached by hash)."""
        return self._ctx.parsed_spec(row)

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

    # -- annotations (engine/annotation.py) -------------------------------------------------

    def annotate(
        self, actor: Actor, instance_id: int, kind: str, data: dict[str, Any],
        rows: Iterable[Base] = (),
    ) -> EventView:
        """Record an annotation (`kind` one of `ANNOTATION_KINDS`: a note, an attached document)
        in an instance's history; `rows` the caller's rows it vouches for.

        Allowed for an actor that may write, on any instance of its tenant (the domain decides
        who may annotate which). Raises NotFound, Forbidden, InvalidData (not an annotation
        kind). Committed together: `rows` and the event (and the ledger entry). The replay
        passes over annotations; the chain covers them.
        """
        return annotation.annotate(self._ctx, actor, instance_id, kind, data, rows)

    # -- singletons, timers, migration and audit (engine/singleton.py, firing.py, maintenance.py)

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
        return verify_instances(self._ctx, tenant, instance_ids, progress, expected_head)

    def replay_steps(
        self, tenant: str, instance_id: int
    ) -> tuple[list[ReplayStep], list[Finding]]:
        """The replayed state after each event of one instance, for stepping through it."""
        return maintenance.replay_steps(self._ctx, tenant, instance_id)

    def ledger_head(self, tenant: str) -> tuple[int, str]:
        """The tenant ledger's newest entry (seq, hash): keep it outside to detect truncation."""
        return maintenance.ledger_head(self._ctx, tenant)


__all__ = ["Engine", "InstanceView", "InvalidData", "utc_now"]
