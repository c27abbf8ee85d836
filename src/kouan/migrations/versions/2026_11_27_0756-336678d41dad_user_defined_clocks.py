"""user defined clocks

Revision ID: 336678d41dad
Revises: e3defb02edd5
Create Date: 2026-11-27 07:56:59.799932
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "336678d41dad"
down_revision: str | None = "e3defb02edd5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_definition",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("definition", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_clock_definition")),
    )


def downgrade() -> None:
    op.drop_table("clock_definition")
