"""index hubs by key

Revision ID: d2ded99f8cbf
Revises: 94dcf802db6a
Create Date: 2026-11-27 08:29:33.534627
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d2ded99f8cbf"
down_revision: str | None = "94dcf802db6a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consignment_hub", schema=None) as batch_op:
        batch_op.create_index("ix_consignment_hub_key", ["key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consignment_hub", schema=None) as batch_op:
        batch_op.drop_index("ix_consignment_hub_key")
