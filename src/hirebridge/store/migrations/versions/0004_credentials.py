"""Sealed integration credentials, their validity, and sync run error codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.add_column(sa.Column("credentials", sa.Text(), nullable=True))
        batch.add_column(sa.Column("credentials_invalid_at", hirebridge.store.types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("error_code", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("error_code")
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("credentials_invalid_at")
        batch.drop_column("credentials")
