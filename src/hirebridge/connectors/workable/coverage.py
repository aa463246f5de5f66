"""What the Workable connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Workable sends; every other field is
UNSUPPORTED (Workable has no such data), or NOT_IMPLEMENTED where Workable has it and the connector
does not read it. Most of the latter are on the detail endpoints (`/candidates/:id`, `/jobs/:shortcode`):
one request per record at Workable's 10 requests / 10 s. The candidates stream reads each candidate's
detail (its social profiles and custom attributes); the other streams read the lists only
(docs/connectors/workable.md). tests/test_coverage.py holds this to what a sync against the Workable
emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "status", "system_roles"),  # members
    rejection_reasons=provides("name"),  # disqualification reasons
    jobs=provides(
        "name",
        "job_code",
        "confidential",
        "department",
        "post_url",
        "status",
        "remote_work_status",
        "salary_amount_from",
        "salary_amount_to",
        "salary_currency",
        "location",
        "remote_created_at",
        "remote_updated_at",
        # On the job's detail (`/jobs/:shortcode`) only.
        not_implemented=("description", "employment_type", "experience_level", "category"),
    ),
    application_stages=provides("job_id", "name", "index"),  # a job's pipeline
    candidates=provides(
        "first_name",
        "last_name",
        "title",  # headline
        "source",  # domain
        "email_addresses",
        "phone_numbers",
        "location",  # address
        "social_media",  # the detail's social profiles
        "custom_fields",  # the detail's custom attributes, by label
        "remote_url",
        "remote_created_at",
        "remote_updated_at",
        # The detail names a candidate's tags; Kombo's tags are records of their own (a tags stream).
        not_implemented=("tags",),
    ),
    applications=provides(  # the same Workable candidate, as its candidacy for one job
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "remote_url",
        "remote_created_at",
        "remote_updated_at",
        # On the candidate's detail only: disqualified_at, answers.
        not_implemented=("rejected_at", "screening_question_answers"),
    ),
    interviews=provides("application_id", "title", "starting_at", "ending_at", "canceled", "users"),  # events
    # A candidate's latest offer; its document variables are its custom fields.
    offers=provides("application_id", "status", "employment_start_date", "custom_fields", "remote_created_at"),
    notes=provides(  # comment activities
        "candidate_id", "application_id", "author_id", "content_html", "remote_created_at", "remote_updated_at"
    ),
    # Workable has them (candidate tags and files on the detail, ratings in the activities); the
    # connector does not read them.
    tags=CoverageStatus.NOT_IMPLEMENTED,
    attachments=CoverageStatus.NOT_IMPLEMENTED,
    scorecards=CoverageStatus.NOT_IMPLEMENTED,
)
