"""Integration fields: keys found in source payloads, and which are passed through

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: the next sync of each integration discovers its fields.
    op.create_table(
        "integration_fields",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("passthrough_enabled", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_integration_fields_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_integration_fields")),
        sa.UniqueConstraint("id", name=op.f("uq_integration_fields_id")),
    )
    op.create_index(
        op.f("ix_integration_fields_integration_id_pk"), "integration_fields", ["integration_id", "pk"], unique=False
    )
    op.create_index(
        op.f("ix_integration_fields_integration_id_model_passthrough_enabled"),
        "integration_fields",
        ["integration_id", "model", "passthrough_enabled"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_integration_fields_integration_id_model_passthrough_enabled"), table_name="integration_fields"
    )
    op.drop_index(op.f("ix_integration_fields_integration_id_pk"), table_name="integration_fields")
    op.drop_table("integration_fields")
