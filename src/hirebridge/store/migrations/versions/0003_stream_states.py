"""Incremental state per integration and stream

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:23:30.237818
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "stream_states",
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("stream", sa.String(length=80), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_stream_states_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_id", "stream", name=op.f("pk_stream_states")),
    )


def downgrade() -> None:

    op.drop_table("stream_states")
