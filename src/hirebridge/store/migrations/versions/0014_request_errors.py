"""API requests answered with an error: what an error envelope's log_url shows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_errors",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("integration_id", sa.Text(), nullable=True),
        sa.Column("api_key_prefix", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_errors")),
    )
    with op.batch_alter_table("request_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_errors_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_errors_at"))

    op.drop_table("request_errors")
