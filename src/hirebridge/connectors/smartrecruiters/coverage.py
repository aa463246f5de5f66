"""What the SmartRecruiters connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what SmartRecruiters sends; every other field is
UNSUPPORTED (SmartRecruiters has no such data), or NOT_IMPLEMENTED where SmartRecruiters has it and the
connector does not read it -- mostly on per-record endpoints (a candidate's detail, a job's detail, an
application's status history): one more request per record at 10 requests/s
(docs/connectors/smartrecruiters.md). A candidate's properties are read (one request per candidate
listed): its custom fields. tests/test_coverage.py holds this to what a sync against the
SmartRecruiters emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "status", "system_roles"),
    rejection_reasons=provides("name"),  # rejection and withdrawal reasons
    jobs=provides(
        "name",
        "job_code",  # refNumber
        "department",
        "status",
        "visibility",  # postingStatus
        "remote_work_status",  # location.remote
        "location",
        "remote_created_at",
        "remote_updated_at",
        # On the job's detail and its job ad (`/jobs/{id}`, `/jobs/{id}/jobads`): description, type of
        # employment, experience level, function, compensation, job properties, hiring team.
        not_implemented=(
            "description",
            "employment_type",
            "experience_level",
            "category",
            "salary_amount_from",
            "salary_amount_to",
            "salary_currency",
            "custom_fields",
        ),
    ),
    application_stages=provides("job_id", "name", "index"),  # the hiring process's (sub-)statuses
    candidates=provides(
        "first_name",
        "last_name",
        "email_addresses",
        "phone_numbers",
        "location",
        "remote_url",
        "custom_fields",  # the candidate's properties (`/candidates/{id}/properties`), by label
        "remote_created_at",
        "remote_updated_at",
        # On the candidate's detail (`/candidates/{id}`): experience (title, company), web profiles;
        # a second request per candidate. Its source is per application (the application read's
        # `source`). Tags are on the listing but Kombo's tags are records of their own, which the
        # connector does not build.
        not_implemented=("title", "company", "source", "social_media", "tags"),
    ),
    applications=provides(  # /candidates/{id}/jobs/{jobId}
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "remote_url",
        # The application has no timestamps; its status history (`.../status/history`) has them.
        not_implemented=("rejected_at", "remote_created_at", "remote_updated_at", "screening_question_answers"),
    ),
    # SmartRecruiters has them (interviews: Interview API; offers: `/candidates/{id}/jobs/{jobId}/offers`;
    # notes: the Message API; attachments; tags on the candidate); the connector does not read them.
    interviews=CoverageStatus.NOT_IMPLEMENTED,
    offers=CoverageStatus.NOT_IMPLEMENTED,
    notes=CoverageStatus.NOT_IMPLEMENTED,
    attachments=CoverageStatus.NOT_IMPLEMENTED,
    tags=CoverageStatus.NOT_IMPLEMENTED,
    scorecards=CoverageStatus.NOT_IMPLEMENTED,  # reviews
    job_postings=CoverageStatus.NOT_IMPLEMENTED,  # job ads and the Posting API
    screening_questions=CoverageStatus.NOT_IMPLEMENTED,  # the Posting API's application questions
)
