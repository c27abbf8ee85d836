"""consignment_hub: index (kind, key, linked_at) instead of (kind, key)

Revision ID: c0a1b2c3d6a1
Revises: c0a1b2c3d5c1
Create Date: 2026-12-02 23:55:00

Issue #13: ingest marks, per container it names, only the consignments linked around the batch's
times (``consignments.dirty._container_reach``), two range reads of this index; a reused
container's whole history was read before. The (kind, key) prefix still serves every other reader.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c0a1b2c3d6a1"
down_revision: str | None = "c0a1b2c3d5c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_consignment_hub_kind_key", table_name="consignment_hub")
    op.create_index("ix_consignment_hub_kind_key_linked", "consignment_hub", ["kind", "key", "linked_at"])


def downgrade() -> None:
    op.drop_index("ix_consignment_hub_kind_key_linked", table_name="consignment_hub")
    op.create_index("ix_consignment_hub_kind_key", "consignment_hub", ["kind", "key"])
