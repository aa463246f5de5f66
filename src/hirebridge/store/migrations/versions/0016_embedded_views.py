"""Embedded views: each record a served document embeds keeps its slim view, written with it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import orjson
import sqlalchemy as sa
from alembic import op

from hirebridge.store.records import embed_json

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("candidates", "application_stages", "jobs", "interviews", "offers")
BATCH = 2_000


def upgrade() -> None:
    for name in TABLES:
        op.add_column(name, sa.Column("embed", sa.Text(), nullable=True))
    # Records stored before this revision get their view now: the sync writes it only when a record
    # changes, and a live render of a document reads it (serving/ats/applications.py).
    bind = op.get_bind()
    for name in TABLES:
        table = sa.table(
            name, sa.column("pk"), sa.column("id"), sa.column("remote_id"), sa.column("data"), sa.column("embed")
        )
        after = 0
        while True:
            rows = bind.execute(
                sa.select(table.c.pk, table.c.id, table.c.remote_id, table.c.data)
                .where(table.c.pk > after)
                .order_by(table.c.pk)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            bind.execute(
                table.update().where(table.c.pk == sa.bindparam("b_pk")).values(embed=sa.bindparam("b_embed")),
                [
                    {"b_pk": row.pk, "b_embed": embed_json(name, row.id, row.remote_id, orjson.loads(row.data))}
                    for row in rows
                ],
            )
            after = rows[-1].pk


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("embed")
