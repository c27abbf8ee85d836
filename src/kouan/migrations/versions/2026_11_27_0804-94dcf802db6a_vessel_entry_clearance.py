"""vessel entry clearance

Revision ID: 94dcf802db6a
Revises: 8399e627ec2c
Create Date: 2026-11-27 08:04:14.628993
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "94dcf802db6a"
down_revision: str | None = "8399e627ec2c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vessel_clearance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport_call", sa.String(length=80), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("declarant_org_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["declarant_org_id"],
            ["organisation.id"],
            name=op.f("fk_vessel_clearance_declarant_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["port"], ["port.locode"], name=op.f("fk_vessel_clearance_port_port")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vessel_clearance")),
        sa.UniqueConstraint("transport_call", name=op.f("uq_vessel_clearance_transport_call")),
    )
    op.create_table(
        "vessel_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clearance_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=24), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["clearance_id"],
            ["vessel_clearance.id"],
            name=op.f("fk_vessel_check_clearance_id_vessel_clearance"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vessel_check")),
        sa.UniqueConstraint("clearance_id", "agency", name=op.f("uq_vessel_check_clearance_id_agency")),
    )
    with op.batch_alter_table("vessel_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vessel_check_clearance_id"), ["clearance_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vessel_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vessel_check_clearance_id"))

    op.drop_table("vessel_check")
    op.drop_table("vessel_clearance")
