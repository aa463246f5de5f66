"""What each Personio recruiting (v2) endpoint's records must look like before the mapping reads them
(see connectors/framework/payloads.py). `required`: keys every record of the kind carries in
Personio's v2 reference (its identity and what its content comes from); `optional`: every other key
the connector or the mapping reads, with the type it must have when set. Ids are strings; a system
phase has a null id (it is known by its type); timestamps are ISO 8601 strings or Personio's
`{"date-time", "timezone"}` objects.
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import (
    ANY,
    BOOLEAN,
    STRING,
    Shape,
    ShapesByPath,
    list_of,
    nullable,
    obj,
)

TEXT = nullable(STRING)
_REF = obj(Shape(required={"id": ANY}, optional={"name": TEXT}))
STAGE = Shape(required={"id": nullable(ANY), "type": STRING}, optional={"name": TEXT, "kind": STRING})

CATEGORY = Shape(required={"id": ANY, "stages": list_of(obj(STAGE))}, optional={"name": TEXT})
JOB = Shape(
    required={"id": ANY, "name": TEXT},
    optional={
        "status": STRING,
        "employment_type": TEXT,
        "department": nullable(_REF),
        "office": nullable(_REF),
        "category": nullable(_REF),
        "created_at": ANY,
        "updated_at": ANY,
    },
)
CANDIDATE = Shape(
    required={"id": ANY, "first_name": TEXT, "last_name": TEXT, "email": TEXT},
    optional={
        "phone": TEXT,
        "location": TEXT,
        "linkedin_profile": TEXT,
        "gender": TEXT,
        "birthday": TEXT,
        "available_from": TEXT,
        "salary_expectations": TEXT,
        "created_at": ANY,
        "updated_at": ANY,
    },
)
APPLICATION = Shape(
    required={"id": ANY, "candidate": _REF, "job": _REF, "current_stage": obj(STAGE)},
    optional={"is_anonymized": BOOLEAN, "created_at": ANY, "updated_at": ANY},
)

# Every listing the connector reads, and the shape of its records.
for_path = ShapesByPath(
    "Personio",
    (
        (r"/v2/recruiting/categories", CATEGORY),
        (r"/v2/recruiting/jobs", JOB),
        (r"/v2/recruiting/candidates", CANDIDATE),
        (r"/v2/recruiting/applications", APPLICATION),
    ),
    prefix="^.*?(?=/v2/)",
)
