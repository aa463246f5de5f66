"""What the Greenhouse connector provides, model by model and field by field (see `mapping.py` and
docs/connectors/greenhouse.md). tests/test_coverage.py holds this to what a sync against the Harvest v3
emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import EVERY_FIELD, CoverageStatus, declare, every_field_but, provides

COVERAGE = declare(
    users=EVERY_FIELD,
    roles=EVERY_FIELD,  # Site Admin and the hiring-team places: the only roles v3 reports
    tags=EVERY_FIELD,
    rejection_reasons=EVERY_FIELD,
    jobs=provides(
        "name",
        "job_code",  # requisition id
        "description",  # a live job post's content
        "confidential",
        "department",
        "post_url",
        "employment_type",  # the "Employment Type" job custom field
        "status",
        "visibility",
        "location",  # the first office
        "custom_fields",
        "remote_url",
        "opened_at",
        "closed_at",
        "remote_created_at",
        "remote_updated_at",
        "contact_id",  # the first hiring manager
        "hiring_team",
        # Posted pay ranges live in /v3/pay_input_ranges per job post: not read yet. No v3 field for
        # weekly hours, category, experience level or remote work status.
        not_implemented=("salary_amount_from", "salary_amount_to", "salary_currency", "salary_period"),
    ),
    application_stages=provides("job_id", "name", "index", "status"),  # job interview stages
    job_postings=EVERY_FIELD,  # job posts, unpublished and deleted ones included
    candidates=EVERY_FIELD,
    applications=EVERY_FIELD,
    interviews=EVERY_FIELD,
    scorecards=EVERY_FIELD,
    offers=EVERY_FIELD,  # the current version of each application's offer
    # Notes of type NOTE (not logged emails or activity); a subject is an email's, not a note's.
    notes=every_field_but("title"),
    attachments=EVERY_FIELD,
    # Job posts carry their application form, but v3's answers have no question ids to tie them to.
    screening_questions=CoverageStatus.NOT_IMPLEMENTED,
)
