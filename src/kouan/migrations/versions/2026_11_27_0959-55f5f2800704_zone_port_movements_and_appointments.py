"""zone-port movements, appointments, and the declaration indexes the arrival match uses

Revision ID: 55f5f2800704
Revises: d2ded99f8cbf
Create Date: 2026-11-27 09:59:05.408013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "55f5f2800704"
down_revision: str | None = "d2ded99f8cbf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("terminal_org_id", sa.Integer(), nullable=False),
        sa.Column("booked_by_org_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("containers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booked_by_org_id"],
            ["organisation.id"],
            name=op.f("fk_appointment_booked_by_org_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_appointment_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["port"], ["port.locode"], name=op.f("fk_appointment_port_port")),
        sa.ForeignKeyConstraint(
            ["terminal_org_id"], ["organisation.id"], name=op.f("fk_appointment_terminal_org_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment")),
        sa.UniqueConstraint("reference", name=op.f("uq_appointment_reference")),
    )
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_booked_by_org_id"), ["booked_by_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointment_declaration_id"), ["declaration_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_terminal_org_id"), ["terminal_org_id"], unique=False)

    op.create_table(
        "declaration_container",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("container", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_container_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("declaration_id", "container", name=op.f("pk_declaration_container")),
    )
    with op.batch_alter_table("declaration_container", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declaration_container_container"), ["container"], unique=False)

    op.create_table(
        "declaration_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("from_place", sa.String(length=16), nullable=False),
        sa.Column("to_place", sa.String(length=16), nullable=False),
        sa.Column("containers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("seal", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_movement_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_movement")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_declaration_movement_declaration_id")),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declaration_bill_of_lading"), ["bill_of_lading"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_transport_call"), ["transport_call"], unique=False)
        batch_op.drop_column("appointment_ref")  # replaced by the appointment table
    _index_existing_containers()


def _index_existing_containers() -> None:
    """Declarations lodged before this revision get their container rows too."""
    bind = op.get_bind()
    declaration = sa.table("declaration", sa.column("id", sa.Integer()), sa.column("containers", sa.JSON()))
    rows = [
        {"declaration_id": d_id, "container": c}
        for d_id, containers in bind.execute(sa.select(declaration.c.id, declaration.c.containers))
        for c in sorted(set(containers or []))
    ]
    if rows:
        target = sa.table(
            "declaration_container",
            sa.column("declaration_id", sa.Integer()),
            sa.column("container", sa.String()),
        )
        bind.execute(sa.insert(target), rows)


def downgrade() -> None:
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_transport_call"))
        batch_op.drop_index(batch_op.f("ix_declaration_bill_of_lading"))
        batch_op.add_column(sa.Column("appointment_ref", sa.String(length=64), nullable=True))

    op.drop_table("declaration_movement")
    with op.batch_alter_table("declaration_container", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_container_container"))

    op.drop_table("declaration_container")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_terminal_org_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_status"))
        batch_op.drop_index(batch_op.f("ix_appointment_kind"))
        batch_op.drop_index(batch_op.f("ix_appointment_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_booked_by_org_id"))

    op.drop_table("appointment")
