"""event_ref keyed by kind key event

Revision ID: b69b370a719e
Revises: 69735c25658b
Create Date: 2026-11-27 13:25:57.948687

``event_ref`` was keyed ``(event_pk, kind, key)`` with a second index on ``(kind, key)``: on SQLite
a rowid table and two b-trees written per reference. It is now keyed ``(kind, key, event_pk)``
with no other index, ``WITHOUT ROWID`` on SQLite (batch mode recreates the table and copies the
rows; PostgreSQL swaps the primary key in place).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b69b370a719e"
down_revision: str | None = "69735c25658b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "event_ref", schema=None, table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_index("ix_event_ref_kind_key")
        batch_op.drop_constraint("pk_event_ref", type_="primary")
        batch_op.create_primary_key("pk_event_ref", ["kind", "key", "event_pk"])


def downgrade() -> None:
    with op.batch_alter_table("event_ref", schema=None, table_kwargs={"sqlite_with_rowid": True}) as batch_op:
        batch_op.drop_constraint("pk_event_ref", type_="primary")
        batch_op.create_primary_key("pk_event_ref", ["event_pk", "kind", "key"])
        batch_op.create_index("ix_event_ref_kind_key", ["kind", "key"], unique=False)
