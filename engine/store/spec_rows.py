"""Reading a tenant's deployed versions: by number, newest, by content hash, and their views.

Only the tenant's own rows: another tenant's version is read only where it published it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.base.errors import NotFound
from engine.base.types import SpecVersionView
from engine.store.db import Database
from engine.store.models import SpecVersion


def newest(session: Session, tenant: str, process_id: str) -> SpecVersion | None:
    """The tenant's newest version of a process."""
    return session.scalar(
        select(SpecVersion)
        .where(SpecVersion.tenant == tenant, SpecVersion.process_id == process_id)
        .order_by(SpecVersion.version.desc())
        .limit(1))


def newest_id(session: Session, tenant: str, process_id: str) -> int | None:
    """The id of the tenant's newest version of a process (its row is read once per process:
    `EngineContext.spec_row`; a version never changes)."""
    found: int | None = session.scalar(
        select(SpecVersion.id)
        .where(SpecVersion.tenant == tenant, SpecVersion.process_id == process_id)
        .order_by(SpecVersion.version.desc())
        .limit(1))
    return found


def numbered(session: Session, tenant: str, process_id: str, version: int
             ) -> SpecVersion | None:
    """The tenant's version `version` of a process."""
    row: SpecVersion | None = session.scalar(one(tenant, process_id, version))
    return row


def by_hash(session: Session, tenant: str, process_id: str, content_hash: Any
            ) -> SpecVersion | None:
    """The tenant's version of a process with this content hash."""
    return session.scalar(select(SpecVersion).where(
        SpecVersion.tenant == tenant, SpecVersion.process_id == process_id,
        SpecVersion.content_hash == content_hash))


def versions(db: Database, tenant: str, process_id: str | None = None) -> list[SpecVersionView]:
    """The tenant's versions, newest first per process."""
    query = (select(SpecVersion).where(SpecVersion.tenant == tenant)
             .order_by(SpecVersion.process_id, SpecVersion.version.desc()))
    if process_id is not None:
        query = query.where(SpecVersion.process_id == process_id)
    with db.read() as session:
        return [view(row) for row in session.scalars(query)]


def published(db: Database, other_than: str) -> list[SpecVersionView]:
    """Versions other tenants published, newest first per tenant and process."""
    query = (select(SpecVersion)
             .where(SpecVersion.tenant != other_than, SpecVersion.published_at.is_not(None))
             .order_by(SpecVersion.tenant, SpecVersion.process_id, SpecVersion.version.desc()))
    with db.read() as session:
        return [view(row) for row in session.scalars(query)]


def bpmn(db: Database, tenant: str, process_id: str, version: int) -> bytes:
    """The BPMN file of one of the tenant's versions. Raises NotFound."""
    with db.read() as session:
        row = numbered(session, tenant, process_id, version)
        if row is None:
            raise NotFound(f"no version {version} of {process_id}")
        return bytes(row.bpmn)


def deployed_form(db: Database, tenant: str, path: str, process_id: str | None = None
                  ) -> Any | None:
    """The tenant's newest deployed form at `path` (of `process_id` first, then of any of the
    tenant's processes)."""
    with db.read() as session:
        rows = session.execute(
            select(SpecVersion.process_id, SpecVersion.forms)
            .where(SpecVersion.tenant == tenant)
            .order_by(SpecVersion.deployed_at.desc(), SpecVersion.id.desc())
        ).all()
    for _, forms in sorted(rows, key=lambda r: r[0] != process_id):
        if path in forms:
            return forms[path]
    return None


def process_ids(session: Session, tenant: str) -> list[str]:
    """The processes the tenant has deployed."""
    return list(session.scalars(
        select(SpecVersion.process_id).where(SpecVersion.tenant == tenant).distinct()
        .order_by(SpecVersion.process_id)))


def view(row: SpecVersion) -> SpecVersionView:
    """The public view of a version row."""
    return SpecVersionView(
        process_id=row.process_id,
        version=row.version,
        content_hash=row.content_hash,
        name=row.name,
        filename=row.filename,
        deployed_at=row.deployed_at,
        deployed_by=row.deployed_by,
        tenant=row.tenant,
        published_at=row.published_at,
        published_by=row.published_by,
        adopted_from_tenant=row.adopted_from_tenant,
        adopted_from_version=row.adopted_from_version,
    )


def one(tenant: str, process_id: str, version: int) -> Any:
    return select(SpecVersion).where(
        SpecVersion.tenant == tenant, SpecVersion.process_id == process_id,
        SpecVersion.version == version)
