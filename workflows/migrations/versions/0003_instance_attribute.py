"""instance attributes: the indexed variables the follow-up reports aggregate

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# A frozen copy of the variables declared by the domain's hooks when this migration was written
# (workflows/hooks.py INDEXED_VARIABLES). Instances started before the table existed are
# backfilled from their data snapshot for these keys; from then on every step writes them.
BACKFILL_KEYS: dict[str, tuple[str, ...]] = {
    "behovsanalys": ("finansieringsform", "parter", "inom_finsam_malgrupp", "skal",
                     "utlysning"),
    "esf_plus": ("behov_id", "parter", "utlysning", "overenskommelse", "projektagare",
                 "medfinansiarer", "fk_fallback", "skal", "sokt_belopp", "inskickad_datum",
                 "esf_beslut", "beslut_datum", "beviljat_belopp", "projektperiod_start",
                 "projektperiod_slut", "slutrapport_datum"),
    "finansiell_samordning": ("behov_id", "parter", "insatstyp", "preciserad_inriktning",
                              "specifik_malgrupp", "sokt_belopp", "processagare",
                              "styrelsebeslut", "beviljat_belopp", "motesdatum", "period_start",
                              "period_slut", "deltagare_kvinnor", "deltagare_man",
                              "genomford_datum"),
}
TEXT_LENGTH = 500


def upgrade() -> None:
    op.create_table('instance_attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('tenant', sa.String(length=100), nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('value_text', sa.String(length=500), nullable=True),
    sa.Column('value_number', sa.Float(), nullable=True),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_instance_attribute_instance', 'instance_attribute',
                    ['instance_id', 'key'], unique=False)
    op.create_index('ix_instance_attribute_value', 'instance_attribute',
                    ['tenant', 'process_id', 'key', 'value_text'], unique=False)
    op.create_index('ix_instance_tenant_process_created', 'instance',
                    ['tenant', 'process_id', 'created_at'], unique=False)
    _backfill()


def _backfill() -> None:
    """Write the attribute rows of every existing instance from its data snapshot."""
    # Self-contained on purpose: a migration must not depend on today's application code.
    import json
    import re
    from datetime import date

    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}$")

    def convert(value: object) -> tuple[str | None, float | None, date | None] | None:
        if value is None or isinstance(value, dict | list):
            return None
        if isinstance(value, bool):
            return ("true" if value else "false", None, None)
        if isinstance(value, int | float):
            return (None, float(value), None)
        text = str(value)
        day = None
        if iso_date.match(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                day = None
        return (text[:TEXT_LENGTH], None, day)

    bind = op.get_bind()
    table = sa.table(
        "instance_attribute",
        sa.column("instance_id", sa.Integer()), sa.column("tenant", sa.String()),
        sa.column("process_id", sa.String()), sa.column("key", sa.String()),
        sa.column("position", sa.Integer()), sa.column("value_text", sa.String()),
        sa.column("value_number", sa.Float()), sa.column("value_date", sa.Date()))
    last_id = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, tenant, process_id, data FROM instance WHERE id > :last "
            "ORDER BY id LIMIT 500"), {"last": last_id}).all()
        if not rows:
            break
        values = []
        for instance_id, tenant, process_id, data in rows:
            last_id = instance_id
            keys = BACKFILL_KEYS.get(process_id)
            if not keys:
                continue
            if isinstance(data, str | bytes):
                data = json.loads(data)
            for key in keys:
                value = (data or {}).get(key)
                items = value if isinstance(value, list) else [value]
                for position, item in enumerate(items):
                    converted = convert(item)
                    if converted is None:
                        continue
                    text, number, day = converted
                    values.append({
                        "instance_id": instance_id, "tenant": tenant, "process_id": process_id,
                        "key": key, "position": position, "value_text": text,
                        "value_number": number, "value_date": day})
        if values:
            bind.execute(table.insert(), values)


def downgrade() -> None:
    op.drop_index('ix_instance_tenant_process_created', table_name='instance')
    op.drop_index('ix_instance_attribute_value', table_name='instance_attribute')
    op.drop_index('ix_instance_attribute_instance', table_name='instance_attribute')
    op.drop_table('instance_attribute')
