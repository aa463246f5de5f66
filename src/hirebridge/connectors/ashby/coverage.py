"""What the Ashby connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Ashby sends; every other field is UNSUPPORTED
(Ashby has no such data), or NOT_IMPLEMENTED where Ashby has it and the connector does not read it.
tests/test_coverage.py holds this to what a sync against the Ashby emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "status", "system_roles"),
    tags=provides("name"),
    rejection_reasons=provides("name"),  # archive reasons
    jobs=provides(
        "name",
        "job_code",  # customRequisitionId
        "confidential",
        "employment_type",
        "status",
        "visibility",  # CONFIDENTIAL only: public/internal is a property of a job's postings
        "remote_work_status",
        "salary_amount_from",  # the first salary component of the compensation tiers
        "salary_amount_to",
        "salary_currency",
        "salary_period",
        "location",
        "custom_fields",
        "opened_at",
        "closed_at",
        "remote_created_at",
        "remote_updated_at",
        "hiring_team",
        # Ashby has these elsewhere: a department id (department.list), a posting's link, a
        # hiring team's recruiter.
        not_implemented=("department", "post_url", "contact_id"),
    ),
    # An interview plan's stages, in order; no stage status.
    application_stages=provides("job_id", "name", "index"),
    job_postings=provides(
        "job_id",
        "title",
        "status",
        "visibility",
        "url",
        not_implemented=("description_html",),  # only jobPosting.info has it, not jobPosting.list
    ),
    candidates=provides(
        "first_name",
        "last_name",
        "company",
        "title",  # position
        "source",
        "email_addresses",
        "phone_numbers",
        "social_media",
        "location",
        "custom_fields",
        "remote_url",  # profileUrl
        "remote_created_at",
        "remote_updated_at",
        "tags",
    ),
    applications=provides(
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "custom_fields",
        "remote_created_at",
        "remote_updated_at",
    ),
    interviews=provides(  # the events of interview schedules
        "application_id",
        "stage_id",
        "title",
        "starting_at",
        "ending_at",
        "canceled",
        "video_conferencing_url",
        "location",
        "remote_created_at",
        "remote_updated_at",
        "users",
    ),
    # An offer's latest version; Ashby gives offers no creation time of their own.
    offers=provides("application_id", "status", "employment_start_date", "custom_fields", "remote_updated_at"),
    # Ashby's notes belong to a candidate, have no title and are never edited.
    notes=provides("candidate_id", "author_id", "content_html", "is_private", "remote_created_at"),
    # File handles on a candidate: a name and whether it is the résumé (the MIME type comes with the bytes).
    attachments=provides("candidate_id", "type", "file_name"),
    # Ashby has them (hiringTeamRole.list, applicationFeedback.list); the connector does not read them.
    roles=CoverageStatus.NOT_IMPLEMENTED,
    scorecards=CoverageStatus.NOT_IMPLEMENTED,
)
