"""instance attributes of 004's model: the staff of strukturövergripande insatser

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None

# The keys indexed since the A5 form of 004's model (workflows/catalogue.py INDEXED_VARIABLES,
# frozen): backfilled from the data snapshot of any instance that has them already.
BACKFILL_KEYS: dict[str, tuple[str, ...]] = {
    "finansiell_samordning": ("personal_uppfoljning", "personal_antal"),
}
TEXT_LENGTH = 500


def upgrade() -> None:
    """Self-contained on purpose: a migration must not depend on today's application code."""
    import json

    bind = op.get_bind()
    table = sa.table(
        "instance_attribute",
        sa.column("instance_id", sa.Integer()), sa.column("tenant", sa.String()),
        sa.column("process_id", sa.String()), sa.column("key", sa.String()),
        sa.column("position", sa.Integer()), sa.column("value_text", sa.String()),
        sa.column("value_number", sa.Float()), sa.column("value_date", sa.Date()))
    for process_id, keys in BACKFILL_KEYS.items():
        bind.execute(sa.text(
            "DELETE FROM instance_attribute WHERE process_id = :p AND key IN :keys"
        ).bindparams(sa.bindparam("keys", expanding=True)), {"p": process_id, "keys": keys})
        last_id = 0
        while True:
            rows = bind.execute(sa.text(
                "SELECT id, tenant, data FROM instance WHERE process_id = :p AND id > :last "
                "ORDER BY id LIMIT 500"), {"p": process_id, "last": last_id}).all()
            if not rows:
                break
            values = []
            for instance_id, tenant, data in rows:
                last_id = instance_id
                if isinstance(data, str | bytes):
                    data = json.loads(data)
                for key in keys:
                    value = (data or {}).get(key)
                    if value is None or isinstance(value, dict | list):
                        continue
                    number = (float(value) if isinstance(value, int | float)
                              and not isinstance(value, bool) else None)
                    values.append({
                        "instance_id": instance_id, "tenant": tenant,
                        "process_id": process_id, "key": key, "position": 0,
                        "value_text": None if number is not None else str(value)[:TEXT_LENGTH],
                        "value_number": number, "value_date": None})
            if values:
                bind.execute(table.insert(), values)


def downgrade() -> None:
    bind = op.get_bind()
    for process_id, keys in BACKFILL_KEYS.items():
        bind.execute(sa.text(
            "DELETE FROM instance_attribute WHERE process_id = :p AND key IN :keys"
        ).bindparams(sa.bindparam("keys", expanding=True)), {"p": process_id, "keys": keys})
