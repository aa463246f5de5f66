"""Kombo's integration fields, as data: the fields found in a model's raw source payloads, which a
customer may pass through into that model's records (`integration_fields[]`).

A field is DEFAULT when it is a top-level key of the vendor's record (`remote_data`), CUSTOM when it
is one of the vendor's custom fields (a key of the record's `custom_fields`); the type keeps a
custom field apart from a standard field of the same key, as in Kombo.
"""

from __future__ import annotations

from typing import Final, Literal

FieldType = Literal["DEFAULT", "CUSTOM"]
DEFAULT: Final = "DEFAULT"
CUSTOM: Final = "CUSTOM"

# The models whose served records carry `integration_fields` (Kombo's OpenAPI: applications,
# candidates, jobs, offers); only their keys are discovered.
INTEGRATION_FIELD_MODELS: Final[tuple[str, ...]] = ("applications", "candidates", "jobs", "offers")
