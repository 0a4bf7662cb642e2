"""Moving running instances between versions: the pre-check with every reason, and the move,
recorded in the instance's history. SpiffWorkflow's half (the diff and applying it) is
`engine.runtime.migration`; this is the database's half. `Engine`'s methods of the same names call
these functions and carry the contracts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import Conflict, NotFound, Reason
from engine.base.types import Actor, InstanceView
from engine.operations import steps
from engine.operations.queries import instance_view
from engine.runtime import migration as migrate
from engine.specs import meanings
from engine.store.chain import append_event
from engine.store.models import Event, Instance, SpecVersion
from engine.store.spec_rows import newest, numbered

if TYPE_CHECKING:
    from engine.context import EngineContext


def check_migration(
    ctx: EngineContext, tenant: str, instance_id: int, to_version: int | None = None
) -> migrate.MigrationCheck:
    """Whether an instance can move to `to_version` (the newest when None), and why not."""
    with ctx.db.read() as session:
        instance = _instance(session, tenant, instance_id)
        return check(ctx, session, instance, to_version)


def migrate_instance(
    ctx: EngineContext, actor: Actor, instance_id: int, to_version: int | None = None
) -> InstanceView:
    """Move a running instance to a newer version, recorded in its history.

    Raises Conflict with every reason when the pre-check finds it unsafe; nothing changes then.
    """
    ctx.require_write(actor)
    with ctx.transaction() as session:
        instance = _instance(session, actor.tenant, instance_id, lock=True)
        result = check(ctx, session, instance, to_version)
        if not result.safe:
            raise Conflict("the instance cannot move: " + "; ".join(result.reasons))
        current = session.get_one(SpecVersion, instance.spec_version_id)
        target = target_version(session, instance, to_version)
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


def target_version(session: Session, instance: Instance, to_version: int | None
                   ) -> SpecVersion:
    """The instance's tenant's version row to move to: `to_version`, or the newest."""
    if to_version is None:
        row = newest(session, instance.tenant, instance.process_id)
    else:
        row = numbered(session, instance.tenant, instance.process_id, to_version)
    if row is None:
        raise NotFound(f"no version {to_version} of {instance.process_id}")
    return row


def check(
    ctx: EngineContext, session: Session, instance: Instance, to_version: int | None
) -> migrate.MigrationCheck:
    """The pre-check for moving `instance` to a version (the newest when None)."""
    current = session.get_one(SpecVersion, instance.spec_version_id)
    target = target_version(session, instance, to_version)
    result = migrate.MigrationCheck(instance.id, instance.process_id, current.version,
                                    target.version)
    if instance.status != "running":
        result.reasons.append(Reason("the instance has finished; finished instances keep their "
                                     "version", "migrate.finished"))
    elif target.version <= current.version:
        result.reasons.append(Reason(f"version {target.version} is not newer than the "
                                     f"instance's version {current.version}",
                                     "migrate.not_newer", to=target.version,
                                     current=current.version))
    else:
        workflow = ctx.codec.loads(instance.state, ctx.parsed_spec(current))
        result.reasons.extend(
            migrate.unsafe_reasons(ctx.codec.registry, workflow, ctx.parsed_spec(target)))
        result.reasons.extend(meaning_reasons(ctx, session, instance, current, target))
    return result


def meaning_reasons(ctx: EngineContext, session: Session, instance: Instance,
                    current: SpecVersion, target: SpecVersion) -> list[Reason]:
    """Why a choice the instance recorded would mean something else on `target`."""
    events = session.scalars(select(Event).where(Event.instance_id == instance.id)
                             .order_by(Event.seq)).all()
    return meanings.changed_meanings(ctx.parsed_spec(current), ctx.parsed_spec(target),
                            meanings.recorded_choices(events))
