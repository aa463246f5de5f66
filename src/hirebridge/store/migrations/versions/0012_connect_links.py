"""Kombo Connect: the links API users hand to their customers to connect (or reconnect) a tool

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 01:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connect_links",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("environment_id", sa.String(length=24), nullable=False),
        sa.Column("link_type", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("integration_tool", sa.String(length=40), nullable=True),
        sa.Column("end_user_email", sa.Text(), nullable=True),
        sa.Column("end_user_organization_name", sa.Text(), nullable=False),
        sa.Column("end_user_origin_id", sa.Text(), nullable=True),
        sa.Column("relink_integration_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("used_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("integration_id", sa.String(length=80), nullable=True),
        sa.Column("activation_token_hash", sa.String(length=64), nullable=True),
        sa.Column("activation_expires_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_connect_links_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_connect_links_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["relink_integration_id"],
            ["integrations.id"],
            name=op.f("fk_connect_links_relink_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connect_links")),
        sa.UniqueConstraint("activation_token_hash", name=op.f("uq_connect_links_activation_token_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_connect_links_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("connect_links")
