"""What each Workable endpoint's records must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: keys every record of the kind carries in Workable's API
reference and the recorded answers (shared/fixtures/workable), its identity and what its content comes
from; `optional`: every other key the connector or the mapping reads, with the type it must have when
set. Workable's timestamps are ISO 8601 strings, its ids strings (stages: numbers, known by slug).
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import (
    ANY,
    BOOLEAN,
    NUMBER,
    STRING,
    Shape,
    ShapesByPath,
    list_of,
    nullable,
    obj,
)

TEXT = nullable(STRING)
_JOB_REF = obj(Shape(optional={"shortcode": STRING, "title": STRING}))
_MEMBER_REF = obj(Shape(optional={"id": STRING, "name": STRING, "type": STRING}))

MEMBER = Shape(
    required={"id": STRING, "name": TEXT},
    optional={"email": STRING, "role": STRING, "active": BOOLEAN},
)
DISQUALIFICATION_REASON = Shape(required={"id": STRING, "description": TEXT})
JOB = Shape(
    required={"shortcode": STRING, "title": TEXT, "state": TEXT},
    optional={
        "code": STRING,
        "confidential": BOOLEAN,
        "department": STRING,
        "url": STRING,
        "workplace_type": STRING,
        "location": obj(
            Shape(
                optional={
                    "location_str": STRING,
                    "city": STRING,
                    "country": STRING,
                    "region": STRING,
                    "zip_code": STRING,
                }
            )
        ),
        "salary": obj(Shape(optional={"salary_from": NUMBER, "salary_to": NUMBER, "salary_currency": STRING})),
        "created_at": STRING,
        "updated_at": STRING,
    },
)
STAGE = Shape(required={"slug": STRING, "name": TEXT}, optional={"position": NUMBER, "kind": STRING})
CANDIDATE = Shape(
    required={"id": STRING, "name": TEXT, "job": _JOB_REF, "stage": TEXT},
    optional={
        "firstname": STRING,
        "lastname": STRING,
        "headline": STRING,
        "stage_kind": STRING,
        "disqualified": BOOLEAN,
        "disqualification_reason": STRING,
        "hired_at": STRING,
        "moved_to_offer_at": STRING,
        "profile_url": STRING,
        "email": STRING,
        "phone": STRING,
        "address": STRING,
        "domain": STRING,
        "created_at": STRING,
        "updated_at": STRING,
    },
)
# `GET /candidates/:id`: `{"candidate": {...}}`, the row's fields and the detail's own. The keys the
# mapping reads of the latter: tags and social profiles (Workable's reference), custom attributes
# (modelled: the reference does not print them; docs/connectors/workable.md).
CANDIDATE_DETAIL = Shape(
    required={
        "candidate": obj(
            Shape(
                required=CANDIDATE.required,
                optional={
                    **CANDIDATE.optional,
                    "tags": list_of(STRING),
                    "social_profiles": list_of(
                        obj(Shape(optional={"type": STRING, "name": STRING, "username": STRING, "url": STRING}))
                    ),
                    "custom_attributes": list_of(
                        obj(Shape(optional={"key": STRING, "label": STRING, "type": STRING, "value": ANY}))
                    ),
                },
            )
        )
    }
)
ACTIVITY = Shape(
    required={"id": STRING, "action": STRING},
    optional={"body": STRING, "member": _MEMBER_REF, "created_at": STRING, "updated_at": STRING},
)
EVENT = Shape(
    required={"id": STRING, "title": TEXT, "starts_at": TEXT},
    optional={
        "ends_at": STRING,
        "cancelled": BOOLEAN,
        "candidate": obj(Shape(optional={"id": STRING})),
        "members": list_of(_MEMBER_REF),
    },
)
OFFER = Shape(
    required={"candidate": obj(Shape(required={"id": STRING}))},
    optional={
        "state": STRING,
        "created_at": STRING,
        "document_variables": list_of(
            obj(
                Shape(
                    optional={
                        "document_variable": obj(Shape(optional={"name": STRING, "slug": STRING})),
                        "value": obj(Shape(optional={"body": ANY, "data": ANY})),
                    }
                )
            )
        ),
    },
)

# Every listing the connector reads, and the shape of its records.
for_path = ShapesByPath(
    "Workable",
    (
        (r"/members", MEMBER),
        (r"/disqualification_reasons", DISQUALIFICATION_REASON),
        (r"/stages", STAGE),
        (r"/jobs", JOB),
        (r"/jobs/[^/]+/stages", STAGE),
        (r"/candidates", CANDIDATE),
        (r"/candidates/[^/]+", CANDIDATE_DETAIL),
        (r"/candidates/[^/]+/activities", ACTIVITY),
        (r"/candidates/[^/]+/offer", OFFER),
        (r"/events", EVENT),
    ),
    prefix="^.*?/spi/v3",
)
