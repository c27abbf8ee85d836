"""call event: the events about a vessel call itself, by call key

Revision ID: c0a1b2c3d4f1
Revises: c0a1b2c3d4e1
Create Date: 2026-12-02 10:00:00

``call_event`` (``events.models.CallEvent``) lists, per call key, the events naming only transport
calls and those naming a call with a vessel milestone (``TRANSPORT_*``): what a timeline, a clock's
call scope and the arrival match read of a call, without walking the ``event_ref`` rows of every
box the call carried. Filled here from the stored events, then written with each event.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0a1b2c3d4f1"
down_revision: str | None = "c0a1b2c3d4e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_MILESTONES = ("TRANSPORT_ENTRY_DECLARED", "TRANSPORT_ARRIVED", "TRANSPORT_DEPARTED",
                   "TRANSPORT_CHECK_DONE", "TRANSPORT_CLEARED")


def upgrade() -> None:
    op.create_table(
        "call_event",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["event.id"], name=op.f("fk_call_event_event_pk_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key", "event_pk", name=op.f("pk_call_event")),
        sqlite_with_rowid=False,
    )
    # One pass over the references, grouped by event: an event whose every reference is a call,
    # or a vessel milestone naming a call.
    milestones = ", ".join(f"'{m}'" for m in CALL_MILESTONES)
    op.execute(
        "INSERT INTO call_event (key, event_pk) "
        "SELECT r.key, r.event_pk FROM event_ref r "
        "JOIN (SELECT event_pk FROM event_ref GROUP BY event_pk "
        "      HAVING MIN(kind) = 'transport_call' AND MAX(kind) = 'transport_call') p "
        "  ON p.event_pk = r.event_pk "
        "WHERE r.kind = 'transport_call' "
        "UNION "
        "SELECT r.key, r.event_pk FROM event_ref r JOIN event e ON e.id = r.event_pk "
        f"WHERE r.kind = 'transport_call' AND e.milestone IN ({milestones})"
    )


def downgrade() -> None:
    op.drop_table("call_event")
