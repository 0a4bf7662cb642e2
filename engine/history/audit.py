"""Verifying the history: each instance's hash chain, the tenant's ledger, and the replay.

Every difference becomes a `Finding` that names the instance, the event (seq), the step and what
differed. An instance verifies clean only when its chain, its place in the ledger and its replay
all agree with what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.canonical import GENESIS_HASH
from engine.base.findings import Finding
from engine.base.types import EventView
from engine.store.chain import chain_hash, event_body, purged_hashes, read_events
from engine.store.ledger import entry_body, entry_hash
from engine.store.models import HumanTask, Instance, LedgerEntry, LedgerHead

if TYPE_CHECKING:
    from engine.context import EngineContext


@dataclass
class Verification:
    """The result of verifying one instance."""

    instance_id: int
    process_id: str
    events: int
    steps_replayed: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_event_chain(instance: Instance, events: list[EventView],
                       redacted: dict[int, str] | None = None) -> list[Finding]:
    """Recompute every hash of an instance's chain and compare the head with the instance row.
    An event whose free text was purged (`redacted`: seq → the hash its purged content chains
    to, `operations.redaction`) is checked against that hash; it still links by its stored
    hash."""
    purged = redacted or {}
    findings: list[Finding] = []
    previous = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            findings.append(Finding(instance.id, f"event {expected_seq} is missing", expected_seq))
            break
        body = event_body(event.instance_id, event.seq, event.at, event.actor, event.acting_as,
                          event.kind, event.task, event.task_guid, event.data)
        if event.prev_hash != previous:
            findings.append(Finding(instance.id, "prev_hash does not link to the event before",
                                    event.seq, event.task))
        if chain_hash(event.prev_hash, body) != purged.get(event.seq, event.hash):
            findings.append(Finding(
                instance.id,
                f"the stored {event.kind} event was changed: its content does not match its hash",
                event.seq, event.task))
        previous = event.hash
    last_seq = events[-1].seq if events else 0
    if instance.last_seq != last_seq or instance.head_hash != previous:
        findings.append(Finding(
            instance.id,
            f"the instance's chain head (event {instance.last_seq}) does not match its events "
            f"(last event {last_seq}): events were deleted or the head was changed"))
    return findings


def verify_ledger(
    session: Session, tenant: str, expected_head: tuple[int, str] | None = None
) -> list[Finding]:
    """Recompute the tenant's ledger; every instance's newest entry must match its chain head,
    every recorded instance must exist, and `expected_head` (kept outside) must be in it."""
    findings: list[Finding] = []
    entries = session.execute(
        select(LedgerEntry.seq, LedgerEntry.at, LedgerEntry.instance_id, LedgerEntry.instance_seq,
               LedgerEntry.instance_hash, LedgerEntry.prev_hash, LedgerEntry.hash)
        .where(LedgerEntry.tenant == tenant).order_by(LedgerEntry.seq)
    ).all()
    previous = GENESIS_HASH
    newest: dict[int, Any] = {}  # the rows of the entries
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            findings.append(Finding(None, f"ledger entry {expected_seq} is missing"))
            break
        body = entry_body(entry.seq, tenant, entry.at, entry.instance_id, entry.instance_seq,
                          entry.instance_hash)
        if entry.prev_hash != previous or entry_hash(entry.prev_hash, body) != entry.hash:
            findings.append(Finding(entry.instance_id,
                                    f"ledger entry {entry.seq} was changed or unlinked"))
        previous = entry.hash
        newest[entry.instance_id] = entry
    head = session.get(LedgerHead, tenant)
    if head is not None and (head.last_seq != len(entries) or head.head_hash != previous):
        findings.append(Finding(None, f"the ledger head (entry {head.last_seq}) does not match "
                                      f"its entries (last entry {len(entries)})"))
    if expected_head is not None:
        seq, digest = expected_head
        match = entries[seq - 1] if 0 < seq <= len(entries) else None
        if match is None or match.hash != digest:
            findings.append(Finding(None, f"the ledger does not contain the expected head "
                                          f"{seq}:{digest[:12]}…; entries were removed or changed"))
    instances = {i.id: i for i in session.execute(
        select(Instance.id, Instance.last_seq, Instance.head_hash)
        .where(Instance.tenant == tenant))}
    for instance_id, entry in sorted(newest.items()):
        instance = instances.get(instance_id)
        if instance is None:
            findings.append(Finding(instance_id, "the ledger records this instance, but it does "
                                                 "not exist: the instance was deleted"))
        elif (instance.last_seq, instance.head_hash) != (entry.instance_seq, entry.instance_hash):
            findings.append(Finding(
                instance_id,
                f"the ledger records event {entry.instance_seq} as the instance's newest, but its "
                f"chain ends at event {instance.last_seq}: events were deleted or changed"))
    for instance_id in sorted(set(instances) - set(newest)):
        if instances[instance_id].last_seq:
            findings.append(Finding(instance_id, "the instance is missing from the ledger"))
    return findings


VERIFY_CHUNK = 200  # instances read together by a verification run


def verify_instances(
    ctx: EngineContext,
    tenant: str,
    instance_ids: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
    expected_head: tuple[int, str] | None = None,
) -> tuple[list[Verification], list[Finding]]:
    """Verify instances of `tenant` (all when `instance_ids` is None): their chains, the ledger,
    and a replay of each. Returns the per-instance results and the ledger's own findings."""
    from engine.history.replay import SpecRows, replay_instance

    with ctx.db.read() as session:
        ledger_findings = verify_ledger(session, tenant, expected_head)
        query = select(Instance.id).where(Instance.tenant == tenant).order_by(Instance.id)
        if instance_ids is not None:
            query = query.where(Instance.id.in_(list(instance_ids)))
        ids = list(session.scalars(query))
    results = []
    specs = SpecRows()  # each spec version read and checked once for the whole run
    for start in range(0, len(ids), VERIFY_CHUNK):
        chunk = ids[start:start + VERIFY_CHUNK]
        with ctx.db.read() as session:  # one read of each table for the chunk's instances
            instances = {i.id: i for i in session.scalars(
                select(Instance).where(Instance.id.in_(chunk)))}
            events = read_events(session, chunk)
            redacted = purged_hashes(session, chunk)
            open_rows: dict[int, list[tuple[str, str | None]]] = {i: [] for i in chunk}
            for instance_id, bpmn_id, item in session.execute(
                    select(HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.item)
                    .where(HumanTask.instance_id.in_(chunk), HumanTask.state == "open")):
                open_rows[instance_id].append((bpmn_id, item))
            for instance_id in chunk:
                instance = instances[instance_id]
                result = Verification(instance_id, instance.process_id, len(events[instance_id]))
                result.findings.extend(verify_event_chain(instance, events[instance_id],
                                                          redacted[instance_id]))
                result.findings.extend(f for f in ledger_findings if f.instance_id == instance_id)
                if not result.findings and not redacted[instance_id]:
                    # (a purged case was replayed before its purge)
                    replayed, findings = replay_instance(
                        ctx, session, instance, events[instance_id], specs=specs,
                        stored_open=open_rows[instance_id])
                    result.steps_replayed = replayed
                    result.findings.extend(findings)
                results.append(result)
                if progress is not None:
                    progress(1)
    missing = [f for f in ledger_findings if f.instance_id is None or f.instance_id not in ids]
    return results, missing


def ledger_head(ctx: EngineContext, tenant: str) -> tuple[int, str]:
    """The tenant ledger's newest entry (seq, hash): keep it outside to detect truncation."""
    with ctx.db.read() as session:
        head = session.get(LedgerHead, tenant)
        return (head.last_seq, head.head_hash) if head else (0, GENESIS_HASH)
