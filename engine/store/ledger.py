"""The tenant-wide ledger: a second hash chain over the instances' chain heads.

A valid prefix of an instance's events also hashes correctly, so the instance chain alone cannot
show that its last events were deleted. At the end of every write transaction the ledger records
each touched instance's new head (seq and hash) in a chain of its own, ordered by a lock on the
tenant's head row. Deleting an instance's tail, or a whole instance, then contradicts the ledger;
deleting the ledger's own tail as well is caught by comparing with a head kept outside the
database (`signed_head`).

The tenant's head row is the lock that orders the entries. A process remembers each tenant's head
as it committed it (`KnownHeads`); the next seal moves the head with one conditional `UPDATE`
(`WHERE last_seq = known AND head_hash = known`), which takes the same row lock and matches only
if no one else has moved the head since. On PostgreSQL the usual seal is one statement (the
write's events and that `UPDATE` as data-modifying CTEs, the entries inserted only if the
`UPDATE` matched). SQLite, which takes its write lock for the whole database at `BEGIN
IMMEDIATE`, has no such CTEs; there the entries' insert moves the head itself (the trigger
`ledger_entry_moves_head`, migration 0021, which aborts the insert unless the head is each entry's
predecessor), so the usual seal is two statements: the write's events and the entries. When the
guess is wrong (another process moved the head, or none is known) the seal locks and reads the
head as before.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, bindparam, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.base.canonical import GENESIS_HASH, canonical_json
from engine.store.bound_rows import Part, Writes, insert_rows, rows_select, write_statement
from engine.store.models import Event, Instance, LedgerEntry, LedgerHead
from engine.store.unit_of_work import UnitOfWork


def touch(work: UnitOfWork, instance: Instance) -> None:
    """Note that `instance`'s chain head changed in this transaction."""
    work.touched[instance.id] = instance


def entry_body(entry_seq: int, tenant: str, at: datetime, instance_id: int, instance_seq: int,
               instance_hash: str) -> dict[str, Any]:
    """The hashed content of a ledger entry."""
    return {
        "tenant": tenant,
        "seq": entry_seq,
        "at": at.isoformat(),
        "instance_id": instance_id,
        "instance_seq": instance_seq,
        "instance_hash": instance_hash,
    }


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    """sha256(prev_hash ‖ canonical JSON of the entry)."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


class KnownHeads:
    """Each tenant's ledger head (seq, hash) as this process last committed it: a guess that the
    seal checks in the database under the head's lock, never trusted on its own."""

    def __init__(self) -> None:
        self._heads: dict[str, tuple[int, str]] = {}

    def get(self, tenant: str) -> tuple[int, str] | None:
        return self._heads.get(tenant)

    def committed(self, tenant: str, head: tuple[int, str]) -> None:
        self._heads[tenant] = head

    def clear(self) -> None:
        self._heads.clear()


def seal(session: UnitOfWork, at: datetime, known: KnownHeads | None = None) -> None:
    """Record the new heads of every instance touched in this transaction (call before commit);
    the write's events not yet sent go with the first conditional `UPDATE`."""
    touched, session.touched = session.touched, {}
    writes = Writes()
    if session.get_bind().dialect.name == "postgresql":
        if touched:
            # The step's UPDATEs of its instance and task rows go into the seal's statement too.
            session.take_row_changes(writes)
        events = session.take_events()  # flushes the rest (the rows the events refer to)
        if events:
            writes.insert_rows(Event, events)
        for model, rows in session.take_queued():
            writes.insert_rows(model, rows)
    else:
        if touched:  # the step's UPDATEs as Core statements built once, not the ORM's flush
            session.take_row_changes(writes)
            writes.send(session.connection())
            writes = Writes()
        session.send_events()
    if not touched:
        writes.send(session.connection())
        return
    session.flush()
    by_tenant: dict[str, list[Instance]] = {}
    for instance in touched.values():
        by_tenant.setdefault(instance.tenant, []).append(instance)
    for tenant in sorted(by_tenant):
        instances = sorted(by_tenant[tenant], key=lambda i: i.id)
        guess = known.get(tenant) if known is not None else None
        new = None
        if guess is not None:
            new = _advance(session, tenant, guess, instances, at, writes)
            writes = Writes()  # sent, whether the guess was right or not
        if new is None:
            writes.send(session.connection())
            writes = Writes()
            head = _lock_head(session, tenant)
            new = _advance(session, tenant, (head.last_seq, head.head_hash), instances, at,
                           writes)
            if new is None:  # pragma: no cover - the head is locked by this transaction
                raise RuntimeError("the ledger head moved while it was locked")
        if known is not None:
            session.after_commit.append(
                lambda t=tenant, h=new: known.committed(t, h))  # type: ignore[misc]


