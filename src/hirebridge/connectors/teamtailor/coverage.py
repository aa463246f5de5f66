"""What the Teamtailor connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Teamtailor sends; every other field is
UNSUPPORTED (Teamtailor has no such data), or NOT_IMPLEMENTED where Teamtailor has it and the
connector does not read it (docs/connectors/teamtailor.md). tests/test_coverage.py holds this to what
a sync against the Teamtailor emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "system_roles"),
    rejection_reasons=provides("name"),  # reject-reasons
    jobs=provides(
        "name",
        "description",
        "status",
        "remote_work_status",
        "post_url",
        "remote_created_at",
        "remote_updated_at",
        # Teamtailor has them as related resources (departments, locations) and job custom fields.
        not_implemented=("department", "location", "custom_fields", "employment_type"),
    ),
    application_stages=provides("job_id", "name", "index"),
    candidates=provides(
        "first_name",
        "last_name",
        "source",  # referring-site
        "email_addresses",
        "phone_numbers",
        "social_media",  # linkedin-url
        "custom_fields",  # custom-field-values
        "remote_created_at",
        "remote_updated_at",
        # Teamtailor sends tags as names on the candidate; Kombo's tags are records of their own.
        not_implemented=("tags",),
    ),
    applications=provides(  # job-applications
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "remote_created_at",
        "remote_updated_at",
        # Answers to a job's questions (`/answers`) are not read.
        not_implemented=("screening_question_answers",),
    ),
    notes=provides("candidate_id", "author_id", "content_html", "is_private", "remote_created_at", "remote_updated_at"),
    # Teamtailor has them (interviews and job offers in newer API versions, uploads, candidate tags);
    # the connector does not read them.
    interviews=CoverageStatus.NOT_IMPLEMENTED,
    offers=CoverageStatus.NOT_IMPLEMENTED,
    attachments=CoverageStatus.NOT_IMPLEMENTED,
    tags=CoverageStatus.NOT_IMPLEMENTED,
)
