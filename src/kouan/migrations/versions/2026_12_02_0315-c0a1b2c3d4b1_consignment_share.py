"""consignment share: an explicit grant to see a shipment whole

Revision ID: c0a1b2c3d4b1
Revises: c0a1b2c3d4a1
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0a1b2c3d4b1"
down_revision: str | None = "c0a1b2c3d4a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consignment_share",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("granted_by_org_id", sa.Integer(), nullable=True),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"],
                                name=op.f("fk_consignment_share_org_id_organisation")),
        sa.ForeignKeyConstraint(["granted_by_org_id"], ["organisation.id"],
                                name=op.f("fk_consignment_share_granted_by_org_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_share")),
        sa.UniqueConstraint("kind", "key", "org_id", name=op.f("uq_consignment_share_kind_key_org_id")),
    )
    with op.batch_alter_table("consignment_share", schema=None) as batch_op:
        batch_op.create_index("ix_consignment_share_org_id", ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consignment_share", schema=None) as batch_op:
        batch_op.drop_index("ix_consignment_share_org_id")
    op.drop_table("consignment_share")
