"""Each tenant's deployed versions: deploy, publish and adopt (reads: `engine.store.spec_rows`).

A tenant deploys and runs only its own versions: numbers count per (tenant, process) and the same
content is one version per tenant. Another tenant's version is never used implicitly; a tenant
takes one only by adopting it, explicitly, after its owner published it, and the adopted copy is
a new version of the adopter's own that records where it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.base.errors import Conflict, NotFound
from engine.base.types import DeployResult, SpecVersionView
from engine.specs.sources import SpecSource
from engine.store.models import SpecVersion
from engine.store.spec_rows import by_hash, one, view

if TYPE_CHECKING:
    from engine.context import EngineContext


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
        row = session.scalar(one(tenant, process_id, version))
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
        row = session.scalar(one(from_tenant, process_id, version)
                             .where(SpecVersion.published_at.is_not(None)))
        if row is None:
            raise NotFound(f"no published version {version} of {process_id}")
        source = SpecSource(row.filename, bytes(row.bpmn), dict(row.forms))
    return deploy(ctx, tenant, source, adopted_by, origin=(from_tenant, version))
