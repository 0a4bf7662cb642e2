"""tenants apart: every förbund its own spec versions (published to others, adopted from others),
and memberships that carry their own active flag and invitation

Existing versions become each förbund's own: every tenant (a förbund, or a tenant that has
instances) gets a copy of every version with the same number, content and content hash, and its
instances are pointed at its own copy. Nothing an event or the ledger hashes changes: a `started`
or `migrated` event names the version number and the content hash, never the row id, and replay
looks the version up by (tenant, process, content hash).

A deactivated account was locked out of every förbund; its memberships are now each inactive
instead, and the account-level lock is left to operators.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_COPIED = ("process_id", "version", "content_hash", "name", "filename", "bpmn", "forms",
           "deployed_at", "deployed_by")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('spec_version') as batch:
        batch.add_column(sa.Column('tenant', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('published_by', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('adopted_from_tenant', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('adopted_from_version', sa.Integer(), nullable=True))
    tenants = _tenants(bind)
    if tenants:
        bind.execute(sa.text("UPDATE spec_version SET tenant = :t"), {"t": tenants[0]})
    else:  # no förbund and no instance: nothing can run on these versions, nobody owns them
        bind.execute(sa.text("DELETE FROM spec_version"))
    with op.batch_alter_table('spec_version') as batch:
        batch.alter_column('tenant', existing_type=sa.String(length=100), nullable=False)
        batch.drop_constraint('uq_spec_version_process_hash', type_='unique')
        batch.drop_constraint('uq_spec_version_process_version', type_='unique')
        batch.create_unique_constraint('uq_spec_version_tenant_process_version',
                                       ['tenant', 'process_id', 'version'])
        batch.create_unique_constraint('uq_spec_version_tenant_process_hash',
                                       ['tenant', 'process_id', 'content_hash'])
    columns = ", ".join(_COPIED)
    for tenant in tenants[1:]:
        bind.execute(sa.text(
            f"INSERT INTO spec_version (tenant, {columns}) SELECT :t, {columns} "
            "FROM spec_version WHERE tenant = :first ORDER BY id"),
            {"t": tenant, "first": tenants[0]})
        bind.execute(sa.text(
            "UPDATE instance SET spec_version_id = (SELECT own.id FROM spec_version own "
            "JOIN spec_version shared ON shared.process_id = own.process_id "
            "AND shared.version = own.version "
            "WHERE shared.id = instance.spec_version_id AND own.tenant = :t) "
            "WHERE tenant = :t"), {"t": tenant})

    with op.batch_alter_table('membership') as batch:
        batch.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column('status', sa.String(length=20), nullable=False,
                                   server_default='accepted'))
        batch.add_column(sa.Column('invited_by', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
    bind.execute(sa.text(
        "UPDATE membership SET active = (SELECT app_user.active FROM app_user "
        "WHERE app_user.id = membership.user_id)"))
    bind.execute(sa.text("UPDATE app_user SET active = :yes"), {"yes": True})


def _tenants(bind: sa.engine.Connection) -> list[str]:
    """Every förbund's slug and every tenant that has instances, sorted."""
    found = set(bind.execute(sa.text("SELECT slug FROM forbund")).scalars())
    found |= set(bind.execute(sa.text("SELECT DISTINCT tenant FROM instance")).scalars())
    return sorted(found)


def downgrade() -> None:
    bind = op.get_bind()
    # One global row per (process, version) again, only where every tenant has the same content.
    clash = bind.execute(sa.text(
        "SELECT process_id, version FROM spec_version GROUP BY process_id, version "
        "HAVING COUNT(DISTINCT content_hash) > 1")).first()
    if clash is not None:
        raise RuntimeError(f"cannot downgrade: förbund hold different contents of "
                           f"{clash[0]} version {clash[1]}")
    bind.execute(sa.text(
        "UPDATE instance SET spec_version_id = (SELECT MIN(other.id) FROM spec_version own "
        "JOIN spec_version other ON other.process_id = own.process_id "
        "AND other.version = own.version WHERE own.id = instance.spec_version_id)"))
    bind.execute(sa.text(
        "DELETE FROM spec_version WHERE id NOT IN (SELECT MIN(id) FROM spec_version "
        "GROUP BY process_id, version)"))
    with op.batch_alter_table('spec_version') as batch:
        batch.drop_constraint('uq_spec_version_tenant_process_hash', type_='unique')
        batch.drop_constraint('uq_spec_version_tenant_process_version', type_='unique')
        batch.create_unique_constraint('uq_spec_version_process_version',
                                       ['process_id', 'version'])
        batch.create_unique_constraint('uq_spec_version_process_hash',
                                       ['process_id', 'content_hash'])
        batch.drop_column('adopted_from_version')
        batch.drop_column('adopted_from_tenant')
        batch.drop_column('published_by')
        batch.drop_column('published_at')
        batch.drop_column('tenant')
    # An account is active where every one of its memberships was.
    bind.execute(sa.text(
        "UPDATE app_user SET active = CASE WHEN EXISTS (SELECT 1 FROM membership "
        "WHERE membership.user_id = app_user.id AND NOT membership.active) "
        "THEN :no ELSE active END"), {"no": False})
    bind.execute(sa.text("DELETE FROM membership WHERE status <> 'accepted'"))
    with op.batch_alter_table('membership') as batch:
        batch.drop_column('answered_at')
        batch.drop_column('invited_at')
        batch.drop_column('invited_by')
        batch.drop_column('status')
        batch.drop_column('active')
