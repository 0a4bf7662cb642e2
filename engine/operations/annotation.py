"""Annotations: what people record beside the process (a note, an attached document), chained.

An annotation is an event in the instance's hash chain like any other, so the audit's chain and
ledger verification cover it; the replay passes over it (it changes neither state nor data).
The caller's rows that the event vouches for (the note, the document) are written in the same
transaction, so an annotation is never recorded without them, nor they without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from engine.base.errors import InvalidData, NotFound
from engine.base.types import Actor, EventView
from engine.context import EngineContext
from engine.store.chain import append_event
from engine.store.models import Base, Instance

# The kinds an annotation may have: never one the engine records for the process itself.
ANNOTATION_KINDS = frozenset({"noted", "attached"})


def annotate(
    ctx: EngineContext,
    actor: Actor,
    instance_id: int,
    kind: str,
    data: dict[str, Any],
    rows: Iterable[Base] = (),
) -> EventView:
    """`Engine.annotate`: append an annotation event to an instance of the actor's tenant,
    under the instance's lock, and add `rows` in the same transaction."""
    ctx.require_write(actor)
    if kind not in ANNOTATION_KINDS:
        raise InvalidData(f"{kind!r} is not an annotation kind")
    with ctx.transaction() as session:
        instance = session.scalars(
            select(Instance)
            .where(Instance.id == instance_id, Instance.tenant == actor.tenant)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if instance is None:
            raise NotFound(f"instance {instance_id} does not exist")
        for row in rows:
            session.add(row)
        before = instance.head_hash
        append_event(session, instance, ctx.clock(), actor.username, actor.acting_as, kind,
                     dict(data))
        event = session.events[-1]  # sent with the ledger's seal
        ctx.workflows.rekey_after_commit(session, instance, before)
        return EventView(**{name: event[name] for name in EventView.__dataclass_fields__
                            if name in event})  # a new event is never purged
