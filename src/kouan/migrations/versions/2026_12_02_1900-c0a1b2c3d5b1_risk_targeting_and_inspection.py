"""risk targeting and inspection

Revision ID: c0a1b2c3d5b1
Revises: c0a1b2c3d4k1
Create Date: 2026-12-02 18:47:17.435309

Issue #16: targeting rules (one row per version), random-draw rates, green channels, the lane a
declaration got at lodging (selectivity) and on the declaration itself (``lane``,
``green_channel``: the customs queue orders by it without a join), inspection orders with their
cause (无因不查) and the records of each method.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0a1b2c3d5b1"
down_revision: str | None = "c0a1b2c3d5a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "green_channel",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("hs_prefixes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("transport_mode", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_green_channel")),
    )
    op.create_table(
        "random_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("commodity_group", sa.String(length=32), nullable=False),
        sa.Column("rate", sa.Numeric(precision=6, scale=5), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_random_rate")),
        sa.UniqueConstraint("port", "commodity_group", name=op.f("uq_random_rate_port_commodity_group")),
    )
    op.create_table(
        "targeting_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("hs_prefix", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=2), nullable=True),
        sa.Column("consignee_uscc", sa.String(length=18), nullable=True),
        sa.Column("declarant_org_id", sa.Integer(), nullable=True),
        sa.Column("commodity_group", sa.String(length=32), nullable=True),
        sa.Column("port", sa.String(length=5), nullable=True),
        sa.Column("value_min", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("value_max", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("mode", sa.String(length=32), nullable=True),
        sa.Column("prior_findings", sa.Boolean(), nullable=False),
        sa.Column("lane", sa.String(length=24), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("sampling", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("issuing_unit", sa.String(length=120), nullable=False),
        sa.Column("customs_district", sa.String(length=4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["customs_district"],
            ["customs_district.code"],
            name=op.f("fk_targeting_rule_customs_district_customs_district"),
        ),
        sa.ForeignKeyConstraint(
            ["declarant_org_id"],
            ["organisation.id"],
            name=op.f("fk_targeting_rule_declarant_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targeting_rule")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_targeting_rule_code_version")),
    )
    with op.batch_alter_table("targeting_rule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_targeting_rule_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_targeting_rule_consignee_uscc"), ["consignee_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_targeting_rule_customs_district"), ["customs_district"], unique=False
        )
        batch_op.create_index("ix_targeting_rule_live", ["active", "hs_prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_targeting_rule_origin"), ["origin"], unique=False)

    op.create_table(
        "inspection_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=18), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("customs_district", sa.String(length=4), nullable=False),
        sa.Column("consignee_uscc", sa.String(length=18), nullable=False),
        sa.Column("cause", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("primary_cause", sa.String(length=16), nullable=False),
        sa.Column("rule_hits", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("draw", sa.String(length=120), nullable=True),
        sa.Column("officer_reason", sa.Text(), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ordered_by", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("green_channel", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_inspection_order_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_order")),
    )
    with op.batch_alter_table("inspection_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_order_consignee_uscc"), ["consignee_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_order_declaration_id"), ["declaration_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_order_number"), ["number"], unique=False)
        batch_op.create_index("ix_inspection_order_report", ["customs_district", "ordered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_order_status"), ["status"], unique=False)

    op.create_table(
        "selectivity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("lane", sa.String(length=24), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=True),
        sa.Column("rule_hits", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("reasons", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("commodity_group", sa.String(length=32), nullable=False),
        sa.Column("green_channel", sa.String(length=32), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("draw", sa.Numeric(precision=12, scale=10), nullable=True),
        sa.Column("rate", sa.Numeric(precision=6, scale=5), nullable=True),
        sa.Column("drawn", sa.Boolean(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_selectivity_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selectivity")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_selectivity_declaration_id")),
    )
    with op.batch_alter_table("selectivity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_selectivity_lane"), ["lane"], unique=False)

    op.create_table(
        "inspection_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["inspection_order.id"],
            name=op.f("fk_inspection_record_order_id_inspection_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_record")),
    )
    with op.batch_alter_table("inspection_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_record_order_id"), ["order_id"], unique=False)

    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lane", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("green_channel", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_column("green_channel")
        batch_op.drop_column("lane")

    with op.batch_alter_table("inspection_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_record_order_id"))

    op.drop_table("inspection_record")
    with op.batch_alter_table("selectivity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_selectivity_lane"))

    op.drop_table("selectivity")
    with op.batch_alter_table("inspection_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_order_status"))
        batch_op.drop_index("ix_inspection_order_report")
        batch_op.drop_index(batch_op.f("ix_inspection_order_number"))
        batch_op.drop_index(batch_op.f("ix_inspection_order_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_order_consignee_uscc"))

    op.drop_table("inspection_order")
    with op.batch_alter_table("targeting_rule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_targeting_rule_origin"))
        batch_op.drop_index("ix_targeting_rule_live")
        batch_op.drop_index(batch_op.f("ix_targeting_rule_customs_district"))
        batch_op.drop_index(batch_op.f("ix_targeting_rule_consignee_uscc"))
        batch_op.drop_index(batch_op.f("ix_targeting_rule_code"))

    op.drop_table("targeting_rule")
    op.drop_table("random_rate")
    op.drop_table("green_channel")
