"""a case's attribute rows read from the index alone

ix_instance_attribute_instance (instance_id, key) becomes (instance_id, key, value_text, tenant):
the policy's check that a case names a party (`parter`), which the overview asks for every
group it counts (up to 1 001 at 100 000 cases), and a step's deletion of its changed keys read
the rows from the index, without a visit to the table. The same columns lead, so every
statement that used the index uses it as before; there is still one index to write.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_instance_attribute_instance", table_name="instance_attribute")
    op.create_index("ix_instance_attribute_instance", "instance_attribute",
                    ["instance_id", "key", "value_text", "tenant"])


def downgrade() -> None:
    op.drop_index("ix_instance_attribute_instance", table_name="instance_attribute")
    op.create_index("ix_instance_attribute_instance", "instance_attribute",
                    ["instance_id", "key"])
