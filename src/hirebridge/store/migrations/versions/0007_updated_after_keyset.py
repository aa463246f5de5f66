"""updated_after walks page along (integration_id, updated_at, pk)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The synced tables (store/tables.py: synced_table) as of this revision.
TABLES = (
    "roles",
    "tags",
    "users",
    "rejection_reasons",
    "jobs",
    "application_stages",
    "job_postings",
    "screening_questions",
    "candidates",
    "applications",
    "interviews",
    "offers",
    "notes",
    "scorecards",
    "attachments",
)


def upgrade() -> None:
    # The new index serves everything the old one did (its leading columns are the old one's).
    for table in TABLES:
        op.create_index(f"ix_{table}_integration_id_updated_at_pk", table, ["integration_id", "updated_at", "pk"])
        op.drop_index(f"ix_{table}_integration_id_updated_at", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_integration_id_updated_at", table, ["integration_id", "updated_at"])
        op.drop_index(f"ix_{table}_integration_id_updated_at_pk", table_name=table)
