"""The engine's maintenance side: moving instances between versions, and verifying histories.

Plain functions of an `Engine`: they use its database, codec, clock and write transaction.
`Engine`'s methods of the same names call them and carry the contracts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import migrate, steps
from .canonical import GENESIS_HASH
from .chain import append_event
from .errors import Conflict, NotFound
from .findings import Finding
from .migrate import MigrationCheck
from .models import Event, Instance, LedgerHead, SpecVersion
from .queries import instance_view
from .replay import ReplayStep, replay_instance
from .types import Actor, InstanceView

if TYPE_CHECKING:
    from .context import EngineContext


def check_migration(
    ctx: EngineContext, tenant: str, instance_id: int, to_version: int | None = None
) -> MigrationCheck:
    """Whether an instance can move to `to_version` (the newest when None), and why not."""
    with ctx.db.read() as session:
        instance = _instance(session, tenant, instance_id)
        return migrate.check(ctx, session, instance, to_version)


def migrate_instance(
    ctx: EngineContext, actor: Actor, instance_id: int, to_version: int | None = None
) -> InstanceView:
    """Move a running instance to a newer version, recorded in its history.

    Raises Conflict with every reason when the pre-check finds it unsafe; nothing changes then.
    """
    ctx.require_write(actor)
    with ctx.transaction() as session:
        instance = _instance(session, actor.tenant, instance_id, lock=True)
        result = migrate.check(ctx, session, instance, to_version)
        if not result.safe:
            raise Conflict("the instance cannot move: " + "; ".join(result.reasons))
        current = session.get_one(SpecVersion, instance.spec_version_id)
        target = migrate.target_version(session, instance, to_version)
        workflow = ctx.codec.loads(instance.state, ctx.parsed_spec(current))
        migrate.apply_migration(ctx.codec.registry, workflow, ctx.parsed_spec(target))
        instance.spec_version_id = target.id
        finished = steps.save_step(ctx, session, instance, workflow, ctx.parsed_spec(target))
        append_event(
            session, instance, ctx.clock(), actor.username, actor.acting_as, "migrated",
            {"from_version": current.version, "from_hash": current.content_hash,
             "to_version": target.version, "to_hash": target.content_hash,
             "after": steps.snapshot(session, instance)},
        )
        if finished:
            steps.conclude(ctx, session, actor, instance)
        session.flush()
        return instance_view(instance, target.version)


def _instance(
    session: Session, tenant: str, instance_id: int, lock: bool = False
) -> Instance:
    query = select(Instance).where(Instance.id == instance_id, Instance.tenant == tenant)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    instance = session.scalars(query).one_or_none()
    if instance is None:
        raise NotFound(f"instance {instance_id} does not exist")
    return instance



def replay_steps(
    ctx: EngineContext, tenant: str, instance_id: int
) -> tuple[list[ReplayStep], list[Finding]]:
    """The replayed state after each event of one instance, for stepping through it."""
    with ctx.db.read() as session:
        instance = session.scalar(
            select(Instance).where(Instance.id == instance_id, Instance.tenant == tenant))
        if instance is None:
            raise NotFound(f"instance {instance_id} does not exist")
        events = list(session.scalars(
            select(Event).where(Event.instance_id == instance_id).order_by(Event.seq)))
        collected: list[ReplayStep] = []
        _, findings = replay_instance(ctx, session, instance, events, collected)
        return collected, findings


def ledger_head(ctx: EngineContext, tenant: str) -> tuple[int, str]:
    """The tenant ledger's newest entry (seq, hash): keep it outside to detect truncation."""
    with ctx.db.read() as session:
        head = session.get(LedgerHead, tenant)
        return (head.last_seq, head.head_hash) if head else (0, GENESIS_HASH)

