"""What each Recruitee endpoint's records must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: the record's identity and what its content comes from;
`optional`: every other key the connector or the mapping reads, with its type when set. Recruitee's
ids are integers, its timestamps ISO 8601 strings (docs.recruitee.com and a published `/candidates`
answer; the rest of the field lists are unverified, docs/connectors/recruitee.md).
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import (
    BOOLEAN,
    INTEGER,
    OBJECT,
    STRING,
    Shape,
    ShapesByPath,
    list_of,
    nullable,
    obj,
)

TEXT = nullable(STRING)
WHEN = nullable(STRING)
REF = nullable(INTEGER)

MEMBERSHIP = Shape(required={"id": INTEGER, "admin_id": INTEGER}, optional={"role": STRING, "status": STRING})
DISQUALIFY_REASON = Shape(required={"id": INTEGER, "name": TEXT})
TAG = Shape(required={"id": INTEGER, "name": TEXT})
OFFER = Shape(
    required={"id": INTEGER, "kind": STRING, "title": TEXT},
    optional={
        "status": STRING,
        "department": TEXT,
        "city": TEXT,
        "country_code": TEXT,
        "remote": nullable(BOOLEAN),
        "employment_type_code": TEXT,
        "careers_url": TEXT,
        "created_at": WHEN,
        "updated_at": WHEN,
    },
)
STAGE = Shape(required={"id": INTEGER, "name": TEXT}, optional={"position": nullable(INTEGER), "category": TEXT})
PLACEMENT = Shape(
    required={"id": INTEGER, "offer_id": INTEGER},
    optional={
        "stage_id": REF,
        "created_at": WHEN,
        "updated_at": WHEN,
        "hired_at": WHEN,
        "disqualified_at": WHEN,
        "disqualify_reason": nullable(obj(Shape(optional={"id": INTEGER, "name": TEXT}))),
    },
)
CANDIDATE = Shape(
    required={"id": INTEGER, "name": TEXT},
    optional={
        "emails": list_of(STRING),
        "phones": list_of(STRING),
        "sources": list_of(STRING),
        "tags": list_of(STRING),
        "placements": list_of(obj(PLACEMENT)),
        "created_at": WHEN,
        "updated_at": WHEN,
    },
)
# A profile field (Recruitee's custom fields) on a candidate's detail: its `values` are objects whose
# key depends on the `kind` (`text`, `flag`, `number`, `value`, `country_code`, ...: the docs' payloads
# for adding one; the GET answer's field list is unverified).
PROFILE_FIELD = Shape(
    optional={"id": REF, "name": TEXT, "kind": TEXT, "values": nullable(list_of(OBJECT))},
)
# `GET /candidates/:id`: the body is `{"candidate": {...}, "references": [...]}`, read as one record.
DETAILED = Shape(required={"id": INTEGER}, optional={"fields": nullable(list_of(obj(PROFILE_FIELD)))})
CANDIDATE_DETAIL = Shape(required={"candidate": obj(DETAILED)})
NOTE = Shape(
    required={"id": INTEGER, "body": TEXT},
    optional={"admin_id": REF, "created_at": WHEN, "updated_at": WHEN},
)

# Every listing the connector reads, and the shape of its records.
for_path = ShapesByPath(
    "Recruitee",
    (
        (r"/memberships", MEMBERSHIP),
        (r"/disqualify_reasons", DISQUALIFY_REASON),
        (r"/tags", TAG),
        (r"/offers", OFFER),
        (r"/offers/[^/]+", STAGE),  # an offer's detail, read for its pipeline's stages
        (r"/candidates", CANDIDATE),
        (r"/candidates/[^/]+", CANDIDATE_DETAIL),  # a candidate's detail, read for its profile fields
        (r"/candidates/[^/]+/notes", NOTE),
    ),
    prefix=r"^.*?/c/[^/]+",
)
