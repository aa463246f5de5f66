"""Served documents of applications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for existing rows: they are served live until the next sync renders them.
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("doc", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("doc")
