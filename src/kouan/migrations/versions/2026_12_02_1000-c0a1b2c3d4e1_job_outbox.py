"""job outbox

Revision ID: c0a1b2c3d4e1
Revises: c0a1b2c3d4d1
Create Date: 2026-12-02 10:00:00

The ``job`` table: post-commit work written in the transaction that asks for it (a transactional
outbox) and run by a worker (``kouan worker``, or a thread of ``kouan serve``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0a1b2c3d4e1"
down_revision: str | None = "c0a1b2c3d4d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JobId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table("job",
    sa.Column("id", JobId, nullable=False),
    sa.Column("kind", sa.String(length=64), nullable=False),
    sa.Column("handler", sa.String(length=128), nullable=True),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("dedupe_key", sa.String(length=255), nullable=False),
    sa.Column("parent_id", JobId, nullable=True),
    sa.Column("status", sa.String(length=8), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    sa.UniqueConstraint("dedupe_key", name=op.f("uq_job_dedupe_key"))
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_job_status_run_after", ["status", "run_after"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_status_run_after")
        batch_op.drop_index(batch_op.f("ix_job_kind"))
    op.drop_table("job")
