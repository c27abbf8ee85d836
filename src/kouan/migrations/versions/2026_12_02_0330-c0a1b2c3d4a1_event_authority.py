"""authority over facts: each event is entitled or a claim; a carrier's fleet and codes

Revision ID: c0a1b2c3d4a1
Revises: b69b370a719e
Create Date: 2026-12-02 03:30:00

Events stored before this revision are kept as ``entitled``: they were acted on already (cases and
releases computed from them stand); ``kouan`` cannot tell a past forgery from a fact afterwards.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0a1b2c3d4a1"
down_revision: str | None = "b69b370a719e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("authority", sa.String(length=8), nullable=False,
                                      server_default="entitled"))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fleet", JSON_TYPE, nullable=True))
        batch_op.add_column(sa.Column("carrier_codes", JSON_TYPE, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("carrier_codes")
        batch_op.drop_column("fleet")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("authority")
