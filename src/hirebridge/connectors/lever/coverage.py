"""What the Lever connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Lever sends; every other field is UNSUPPORTED
(Lever has no such data), or NOT_IMPLEMENTED where Lever has it and the connector does not read it.
tests/test_coverage.py holds this to what a sync against the Lever emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import EVERY_FIELD, CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "status", "system_roles"),
    tags=provides("name"),
    rejection_reasons=provides("name"),  # archive reasons
    jobs=provides(  # postings
        "name",
        "job_code",
        "description",
        "confidential",
        "category",
        "department",
        "post_url",
        "experience_level",
        "employment_type",
        "status",
        "visibility",
        "remote_work_status",
        "salary_amount_from",  # Lever has a salary range, never a single amount
        "salary_amount_to",
        "salary_currency",
        "salary_period",
        "location",
        "remote_created_at",
        "remote_updated_at",
        "contact_id",  # the hiring manager
        "hiring_team",
        # No weekly hours, custom fields, opened/closed times or link into Lever's app on a posting.
    ),
    # Lever's stages are global: each posting gets the whole list, in order; no stage status.
    application_stages=provides("job_id", "name", "index"),
    candidates=provides(  # contacts, with what their opportunities know
        "first_name",
        "last_name",
        "company",  # Lever's headline
        "confidential",
        "source",
        "email_addresses",
        "phone_numbers",
        "social_media",
        "location",
        "remote_url",
        "remote_created_at",
        # No remote_updated_at: a contact has no update time, and the newest of its opportunities'
        # would make the candidate change with each of them (docs/connectors/lever.md).
        "tags",
    ),
    applications=provides(  # opportunities
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "remote_url",
        "screening_question_answers",
        "remote_created_at",
        "remote_updated_at",
    ),
    interviews=provides(
        "application_id",
        "stage_id",
        "title",
        "starting_at",
        "ending_at",
        "canceled",
        "video_conferencing_url",
        "location",
        "remote_created_at",  # Lever's interviews and offers have no update time
        "users",
    ),
    offers=provides("application_id", "status", "employment_start_date", "custom_fields", "remote_created_at"),
    notes=provides(
        "candidate_id",
        "application_id",
        "author_id",
        "title",
        "content_html",
        "is_private",
        "remote_created_at",
        "remote_updated_at",
    ),
    scorecards=EVERY_FIELD,  # feedback forms
    attachments=EVERY_FIELD,  # files and resumes
    # Lever has them (postings' public pages, `GET /postings/:id/apply`); the connector does not read them.
    job_postings=CoverageStatus.NOT_IMPLEMENTED,
    screening_questions=CoverageStatus.NOT_IMPLEMENTED,
)
