"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 21:20:37.407802
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "environments",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_environments")),
        sa.UniqueConstraint("name", name=op.f("uq_environments_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("environment_id", sa.String(length=24), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_api_keys_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "integrations",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("environment_id", sa.String(length=24), nullable=False),
        sa.Column("tool", sa.String(length=40), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("first_sync_succeeded_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("sync_lock_run_id", sa.String(length=24), nullable=True),
        sa.Column("sync_lock_expires_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["environment_id"],
            ["environments.id"],
            name=op.f("fk_integrations_environment_id_environments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrations")),
    )
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrations_environment_id"), ["environment_id"], unique=False)

    op.create_table(
        "application_stages",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.Column("job_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_application_stages_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_application_stages")),
        sa.UniqueConstraint("id", name=op.f("uq_application_stages_id")),
    )
    with op.batch_alter_table("application_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_stages_integration_id_pk"), ["integration_id", "pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_stages_integration_id_remote_id"),
            ["integration_id", "remote_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_application_stages_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_application_stages_job_id"), ["job_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.Column("candidate_id", sa.String(length=24), nullable=True),
        sa.Column("job_id", sa.String(length=24), nullable=True),
        sa.Column("current_stage_id", sa.String(length=24), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_applications_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_applications")),
        sa.UniqueConstraint("id", name=op.f("uq_applications_id")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_applications_integration_id_current_stage_id"),
            ["integration_id", "current_stage_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_applications_integration_id_job_id"), ["integration_id", "job_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_applications_integration_id_remote_id"),
            ["integration_id", "remote_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_applications_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "candidates",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_candidates_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_candidates")),
        sa.UniqueConstraint("id", name=op.f("uq_candidates_id")),
    )
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidates_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_candidates_integration_id_remote_id"),
            ["integration_id", "remote_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_candidates_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "interviews",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.Column("application_id", sa.String(length=24), nullable=True),
        sa.Column("stage_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_interviews_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_interviews")),
        sa.UniqueConstraint("id", name=op.f("uq_interviews_id")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interviews_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_interviews_integration_id_remote_id"),
            ["integration_id", "remote_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_interviews_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "jobs",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_jobs_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_jobs")),
        sa.UniqueConstraint("id", name=op.f("uq_jobs_id")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_jobs_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_jobs_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "offers",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.Column("application_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_offers_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_offers")),
        sa.UniqueConstraint("id", name=op.f("uq_offers_id")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_offers_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_offers_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "rejection_reasons",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_rejection_reasons_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_rejection_reasons")),
        sa.UniqueConstraint("id", name=op.f("uq_rejection_reasons_id")),
    )
    with op.batch_alter_table("rejection_reasons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejection_reasons_integration_id_pk"), ["integration_id", "pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rejection_reasons_integration_id_remote_id"),
            ["integration_id", "remote_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_rejection_reasons_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )

    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("started_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("ended_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("stats", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_sync_runs_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sync_runs_integration_id_created_at"),
            ["integration_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sync_runs_state_created_at"), ["state", "created_at"], unique=False)
        batch_op.create_index(
            "uq_sync_runs_active",
            ["integration_id", "kind"],
            unique=True,
            sqlite_where=sa.text("state IN ('QUEUED', 'RUNNING')"),
            postgresql_where=sa.text("state IN ('QUEUED', 'RUNNING')"),
        )

    op.create_table(
        "tags",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_tags_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_tags")),
        sa.UniqueConstraint("id", name=op.f("uq_tags_id")),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tags_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tags_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tags_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("remote_id", sa.Text(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("remote_data", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("row_hash", sa.String(length=32), nullable=False),
        sa.Column("changed_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", hirebridge.store.types.UtcDateTime(), nullable=False),
        sa.Column("remote_deleted_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("remote_created_at", hirebridge.store.types.UtcDateTime(), nullable=True),
        sa.Column("seen_run_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_users_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_users")),
        sa.UniqueConstraint("id", name=op.f("uq_users_id")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_users_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_users_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_users_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_users_integration_id_pk"))

    op.drop_table("users")
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tags_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tags_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_tags_integration_id_pk"))

    op.drop_table("tags")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sync_runs_active",
            sqlite_where=sa.text("state IN ('QUEUED', 'RUNNING')"),
            postgresql_where=sa.text("state IN ('QUEUED', 'RUNNING')"),
        )
        batch_op.drop_index(batch_op.f("ix_sync_runs_state_created_at"))
        batch_op.drop_index(batch_op.f("ix_sync_runs_integration_id_created_at"))

    op.drop_table("sync_runs")
    with op.batch_alter_table("rejection_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejection_reasons_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_rejection_reasons_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_rejection_reasons_integration_id_pk"))

    op.drop_table("rejection_reasons")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_offers_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_offers_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_offers_application_id"))

    op.drop_table("offers")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_jobs_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_integration_id_pk"))

    op.drop_table("jobs")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviews_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_interviews_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_interviews_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_interviews_application_id"))

    op.drop_table("interviews")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidates_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_candidates_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_candidates_integration_id_pk"))

    op.drop_table("candidates")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_applications_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_applications_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_applications_integration_id_job_id"))
        batch_op.drop_index(batch_op.f("ix_applications_integration_id_current_stage_id"))
        batch_op.drop_index(batch_op.f("ix_applications_candidate_id"))

    op.drop_table("applications")
    with op.batch_alter_table("application_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_stages_job_id"))
        batch_op.drop_index(batch_op.f("ix_application_stages_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_application_stages_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_application_stages_integration_id_pk"))

    op.drop_table("application_stages")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrations_environment_id"))

    op.drop_table("integrations")
    op.drop_table("api_keys")
    op.drop_table("environments")
