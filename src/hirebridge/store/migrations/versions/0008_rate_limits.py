"""Rate limiters shared across processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per limiter key (an integration): the GCRA's theoretical arrival time, in microseconds
    # since the Unix epoch (store/rate_limits.py). UNLOGGED on PostgreSQL: the state is worth nothing
    # after a crash (it is emptied then; the limiters start afresh) and an update that writes no WAL
    # commits without waiting for a WAL flush (a reservation costs a fraction: docs/benchmarks.md).
    # SQLite keeps the limiters in a sidecar file; the table stays empty here.
    unlogged = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_limits",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("tat_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limits"),
        prefixes=unlogged,
    )


def downgrade() -> None:
    op.drop_table("rate_limits")
