"""event store and consignments

Revision ID: fc845864803a
Revises: ee6b26d0a57a
Create Date: 2026-11-27 07:20:40.659867
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "fc845864803a"
down_revision: str | None = "ee6b26d0a57a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consignment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment")),
    )
    op.create_table(
        "transport_call_alias",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("canonical", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_transport_call_alias")),
    )
    with op.batch_alter_table("transport_call_alias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transport_call_alias_canonical"), ["canonical"], unique=False)

    op.create_table(
        "consignment_hub",
        sa.Column("consignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"], ["consignment.id"], name=op.f("fk_consignment_hub_consignment_id_consignment")
        ),
        sa.PrimaryKeyConstraint("consignment_id", "kind", "key", name=op.f("pk_consignment_hub")),
    )
    with op.batch_alter_table("consignment_hub", schema=None) as batch_op:
        batch_op.create_index("ix_consignment_hub_kind_key", ["kind", "key"], unique=False)

    op.create_table(
        "consignment_member",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("consignment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_member_consignment_id_consignment"),
        ),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_consignment_member")),
    )
    with op.batch_alter_table("consignment_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consignment_member_consignment_id"), ["consignment_id"], unique=False
        )

    op.create_table(
        "ingest_batch",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("containers_checked", sa.Integer(), nullable=False),
        sa.Column("containers_invalid", sa.Integer(), nullable=False),
        sa.Column("locodes_checked", sa.Integer(), nullable=False),
        sa.Column("locodes_invalid", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_ingest_batch_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batch")),
    )
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_batch_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_batch_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_batch_source"), ["source"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("milestone", sa.String(length=32), nullable=False),
        sa.Column("original_code", sa.String(length=120), nullable=True),
        sa.Column("classifier", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.DateTime(timezone=True), nullable=True),
        sa.Column("port", sa.String(length=5), nullable=True),
        sa.Column("direction", sa.String(length=1), nullable=True),
        sa.Column("refs", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("attrs", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batch.id"], name=op.f("fk_event_batch_id_ingest_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("source", "event_id", name=op.f("uq_event_source_event_id")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_event_milestone_occurred", ["milestone", "occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_port"), ["port"], unique=False)
        batch_op.create_index("ix_event_source_received", ["source", "received_at"], unique=False)

    op.create_table(
        "quarantined_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batch.id"], name=op.f("fk_quarantined_message_batch_id_ingest_batch")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_batch_id"],
            ["ingest_batch.id"],
            name=op.f("fk_quarantined_message_resolved_batch_id_ingest_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_message")),
    )
    with op.batch_alter_table("quarantined_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantined_message_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantined_message_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_quarantined_message_status"), ["status"], unique=False)

    op.create_table(
        "event_ref",
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["event.id"], name=op.f("fk_event_ref_event_pk_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_pk", "kind", "key", name=op.f("pk_event_ref")),
    )
    with op.batch_alter_table("event_ref", schema=None) as batch_op:
        batch_op.create_index("ix_event_ref_kind_key", ["kind", "key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event_ref", schema=None) as batch_op:
        batch_op.drop_index("ix_event_ref_kind_key")

    op.drop_table("event_ref")
    with op.batch_alter_table("quarantined_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantined_message_status"))
        batch_op.drop_index(batch_op.f("ix_quarantined_message_source"))
        batch_op.drop_index(batch_op.f("ix_quarantined_message_batch_id"))

    op.drop_table("quarantined_message")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_source_received")
        batch_op.drop_index(batch_op.f("ix_event_port"))
        batch_op.drop_index("ix_event_milestone_occurred")
        batch_op.drop_index(batch_op.f("ix_event_batch_id"))

    op.drop_table("event")
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_batch_source"))
        batch_op.drop_index(batch_op.f("ix_ingest_batch_received_at"))
        batch_op.drop_index(batch_op.f("ix_ingest_batch_org_id"))

    op.drop_table("ingest_batch")
    with op.batch_alter_table("consignment_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_member_consignment_id"))

    op.drop_table("consignment_member")
    with op.batch_alter_table("consignment_hub", schema=None) as batch_op:
        batch_op.drop_index("ix_consignment_hub_kind_key")

    op.drop_table("consignment_hub")
    with op.batch_alter_table("transport_call_alias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_call_alias_canonical"))

    op.drop_table("transport_call_alias")
    op.drop_table("consignment")
