"""clearance cases

Revision ID: 1142823bbfa5
Revises: 588a43c4201d
Create Date: 2026-11-27 07:36:19.236092
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1142823bbfa5"
down_revision: str | None = "588a43c4201d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clearance_case",
        sa.Column("declaration", sa.String(length=18), nullable=False),
        sa.Column("clock", sa.String(length=32), nullable=False),
        sa.Column("consignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("direction", sa.String(length=1), nullable=True),
        sa.Column("port", sa.String(length=5), nullable=True),
        sa.Column("province", sa.String(length=6), nullable=True),
        sa.Column("customs_district", sa.String(length=4), nullable=True),
        sa.Column("facilitation_mode", sa.String(length=32), nullable=True),
        sa.Column("commodity_group", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("seg_1", sa.Float(), nullable=True),
        sa.Column("seg_2", sa.Float(), nullable=True),
        sa.Column("seg_3", sa.Float(), nullable=True),
        sa.Column("seg_4", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("declaration", "clock", name=op.f("pk_clearance_case")),
    )
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.create_index("ix_clearance_case_clock_month", ["clock", "month"], unique=False)
        batch_op.create_index("ix_clearance_case_consignment", ["consignment_id"], unique=False)

    op.create_table(
        "dirty_consignment",
        sa.Column("consignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_dirty_consignment_consignment_id_consignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("consignment_id", name=op.f("pk_dirty_consignment")),
    )


def downgrade() -> None:
    op.drop_table("dirty_consignment")
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.drop_index("ix_clearance_case_consignment")
        batch_op.drop_index("ix_clearance_case_clock_month")

    op.drop_table("clearance_case")
