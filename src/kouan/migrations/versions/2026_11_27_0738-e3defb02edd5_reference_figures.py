"""reference figures

Revision ID: e3defb02edd5
Revises: 1142823bbfa5
Create Date: 2026-11-27 07:38:54.631589
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3defb02edd5"
down_revision: str | None = "1142823bbfa5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_figure",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("direction", sa.String(length=1), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "period", "direction", name=op.f("pk_reference_figure")),
    )


def downgrade() -> None:
    op.drop_table("reference_figure")
