"""Per-integration sync schedule overrides; which process executed a run

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("integrations") as batch:
        batch.add_column(sa.Column("full_sync_interval_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("delta_sync_interval_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("executor", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("executor")
    with op.batch_alter_table("integrations") as batch:
        batch.drop_column("delta_sync_interval_minutes")
        batch.drop_column("full_sync_interval_minutes")
