"""export credit insurance channel: rules, applications, loss notices, insurer webhooks

Revision ID: c0a1b2c3d5d1
Revises: c0a1b2c3d4k1
Create Date: 2026-12-02 19:00:00

Issue #17 part 3 (``kouan.insurance``). ``insurer_webhook.secret`` is kept as generated: HMAC
signing needs the secret itself (it cannot be hashed); the audit trail redacts it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c0a1b2c3d5d1"
down_revision: str | None = "c0a1b2c3d5b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insurance_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("exporter_org_id", sa.Integer(), nullable=False),
        sa.Column("insurer_org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("prior_year", sa.Integer(), nullable=False),
        sa.Column("export_value_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("prefilled_value_usd", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("value_reason", sa.Text(), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("buyers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("eligibility", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("reasons", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("policy_number", sa.String(length=40), nullable=True),
        sa.Column("total_cover_usd", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("webhook_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exporter_org_id"],
            ["organisation.id"],
            name=op.f("fk_insurance_application_exporter_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["insurer_org_id"],
            ["organisation.id"],
            name=op.f("fk_insurance_application_insurer_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_application")),
        sa.UniqueConstraint("reference", name=op.f("uq_insurance_application_reference")),
    )
    with op.batch_alter_table("insurance_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_application_exporter_org_id"), ["exporter_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_insurance_application_insurer_org_id"), ["insurer_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_insurance_application_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_insurance_application_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_insurance_application_uscc"), ["uscc"], unique=False)

    op.create_table(
        "insurance_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=6), nullable=False),
        sa.Column("bureau_org_id", sa.Integer(), nullable=False),
        sa.Column("export_ceiling_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["bureau_org_id"], ["organisation.id"], name=op.f("fk_insurance_rule_bureau_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_rule")),
        sa.UniqueConstraint("province", name=op.f("uq_insurance_rule_province")),
    )
    op.create_table(
        "insurer_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_insurer_webhook_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurer_webhook")),
        sa.UniqueConstraint("org_id", name=op.f("uq_insurer_webhook_org_id")),
    )
    op.create_table(
        "insurance_loss_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("exporter_org_id", sa.Integer(), nullable=False),
        sa.Column("buyer", sa.String(length=200), nullable=False),
        sa.Column("amount_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_by", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["insurance_application.id"],
            name=op.f("fk_insurance_loss_notice_application_id_insurance_application"),
        ),
        sa.ForeignKeyConstraint(
            ["exporter_org_id"],
            ["organisation.id"],
            name=op.f("fk_insurance_loss_notice_exporter_org_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_loss_notice")),
        sa.UniqueConstraint("reference", name=op.f("uq_insurance_loss_notice_reference")),
    )
    with op.batch_alter_table("insurance_loss_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_loss_notice_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("insurance_loss_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_loss_notice_application_id"))

    op.drop_table("insurance_loss_notice")
    op.drop_table("insurer_webhook")
    op.drop_table("insurance_rule")
    with op.batch_alter_table("insurance_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_application_uscc"))
        batch_op.drop_index(batch_op.f("ix_insurance_application_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_insurance_application_status"))
        batch_op.drop_index(batch_op.f("ix_insurance_application_insurer_org_id"))
        batch_op.drop_index(batch_op.f("ix_insurance_application_exporter_org_id"))

    op.drop_table("insurance_application")
