"""The sandbox's coverage: every model, and every field its generator fills (all but a stage's
custom fields)."""

from __future__ import annotations

from hirebridge.model.coverage import ATS_MODELS, EVERY_FIELD, declare, every_field_but

COVERAGE = declare(**{**dict.fromkeys(ATS_MODELS, EVERY_FIELD), "application_stages": every_field_but("custom_fields")})
