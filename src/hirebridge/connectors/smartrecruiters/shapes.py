"""What each SmartRecruiters endpoint's records must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: the keys every record of the kind carries in
SmartRecruiters' API reference (its identity and what its content comes from); `optional`: every other
key the connector or the mapping reads, with the type it must have when set. Timestamps are ISO 8601
strings, ids strings.
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
_LOCATION = obj(
    Shape(
        optional={
            "city": STRING,
            "region": STRING,
            "country": STRING,
            "countryCode": STRING,
            "postalCode": STRING,
            "remote": BOOLEAN,
        }
    )
)
_ASSIGNMENT = obj(
    Shape(
        required={"job": obj(Shape(required={"id": STRING}, optional={"title": STRING}))},
        optional={"status": STRING, "subStatus": STRING},
    )
)
_REASON_REF = obj(Shape(optional={"id": STRING, "label": STRING}))

USER = Shape(
    required={"id": STRING},
    optional={
        "firstName": STRING,
        "lastName": STRING,
        "email": STRING,
        "active": BOOLEAN,
        "systemRole": obj(Shape(optional={"id": STRING})),
    },
)
REASON = Shape(required={"id": STRING, "label": TEXT})
HIRING_PROCESS = Shape(
    required={"id": STRING},
    optional={"name": STRING, "active": BOOLEAN, "subStatuses": obj(Shape(optional={}))},
)
JOB = Shape(
    required={"id": STRING, "title": TEXT},
    optional={
        "refNumber": STRING,
        "status": STRING,
        "postingStatus": STRING,
        "department": obj(Shape(optional={"id": STRING, "label": STRING})),
        "location": _LOCATION,
        "createdOn": STRING,
        "updatedOn": STRING,
    },
)
CANDIDATE = Shape(
    required={"id": STRING},
    optional={
        "firstName": STRING,
        "lastName": STRING,
        "email": STRING,
        "phoneNumber": STRING,
        "location": _LOCATION,
        "createdOn": STRING,
        "updatedOn": STRING,
        "tags": list_of(STRING),
        "primaryAssignment": _ASSIGNMENT,
        "secondaryAssignments": list_of(_ASSIGNMENT),
    },
)
# `/candidates/{id}/properties`: every candidate property of the company, `value` set when the
# candidate has one (its type depends on the property's `type`).
CANDIDATE_PROPERTIES = Shape(
    required={
        "content": list_of(obj(Shape(required={"id": STRING}, optional={"label": TEXT, "type": STRING, "value": ANY})))
    }
)
APPLICATION = Shape(
    required={"status": STRING},
    optional={
        "subStatus": STRING,
        "url": STRING,
        "source": ANY,
        "reasonOfRejection": _REASON_REF,
        "reasonOfWithdrawal": _REASON_REF,
    },
)

# Every listing the connector reads, and the shape of its records. The prefix cuts an absolute URL's
# origin (the API lives at the root of https://api.smartrecruiters.com).
for_path = ShapesByPath(
    "SmartRecruiters",
    (
        (r"/user-api/v201804/users", USER),
        (r"/configuration/(rejection|withdrawal)-reasons", REASON),
        (r"/configuration/hiring-processes", HIRING_PROCESS),
        (r"/jobs", JOB),
        (r"/candidates", CANDIDATE),
        (r"/candidates/[^/]+/properties", CANDIDATE_PROPERTIES),
        (r"/candidates/[^/]+/jobs/[^/]+", APPLICATION),
    ),
    prefix="^",
)
