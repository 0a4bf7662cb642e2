"""Redaction: an ended instance's free text purged from its history, its stored state and data,
with every chain still verifying.

What stays is decided by the caller, by variable name (`keep`): a kept variable's value stays
whole; any other text (a string, or the strings of a list) becomes `marker`, and dictionaries
are walked (answers keyed by who gave them); numbers, booleans and empty values stay. The
instance's title becomes `marker` too. Every event whose content changed keeps its stored hash
(the link the next event and the ledger name) and gets a `Redaction` row with the hash its purged
content chains to, which the audit checks in its place (`audit.verify_event_chain`). The
instance's chain is verified (chain, ledger, replay) before anything changes, and a replay is not
tried afterwards: the text it would need is gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.base.errors import Conflict, NotFound
from engine.context import EngineContext
from engine.history.audit import verify_instances
from engine.store.chain import chain_hash, event_body
from engine.store.models import Event, Instance, InstanceAttribute, Redaction

Keep = Callable[[str], bool]
# Where a variable's values sit in an event's data: a start's data, a step's form and what the
# domain derived from it.
_VARIABLES_IN_EVENTS = ("data", "form", "derived")
_VARIABLES_IN_STATE = ("data", "updates")


def purge_value(value: Any, marker: str) -> Any:
    """`value` with every text in it replaced by `marker` (lists and dicts walked)."""
    if isinstance(value, str):
        return marker if value else value
    if isinstance(value, list):
        return [purge_value(v, marker) for v in value]
    if isinstance(value, dict):
        return {k: purge_value(v, marker) for k, v in value.items()}
    return value


def purge_variables(data: dict[str, Any], keep: Keep, marker: str) -> dict[str, Any]:
    """The variables of `data` with the text of every variable not kept purged; a dict value of
    a name not kept (e.g. answers keyed by who gave them) is walked by the same rule."""
    purged: dict[str, Any] = {}
    for name, value in data.items():
        if keep(name):
            purged[name] = value
        elif isinstance(value, dict):
            purged[name] = purge_variables(value, keep, marker)
        else:
            purged[name] = purge_value(value, marker)
    return purged


def _purge_state(state: str, keep: Keep, marker: str) -> str:
    """The serialized workflow with the variables purged wherever it keeps them: every `data`
    dictionary (the workflow's, each task's) and each task's `delta` of `updates`."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: purge_variables(v, keep, marker)
                    if k in _VARIABLES_IN_STATE and isinstance(v, dict) else walk(v)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return json.dumps(walk(json.loads(state)), separators=(",", ":"), sort_keys=False)


def redact(ctx: EngineContext, tenant: str, instance_id: int, keep: Keep, marker: str) -> int:
    """`Engine.redact`: purge the free text of a completed instance of `tenant`; the number of
    events whose content changed (0 when nothing was left to purge). NotFound for no such
    instance; Conflict for one still running or whose history does not verify."""
    with ctx.db.read() as session:
        status = session.scalar(select(Instance.status).where(
            Instance.id == instance_id, Instance.tenant == tenant))
    if status is None:
        raise NotFound(f"instance {instance_id} does not exist")
    if status != "completed":
        raise Conflict(f"instance {instance_id} is still running; only an ended case is purged")
    [result], _ = verify_instances(ctx, tenant, [instance_id])
    if not result.ok:
        raise Conflict(f"instance {instance_id} does not verify; nothing was purged: "
                       + "; ".join(f.what for f in result.findings))
    changed = 0
    with ctx.db.write() as session:
        instance = session.scalars(select(Instance).where(Instance.id == instance_id)
                                   .with_for_update()).one()
        done = set(session.scalars(select(Redaction.seq).where(
            Redaction.instance_id == instance_id)))
        for event in session.scalars(select(Event).where(Event.instance_id == instance_id)
                                     .order_by(Event.seq)):
            data = {k: purge_variables(v, keep, marker)
                    if k in _VARIABLES_IN_EVENTS and isinstance(v, dict) else v
                    for k, v in event.data.items()}
            if data == event.data:
                continue
            event.data = data
            digest = chain_hash(event.prev_hash, event_body(
                event.instance_id, event.seq, event.at, event.actor, event.acting_as,
                event.kind, event.task, event.task_guid, data))
            if event.seq in done:
                session.scalars(select(Redaction).where(
                    Redaction.instance_id == instance_id, Redaction.seq == event.seq)
                ).one().content_hash = digest
            else:
                session.add(Redaction(instance_id=instance_id, seq=event.seq,
                                      content_hash=digest, at=ctx.clock()))
            changed += 1
        instance.data = purge_variables(instance.data, keep, marker)
        instance.state = _purge_state(instance.state, keep, marker) if instance.state else ""
        instance.title = marker if instance.title else ""
        for row in session.scalars(select(InstanceAttribute).where(
                InstanceAttribute.instance_id == instance_id,
                InstanceAttribute.value_text.is_not(None))):
            if not keep(row.key):
                row.value_text = marker
    return changed
