"""declarations

Revision ID: 8399e627ec2c
Revises: 336678d41dad
Create Date: 2026-11-27 08:01:35.563700
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8399e627ec2c"
down_revision: str | None = "336678d41dad"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=18), nullable=False),
        sa.Column("direction", sa.String(length=1), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("held_from", sa.String(length=24), nullable=True),
        sa.Column("modes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("declarant_org_id", sa.Integer(), nullable=False),
        sa.Column("consignee_org_id", sa.Integer(), nullable=True),
        sa.Column("consignee_uscc", sa.String(length=18), nullable=False),
        sa.Column("consignee_name", sa.String(length=200), nullable=False),
        sa.Column("consignee_credit", sa.String(length=16), nullable=True),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("customs_district", sa.String(length=4), nullable=False),
        sa.Column("transport_call", sa.String(length=80), nullable=True),
        sa.Column("bill_of_lading", sa.String(length=80), nullable=True),
        sa.Column("containers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("dutiable_value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("warehouse", sa.String(length=120), nullable=True),
        sa.Column("warehouse_approved", sa.Boolean(), nullable=False),
        sa.Column("bonded_zone", sa.String(length=120), nullable=True),
        sa.Column("appointment_ref", sa.String(length=64), nullable=True),
        sa.Column("inspection_ordered", sa.Boolean(), nullable=False),
        sa.Column("summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignee_org_id"],
            ["organisation.id"],
            name=op.f("fk_declaration_consignee_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["customs_district"],
            ["customs_district.code"],
            name=op.f("fk_declaration_customs_district_customs_district"),
        ),
        sa.ForeignKeyConstraint(
            ["declarant_org_id"],
            ["organisation.id"],
            name=op.f("fk_declaration_declarant_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["port"], ["port.locode"], name=op.f("fk_declaration_port_port")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint("number", name=op.f("uq_declaration_number")),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_consignee_org_id"), ["consignee_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declaration_customs_district"), ["customs_district"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declaration_declarant_org_id"), ["declarant_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declaration_status"), ["status"], unique=False)

    op.create_table(
        "declaration_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_document_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_document")),
    )
    with op.batch_alter_table("declaration_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_document_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "declaration_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_item_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_item")),
        sa.UniqueConstraint("declaration_id", "seq", name=op.f("uq_declaration_item_declaration_id_seq")),
    )
    with op.batch_alter_table("declaration_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_item_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "declaration_obligation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verifier", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_obligation_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_obligation")),
    )
    with op.batch_alter_table("declaration_obligation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_obligation_declaration_id"), ["declaration_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("declaration_obligation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_obligation_declaration_id"))

    op.drop_table("declaration_obligation")
    with op.batch_alter_table("declaration_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_item_declaration_id"))

    op.drop_table("declaration_item")
    with op.batch_alter_table("declaration_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_document_declaration_id"))

    op.drop_table("declaration_document")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_status"))
        batch_op.drop_index(batch_op.f("ix_declaration_declarant_org_id"))
        batch_op.drop_index(batch_op.f("ix_declaration_customs_district"))
        batch_op.drop_index(batch_op.f("ix_declaration_consignee_org_id"))

    op.drop_table("declaration")
