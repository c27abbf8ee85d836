"""clearance case index for a KPI by any grouping

Revision ID: c0a1b2c3d4k1
Revises: c0a1b2c3d4f1
Create Date: 2026-12-02 10:00:00.000000

``ix_clearance_case_stats`` (clock, status, month, direction, hours, declaration, seg_1..seg_4)
covered a KPI grouped by month and direction only: grouped by port, mode, commodity group or
district, each of the question's cases was looked up in the table (on SQLite, 97 k lookups took
three times as long as scanning the table). The index keeps its leading columns (the per-month
index seeks of ``analytics.run`` still work) and also holds every other group key and the two
instants, so every KPI statement (``clearance.kpi_store``) reads only its month range of it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c0a1b2c3d4k1"
down_revision: str | None = "c0a1b2c3d4f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ["clock", "status", "month", "direction", "hours", "declaration", "seg_1", "seg_2", "seg_3", "seg_4"]
AFTER = [*BEFORE, "port", "province", "customs_district", "facilitation_mode", "commodity_group",
         "start_at", "end_at"]


def upgrade() -> None:
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.drop_index("ix_clearance_case_stats")
        batch_op.create_index("ix_clearance_case_stats", AFTER, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("clearance_case", schema=None) as batch_op:
        batch_op.drop_index("ix_clearance_case_stats")
        batch_op.create_index("ix_clearance_case_stats", BEFORE, unique=False)
