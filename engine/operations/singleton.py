"""Processes that run once per tenant: start an instance unless the tenant already has one.

Deciding and starting happen in one write transaction that serializes per (tenant, process), so
several callers at once (workers on several machines) start exactly one instance:

- on SQLite the write transaction is immediate, so every writer waits for the one before it and
  then sees the instance it started;
- on PostgreSQL the transaction first takes an advisory lock on the pair
  (`pg_try_advisory_xact_lock`, released at commit or rollback). A caller that does not get it
  skips, as `FOR UPDATE SKIP LOCKED` does for timers: another caller is deciding the same thing
  at that moment. The check that follows reads what the lock's last holder committed.

Nothing else may start such a process (the domain's `check_start` refuses it), or the lock would
not be the only way in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from engine.base.errors import Forbidden
from engine.base.types import Actor, CompletionResult
from engine.operations import steps
from engine.store.models import Instance

if TYPE_CHECKING:
    from engine.context import EngineContext


def lock_key(tenant: str, process_id: str) -> int:
    """The advisory lock key of a (tenant, process) pair: a signed 64-bit integer."""
    digest = hashlib.sha256(f"{tenant}\x00{process_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def start_unless_present(
    ctx: EngineContext,
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
    if not actor.can_write:
        raise Forbidden(f"{actor.acting_as} may read but not change anything")
    with ctx.transaction() as session:
        if not ctx.db.is_sqlite and not _try_lock(session, actor.tenant, process_id):
            return None
        if _present(session, actor.tenant, process_id, final_outcomes):
            return None
        instance, started = steps.start(ctx, session, actor, process_id, data, None, False)
        return steps.result(ctx, session, instance, started)


def _try_lock(session: Session, tenant: str, process_id: str) -> bool:
    """PostgreSQL: take the pair's advisory lock for this transaction, or say it is held."""
    key = lock_key(tenant, process_id)
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(key))))


def _present(session: Session, tenant: str, process_id: str,
             final_outcomes: Collection[str]) -> bool:
    blocking: ColumnElement[bool] = Instance.status == "running"
    if final_outcomes:
        blocking = or_(blocking, and_(Instance.status == "completed",
                                      Instance.outcome.in_(sorted(final_outcomes))))
    return session.scalar(
        select(Instance.id)
        .where(Instance.tenant == tenant, Instance.process_id == process_id, blocking)
        .limit(1)
    ) is not None
