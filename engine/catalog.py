"""Each tenant's deployed versions: deploy, publish, adopt, and every read of versions.

A tenant deploys and runs only its own versions: numbers count per (tenant, process) and the same
content is one version per tenant. Another tenant's version is never used implicitly; a tenant
takes one only by adopting it, explicitly, after its owner published it, and the adopted copy is
a new version of the adopter's own that records where it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import Database
from .errors import Conflict, NotFound
from .models import SpecVersion
from .sources import SpecSource
from .types import DeployResult, SpecVersionView

if TYPE_CHECKING:
    from .context import EngineContext


def deploy(ctx: EngineContext, tenant: str, source: SpecSource, deployed_by: str,
           origin: tuple[str, int] | None = None) -> DeployResult:
    """Validate and store `source` as the tenant's next version of its process (`origin`: the
    tenant and version it was adopted from). The same content again is a no-op that returns the
    tenant's existing version; no other tenant's versions are read or changed."""
    if not tenant:
        raise NotFound("no tenant to deploy to")
    parsed = ctx.lint(source)
    content_hash = source.content_hash
    with ctx.db.write() as session:
        existing = by_hash(session, tenant, parsed.process_id, content_hash)
        if existing is not None:
            return DeployResult(parsed.process_id, existing.version, content_hash, False, tenant)
        latest = session.scalar(
            select(func.max(SpecVersion.version)).where(
                SpecVersion.tenant == tenant, SpecVersion.process_id == parsed.process_id))
        row = SpecVersion(
            tenant=tenant,
            process_id=parsed.process_id,
            version=(latest or 0) + 1,
            content_hash=content_hash,
            name=parsed.name,
            filename=source.filename,
            bpmn=source.bpmn,
            forms=source.forms,
            deployed_at=ctx.clock(),
            deployed_by=deployed_by,
            adopted_from_tenant=origin[0] if origin else None,
            adopted_from_version=origin[1] if origin else None,
        )
        session.add(row)
        session.flush()
        version = row.version
    return DeployResult(parsed.process_id, version, content_hash, True, tenant)


def publish(ctx: EngineContext, tenant: str, process_id: str, version: int, by: str,
            published: bool = True) -> SpecVersionView:
    """Offer one of the tenant's versions to other tenants (or withdraw the offer; versions
    already adopted stay with their adopters). Raises NotFound."""
    with ctx.db.write() as session:
        row = session.scalar(_one(tenant, process_id, version))
        if row is None:
            raise NotFound(f"no version {version} of {process_id}")
        if published and row.published_at is None:
            row.published_at = ctx.clock()
            row.published_by = by
        elif not published:
            row.published_at = None
            row.published_by = None
        return view(row)


def adopt(ctx: EngineContext, tenant: str, from_tenant: str, process_id: str, version: int,
          adopted_by: str) -> DeployResult:
    """Take a version another tenant published as the tenant's next version of the process,
    validated like any deploy, recording who adopted it, when and from where. Raises NotFound
    (no such published version) and Conflict (one's own version)."""
    if from_tenant == tenant:
        raise Conflict("a version of your own is already yours")
    with ctx.db.read() as session:
        row = session.scalar(_one(from_tenant, process_id, version)
                             .where(SpecVersion.published_at.is_not(None)))
        if row is None:
            raise NotFound(f"no published version {version} of {process_id}")
        source = SpecSource(row.filename, bytes(row.bpmn), dict(row.forms))
    return deploy(ctx, tenant, source, adopted_by, origin=(from_tenant, version))


def newest(session: Session, tenant: str, process_id: str) -> SpecVersion | None:
    """The tenant's newest version of a process."""
    return session.scalar(
        select(SpecVersion)
        .where(SpecVersion.tenant == tenant, SpecVersion.process_id == process_id)
        .order_by(SpecVersion.version.desc())
        .limit(1))


def numbered(session: Session, tenant: str, process_id: str, version: int
             ) -> SpecVersion | None:
    """The tenant's version `version` of a process."""
    row: SpecVersion | None = session.scalar(_one(tenant, process_id, version))
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


def _one(tenant: str, process_id: str, version: int) -> Any:
    return select(SpecVersion).where(
        SpecVersion.tenant == tenant, SpecVersion.process_id == process_id,
        SpecVersion.version == version)
