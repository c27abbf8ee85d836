"""clearance case stats index

Revision ID: 69735c25658b
Revises: 55f5f2800704
Create Date: 2026-11-27 11:28:22.381996
"""

from collections.abc import Sequence

from alembic import op

revision: str = "69735c25658b"
down_revision: str | None = "55f5f2800704"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clearance_case_stats",
            [
                "clock",
                "status",
                "month",
                "direction",
                "hours",
                "declaration",
                "seg_1",
                "seg_2",
                "seg_3",
                "seg_4",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.drop_index("ix_clearance_case_stats")
