"""dcsa push feeds

Revision ID: 588a43c4201d
Revises: fc845864803a
Create Date: 2026-11-27 07:33:20.684477
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "588a43c4201d"
down_revision: str | None = "fc845864803a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dcsa_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("callback_token", sa.String(length=64), nullable=False),
        sa.Column("secret_b64", sa.Text(), nullable=False),
        sa.Column("carrier_subscription_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("last_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_dcsa_feed_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dcsa_feed")),
        sa.UniqueConstraint("callback_token", name=op.f("uq_dcsa_feed_callback_token")),
    )
    with op.batch_alter_table("dcsa_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dcsa_feed_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dcsa_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dcsa_feed_org_id"))

    op.drop_table("dcsa_feed")
