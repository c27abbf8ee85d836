"""sessions and login throttling

Revision ID: c0a1b2c3d4d1
Revises: c0a1b2c3d4b1
Create Date: 2026-12-02 03:04:11.852681

Server-side login sessions (``web_session``: the cookie carries a random token, the table its
SHA-256) and the failed-login / failed-API-key counters with their lockouts, kept in the database
so that every server worker shares them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c0a1b2c3d4d1"
down_revision: str | None = "c0a1b2c3d4b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("auth_failure",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=128), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failure"))
    )
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_failure_at"), ["at"], unique=False)
        batch_op.create_index("ix_auth_failure_key_at", ["key", "at"], unique=False)

    op.create_table("auth_lockout",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=128), nullable=False),
    sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_lockout"))
    )
    with op.batch_alter_table("auth_lockout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_lockout_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_lockout_locked_until"), ["locked_until"], unique=False)

    op.create_table("web_session",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("person_id", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_web_session_person_id_person"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_web_session_token_hash"))
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_session_person_id"), ["person_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_person_id"))
        batch_op.drop_index(batch_op.f("ix_web_session_expires_at"))

    op.drop_table("web_session")
    with op.batch_alter_table("auth_lockout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_lockout_locked_until"))
        batch_op.drop_index(batch_op.f("ix_auth_lockout_key"))

    op.drop_table("auth_lockout")
    with op.batch_alter_table("auth_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_failure_key_at")
        batch_op.drop_index(batch_op.f("ix_auth_failure_at"))

    op.drop_table("auth_failure")
