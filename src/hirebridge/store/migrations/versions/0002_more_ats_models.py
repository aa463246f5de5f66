"""Roles, job postings, screening questions, notes, scorecards, attachments and their files;
filter columns for candidates, jobs and users; integrations' end user

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:33:54.547932
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import hirebridge.store.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_contents",
        sa.Column("attachment_id", sa.String(length=24), nullable=False),
        sa.Column("integration_id", sa.String(length=80), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_attachment_contents_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", name=op.f("pk_attachment_contents")),
    )
    with op.batch_alter_table("attachment_contents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_contents_integration_id"), ["integration_id"], unique=False)

    op.create_table(
        "attachments",
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
        sa.Column("application_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_attachments_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_attachments")),
        sa.UniqueConstraint("id", name=op.f("uq_attachments_id")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attachments_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "job_postings",
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
            name=op.f("fk_job_postings_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_job_postings")),
        sa.UniqueConstraint("id", name=op.f("uq_job_postings_id")),
    )
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_postings_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_job_postings_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_job_postings_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_job_postings_job_id"), ["job_id"], unique=False)

    op.create_table(
        "notes",
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
        sa.Column("application_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_notes_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notes")),
        sa.UniqueConstraint("id", name=op.f("uq_notes_id")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notes_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notes_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notes_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "roles",
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
        sa.Column("scope", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_roles_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_roles")),
        sa.UniqueConstraint("id", name=op.f("uq_roles_id")),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roles_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_roles_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roles_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "scorecards",
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
        sa.Column("application_id", sa.String(length=24), nullable=True),
        sa.Column("interview_id", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_scorecards_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("id", name=op.f("uq_scorecards_id")),
    )
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scorecards_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecards_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scorecards_integration_id_pk"), ["integration_id", "pk"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scorecards_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scorecards_integration_id_updated_at"), ["integration_id", "updated_at"], unique=False
        )

    op.create_table(
        "screening_questions",
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
            name=op.f("fk_screening_questions_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_screening_questions")),
        sa.UniqueConstraint("id", name=op.f("uq_screening_questions_id")),
    )
    with op.batch_alter_table("screening_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_questions_integration_id_pk"), ["integration_id", "pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_questions_integration_id_remote_id"), ["integration_id", "remote_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_questions_integration_id_updated_at"),
            ["integration_id", "updated_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_screening_questions_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("emails", sa.Text(), nullable=True))

    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_user_organization_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("end_user_email", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("end_user_origin_id", sa.Text(), nullable=True))

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("job_code", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("post_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("employment_type", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("visibility", sa.Text(), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.Text(), nullable=True))

    _backfill_filter_columns()


def _backfill_filter_columns() -> None:
    """Fill the new filter columns of rows written before this revision, from their `data`.

    (A frozen copy of the rules in store/records.py: migrations must not change with the code.)
    """
    conn = op.get_bind()
    copies = {
        "users": ("email",),
        "jobs": ("name", "job_code", "post_url", "status", "employment_type", "visibility"),
        "candidates": ("first_name", "last_name"),
    }
    folded = {"users": ("email",), "jobs": ("name",), "candidates": ("first_name", "last_name")}
    for table_name, columns in copies.items():
        derived = ("emails",) if table_name == "candidates" else ()
        table = sa.table(table_name, *(sa.column(c) for c in ("pk", "data", *columns, *derived)))
        for pk, data in conn.execute(sa.select(table.c.pk, table.c.data)).all():
            record = json.loads(data)
            values = {c: record.get(c) for c in columns}
            for c in folded.get(table_name, ()):  # case-insensitive search keys
                values[c] = values[c].casefold() if isinstance(values[c], str) else values[c]
            if derived:
                addresses = [e["email_address"].casefold() for e in record["email_addresses"] if e["email_address"]]
                values["emails"] = " " + " ".join(addresses) + " "
            conn.execute(sa.update(table).where(table.c.pk == pk).values(**values))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("visibility")
        batch_op.drop_column("employment_type")
        batch_op.drop_column("status")
        batch_op.drop_column("post_url")
        batch_op.drop_column("job_code")
        batch_op.drop_column("name")

    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_column("end_user_origin_id")
        batch_op.drop_column("end_user_email")
        batch_op.drop_column("end_user_organization_name")

    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("emails")
        batch_op.drop_column("last_name")
        batch_op.drop_column("first_name")

    with op.batch_alter_table("screening_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_questions_job_id"))
        batch_op.drop_index(batch_op.f("ix_screening_questions_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_screening_questions_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_screening_questions_integration_id_pk"))

    op.drop_table("screening_questions")
    with op.batch_alter_table("scorecards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scorecards_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_scorecards_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_scorecards_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_scorecards_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_scorecards_application_id"))

    op.drop_table("scorecards")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roles_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_roles_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_roles_integration_id_pk"))

    op.drop_table("roles")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_notes_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_notes_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_notes_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_notes_application_id"))

    op.drop_table("notes")
    with op.batch_alter_table("job_postings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_postings_job_id"))
        batch_op.drop_index(batch_op.f("ix_job_postings_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_job_postings_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_job_postings_integration_id_pk"))

    op.drop_table("job_postings")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_integration_id_updated_at"))
        batch_op.drop_index(batch_op.f("ix_attachments_integration_id_remote_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_integration_id_pk"))
        batch_op.drop_index(batch_op.f("ix_attachments_candidate_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_application_id"))

    op.drop_table("attachments")
    with op.batch_alter_table("attachment_contents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_contents_integration_id"))

    op.drop_table("attachment_contents")
