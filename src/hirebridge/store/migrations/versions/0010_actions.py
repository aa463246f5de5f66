"""Write actions: the audit record of each, and what an idempotent repeat answers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("environment_id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("api_key_prefix", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_actions_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_actions_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index(
        op.f("ix_actions_environment_id_idempotency_key"), "actions", ["environment_id", "idempotency_key"], unique=True
    )
    op.create_index(op.f("ix_actions_integration_id_created_at"), "actions", ["integration_id", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_actions_integration_id_created_at"), table_name="actions")
    op.drop_index(op.f("ix_actions_environment_id_idempotency_key"), table_name="actions")
    op.drop_table("actions")
