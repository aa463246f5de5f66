"""What the Personio connector provides, model by model and field by field (see `mapping.py`).

A field is listed when the mapping fills it from what Personio's v2 recruiting API sends; every other
field is UNSUPPORTED (the API has no such data), or NOT_IMPLEMENTED where Personio has it and the
connector does not read it. Personio's recruiting API has no users, notes, interviews, offers,
scorecards, rejection reasons or tags to read, and its v2 candidates and applications carry neither
custom attributes, tags nor documents (its reference says so): those models are UNSUPPORTED.
tests/test_coverage.py holds this to what a sync against the Personio emulator stores.
"""

from __future__ import annotations

from hirebridge.model.coverage import declare, provides

COVERAGE = declare(
    jobs=provides(
        "name",
        "status",
        "employment_type",
        "department",
        "category",  # the recruiting category, whose stages are the job's pipeline
        "location",  # the office
        "remote_created_at",
        "remote_updated_at",
        # In the public XML feed of published jobs (https://{company}.jobs.personio.de/xml), not read.
        not_implemented=("description", "post_url"),
    ),
    application_stages=provides("job_id", "name", "index"),  # the job's category's stages
    candidates=provides(
        "first_name",
        "last_name",
        "email_addresses",
        "phone_numbers",
        "social_media",  # linkedin_profile
        "location",
        "custom_fields",  # system attributes with no unified field: gender, birthday, availability, salary
        "remote_created_at",
        "remote_updated_at",
    ),
    applications=provides(
        "candidate_id",
        "job_id",
        "current_stage_id",
        "outcome",  # from the current stage's type
        "remote_created_at",
        "remote_updated_at",
        # When the application entered its rejected stage: one stage-transitions request per application.
        not_implemented=("rejected_at",),
    ),
)
