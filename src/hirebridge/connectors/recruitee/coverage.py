"""What the Recruitee connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Recruitee sends; every other field is
UNSUPPORTED (Recruitee has no such data), or NOT_IMPLEMENTED where Recruitee has it and the connector
does not read it. A candidate's detail (`/candidates/:id`, one request per candidate) is read for its
profile fields; the rest of the details (`/offers/:id` beyond its pipeline) are not mapped
(docs/connectors/recruitee.md).
tests/test_coverage.py holds this to what a sync against the Recruitee emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import CoverageStatus, declare, provides

COVERAGE = declare(
    users=provides("first_name", "last_name", "email", "status", "system_roles"),  # memberships + admins
    rejection_reasons=provides("name"),  # disqualify reasons
    tags=provides("name"),
    jobs=provides(  # offers of kind "job"
        "name",
        "department",
        "post_url",
        "status",
        "employment_type",
        "remote_work_status",
        "location",
        "remote_created_at",
        "remote_updated_at",
        # On the offer's detail only (description, requirements, salary); the hiring team via the
        # offer's recruiters and hiring managers.
        not_implemented=("description", "salary_amount_from", "salary_amount_to", "salary_currency", "hiring_team"),
    ),
    application_stages=provides("job_id", "name", "index"),  # an offer's pipeline
    candidates=provides(
        "first_name",
        "last_name",
        "source",  # the first of `sources`
        "email_addresses",
        "phone_numbers",
        "tags",
        "custom_fields",  # the detail's profile fields, by name
        "location",  # the detail's address profile field, as raw text
        "remote_created_at",
        "remote_updated_at",
        # Social links: we found no field list of them (the detail's is unverified), so none is mapped.
        not_implemented=("social_media",),
    ),
    applications=provides(  # placements
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",
        "rejection_reason_name",
        "rejected_at",
        "remote_created_at",
        "remote_updated_at",
        # Screening answers are on the candidate's detail (`open_question_answers`), unverified.
        not_implemented=("screening_question_answers",),
    ),
    notes=provides("candidate_id", "author_id", "content_html", "remote_created_at", "remote_updated_at"),
    # Recruitee has interview events (`/interview/events`, unverified), attachments and evaluations;
    # the connector does not read them. Offers (documents) are no API resource we could find.
    interviews=CoverageStatus.NOT_IMPLEMENTED,
    attachments=CoverageStatus.NOT_IMPLEMENTED,
    scorecards=CoverageStatus.NOT_IMPLEMENTED,
)