def _entries(tenant: str, head: tuple[int, str], instances: list[Instance],
             at: datetime) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """The entries that record `instances` after `head`, and the head they lead to."""
    seq, digest = head
    rows: list[dict[str, Any]] = []
    for instance in instances:
        seq += 1
        body = entry_body(seq, tenant, at, instance.id, instance.last_seq, instance.head_hash)
        new = entry_hash(digest, body)
        rows.append({"tenant": tenant, "seq": seq, "at": at, "instance_id": instance.id,
                     "instance_seq": instance.last_seq, "instance_hash": instance.head_hash,
                     "prev_hash": digest, "hash": new})
        digest = new
    return rows, (seq, digest)


def _advance(session: Session, tenant: str, head: tuple[int, str], instances: list[Instance],
             at: datetime, writes: Writes) -> tuple[int, str] | None:
    """Move the tenant's head from `head` (on PostgreSQL with one conditional UPDATE, which takes
    the head's row lock) and insert the entries; the new head, or None with no entry written if
    the head is not `head`. `writes` (the events, on PostgreSQL the step's row UPDATEs) are sent
    in any case. On PostgreSQL all of it is one statement (the writes and the head's UPDATE as
    data-modifying CTEs, the entries inserted only if the UPDATE matched), built once per shape
    (`_postgresql_seal`); on SQLite the writes, then the entries, whose insert moves the head
    (trigger `ledger_entry_moves_head`)."""
    rows, (seq, digest) = _entries(tenant, head, instances, at)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params = {**writes.params, "head_tenant": tenant, "head_seq": head[0],
                  "head_hash": head[1], "new_seq": seq, "new_hash": digest}
        for index, row in enumerate(rows):
            params.update({f"entry_{index}_{name}": value for name, value in row.items()})
        statement = _postgresql_seal(writes.shape, tuple(rows[0]), len(rows))
        inserted = connection.execute(statement, params).all()
        return (seq, digest) if len(inserted) == len(rows) else None
    writes.send(connection)
    if connection.dialect.name == "sqlite":
        # The entries' insert moves the head (trigger `ledger_entry_moves_head`, migration
        # 0021), which aborts the statement unless the head is each entry's predecessor; the
        # write lock is the database's, taken at BEGIN IMMEDIATE.
        try:
            insert_rows(connection, LedgerEntry, rows)
        except IntegrityError:  # another process moved the head: nothing of it was written
            return None
        return seq, digest
    raise NotImplementedError(f"no seal for {connection.dialect.name}")


@lru_cache(maxsize=256)
def _postgresql_seal(shape: tuple[Part, ...], names: tuple[str, ...], count: int) -> Insert:
    """The seal's one statement for writes of `shape` and `count` entries: the writes and the
    head's conditional UPDATE as data-modifying CTEs, the entries inserted only if it matched."""
    moved = (update(LedgerHead)
             .where(LedgerHead.tenant == bindparam("head_tenant"),
                    LedgerHead.last_seq == bindparam("head_seq"),
                    LedgerHead.head_hash == bindparam("head_hash"))
             .values(last_seq=bindparam("new_seq"), head_hash=bindparam("new_hash"))
             .returning(LedgerHead.tenant).cte("moved"))
    entries = rows_select(LedgerEntry, names, count, "entry_").subquery("entries")
    statement = insert(LedgerEntry).from_select(
        list(names), select(*entries.c).where(exists(select(moved.c.tenant)))
    ).returning(LedgerEntry.seq)
    for number, part in enumerate(shape):
        statement = statement.add_cte(write_statement(number, part).cte(f"write_{number}"))
    return statement


def _lock_head(session: Session, tenant: str) -> LedgerHead:
    locked = select(LedgerHead).where(LedgerHead.tenant == tenant).with_for_update() \
        .execution_options(populate_existing=True)
    head = session.scalars(locked).one_or_none()
    if head is not None:  # the usual case: one statement
        return head
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(LedgerHead)
        .values(tenant=tenant, last_seq=0, head_hash=GENESIS_HASH)
        .on_conflict_do_nothing(index_elements=["tenant"])
    )
    return session.scalars(locked).one()


def signed_head(seq: int, digest: str, tenant: str, key: bytes | None) -> str:
    """`tenant:seq:hash[:hmac]`: a head to keep outside the database and check against later."""
    text = f"{tenant}:{seq}:{digest}"
    if key:
        text += ":" + hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return text
