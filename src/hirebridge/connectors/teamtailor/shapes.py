"""What each Teamtailor listing's resources must look like before the mapping reads them (see
connectors/framework/payloads.py). Every JSON:API resource has an `id`, a `type` and `attributes`;
`optional` names the attributes the mapping reads, with the type they must have when set, and
`relationships` is an object of `{links, data}` entries (docs.teamtailor.com, shared/fixtures/teamtailor).
Timestamps are ISO 8601 strings with an offset; ids are strings.
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import (
    ANY,
    BOOLEAN,
    OBJECT,
    STRING,
    Kind,
    Shape,
    ShapesByPath,
    list_of,
    obj,
)

_RELATIONSHIPS = obj(Shape())


def resource(**attributes: Kind) -> Shape:
    """A JSON:API resource whose attributes (all optional) are of these kinds."""
    return Shape(
        required={"id": STRING, "type": STRING, "attributes": obj(Shape(optional=attributes))},
        optional={"relationships": _RELATIONSHIPS, "links": OBJECT},
    )


_TIMES = {"created-at": STRING, "updated-at": STRING}
USER = resource(name=STRING, email=STRING, **{"login-email": STRING, "role": STRING})
REJECT_REASON = resource(reason=STRING)
JOB = resource(title=STRING, body=STRING, **{"human-status": STRING, "remote-status": STRING}, **_TIMES)
STAGE = resource(name=STRING, **{"stage-type": STRING, "row-order": ANY}, **_TIMES)
CANDIDATE = resource(
    email=STRING,
    phone=STRING,
    tags=list_of(STRING),
    **{"first-name": STRING, "last-name": STRING, "referring-site": STRING, "linkedin-url": STRING},
    **_TIMES,
)
JOB_APPLICATION = resource(**{"rejected-at": STRING, "changed-stage-at": STRING}, **_TIMES)
NOTE = resource(note=STRING, **{"private-note": BOOLEAN}, **_TIMES)

# Every listing the connector reads, and the shape of its records.
for_path = ShapesByPath(
    "Teamtailor",
    (
        (r"/users", USER),
        (r"/reject-reasons", REJECT_REASON),
        (r"/jobs", JOB),
        (r"/stages", STAGE),
        (r"/candidates", CANDIDATE),
        (r"/job-applications", JOB_APPLICATION),
        (r"/notes", NOTE),
    ),
    prefix="^.*?/v1(?=/)",
)
