"""The tenant-wide ledger: a second hash chain over the instances' chain heads.

A valid prefix of an instance's events also hashes correctly, so the instance chain alone cannot
show that its last events were deleted. At the end of every write transaction the ledger records
each touched instance's new head (seq and hash) in a chain of its own, ordered by a lock on the
tenant's head row. Deleting an instance's tail, or a whole instance, then contradicts the ledger;
deleting the ledger's own tail as well is caught by comparing with a head kept outside the
database (`signed_head`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .canonical import GENESIS_HASH, canonical_json
from .models import Instance, LedgerEntry, LedgerHead
from .unit_of_work import UnitOfWork


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


def seal(session: UnitOfWork, at: datetime) -> None:
    """Record the new heads of every instance touched in this transaction (call before commit)."""
    touched, session.touched = session.touched, {}
    if not touched:
        return
    session.flush()
    by_tenant: dict[str, list[Instance]] = {}
    for instance in touched.values():
        by_tenant.setdefault(instance.tenant, []).append(instance)
    for tenant in sorted(by_tenant):
        head = _lock_head(session, tenant)
        for instance in sorted(by_tenant[tenant], key=lambda i: i.id):
            seq = head.last_seq + 1
            body = entry_body(seq, tenant, at, instance.id, instance.last_seq, instance.head_hash)
            digest = entry_hash(head.head_hash, body)
            session.add(
                LedgerEntry(
                    tenant=tenant, seq=seq, at=at, instance_id=instance.id,
                    instance_seq=instance.last_seq, instance_hash=instance.head_hash,
                    prev_hash=head.head_hash, hash=digest,
                )
            )
            head.last_seq = seq
            head.head_hash = digest


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
