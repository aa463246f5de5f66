"""What each Lever endpoint's records must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: keys every record of the kind carries in Lever's documentation
and its examples (shared/fixtures/lever), the record's identity and what its content comes from;
`optional`: every other key the connector or the mapping reads, with the type it must have when set.
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import (
    ANY,
    BOOLEAN,
    EPOCH_MS,
    NUMBER,
    STRING,
    Kind,
    Shape,
    ShapesByPath,
    id_or,
    list_of,
    nullable,
    obj,
)

TEXT = nullable(STRING)
REF = id_or(Shape(optional={"id": STRING}))
STRINGS = list_of(STRING)
LOCATION = Kind("a string or an object", (str, dict), shape=Shape(optional={"name": STRING}))

USER = Shape(
    required={"id": STRING, "name": TEXT, "email": TEXT},
    optional={"accessRole": STRING, "deactivatedAt": EPOCH_MS},
)
TAG = Shape(required={"text": STRING})
ARCHIVE_REASON = Shape(required={"id": STRING, "text": TEXT}, optional={"type": STRING})
STAGE = Shape(required={"id": STRING, "text": TEXT})
POSTING = Shape(
    required={"id": STRING, "text": TEXT, "state": TEXT, "createdAt": EPOCH_MS},
    optional={
        "updatedAt": EPOCH_MS,
        "reqCode": STRING,
        "country": STRING,
        "confidentiality": STRING,
        "workplaceType": STRING,
        "distributionChannels": STRINGS,
        "hiringManager": REF,
        "owner": REF,
        "categories": obj(
            Shape(
                optional={
                    "team": STRING,
                    "department": STRING,
                    "location": STRING,
                    "commitment": STRING,
                    "level": STRING,
                }
            )
        ),
        "content": obj(
            Shape(
                optional={
                    "descriptionHtml": STRING,
                    "closingHtml": STRING,
                    "lists": list_of(obj(Shape(optional={"text": STRING, "content": STRING}))),
                }
            )
        ),
        "salaryRange": obj(Shape(optional={"min": NUMBER, "max": NUMBER, "currency": STRING, "interval": STRING})),
        "urls": obj(Shape(optional={"show": STRING})),
    },
)
_FORM_FIELD = obj(Shape(optional={"id": STRING, "type": STRING, "text": STRING, "value": ANY}))
_APPLICATION = id_or(
    Shape(
        optional={
            "posting": REF,
            "customQuestions": list_of(obj(Shape(optional={"type": STRING, "fields": list_of(_FORM_FIELD)}))),
        }
    )
)
OPPORTUNITY = Shape(
    # Lever's own examples leave out `updatedAt` on some opportunities.
    required={"id": STRING, "contact": TEXT, "createdAt": EPOCH_MS},
    optional={
        "updatedAt": EPOCH_MS,
        "name": STRING,
        "headline": STRING,
        "emails": STRINGS,
        "phones": list_of(obj(Shape(optional={"type": STRING, "value": STRING}))),
        "location": LOCATION,
        "isAnonymized": BOOLEAN,
        "confidentiality": STRING,
        "tags": STRINGS,
        "sources": STRINGS,
        "links": STRINGS,
        "urls": obj(Shape(optional={"show": STRING})),
        "stage": REF,
        "archived": obj(Shape(optional={"archivedAt": EPOCH_MS, "reason": REF})),
        "archivedAt": EPOCH_MS,
        "archiveReason": REF,
        "applications": list_of(_APPLICATION),
        "postings": STRINGS,
    },
)
DELETED_OPPORTUNITY = Shape(required={"id": STRING})
INTERVIEW = Shape(
    required={"id": STRING, "createdAt": EPOCH_MS},
    optional={
        "subject": STRING,
        "date": EPOCH_MS,
        "duration": NUMBER,
        "location": STRING,
        "stage": REF,
        "canceledAt": EPOCH_MS,
        "updatedAt": EPOCH_MS,
        "interviewers": list_of(obj(Shape(optional={"id": STRING}))),
    },
)
OFFER = Shape(
    required={"id": STRING, "createdAt": EPOCH_MS, "status": TEXT},
    optional={"updatedAt": EPOCH_MS, "fields": list_of(obj(Shape(optional={"identifier": STRING, "value": ANY})))},
)
NOTE = Shape(
    required={
        "id": STRING,
        "createdAt": EPOCH_MS,
        "fields": list_of(obj(Shape(optional={"value": ANY, "createdAt": EPOCH_MS}))),
    },
    optional={"text": STRING, "user": REF, "secret": BOOLEAN, "deletedAt": EPOCH_MS},
)
FEEDBACK = Shape(
    required={
        "id": STRING,
        "createdAt": EPOCH_MS,
        "fields": list_of(
            obj(
                Shape(
                    optional={
                        "id": STRING,
                        "type": STRING,
                        "text": STRING,
                        "description": STRING,
                        "required": BOOLEAN,
                        "value": ANY,
                        "options": list_of(obj(Shape(optional={"text": STRING}))),
                    }
                )
            )
        ),
    },
    optional={"interview": REF, "user": REF, "updatedAt": EPOCH_MS, "deletedAt": EPOCH_MS},
)
_FILE = Shape(optional={"name": STRING, "ext": STRING, "uploadedAt": EPOCH_MS, "status": STRING})
FILE = Shape(required={"id": STRING, "name": TEXT}, optional=_FILE.optional)
RESUME = Shape(required={"id": STRING, "file": obj(_FILE)}, optional={"createdAt": EPOCH_MS})

# Every listing the connector reads, and the shape of its records.
for_path = ShapesByPath(
    "Lever",
    (
        (r"/users", USER),
        (r"/tags", TAG),
        (r"/archive_reasons", ARCHIVE_REASON),
        (r"/stages", STAGE),
        (r"/postings", POSTING),
        (r"/opportunities", OPPORTUNITY),
        (r"/opportunities/deleted", DELETED_OPPORTUNITY),
        (r"/opportunities/[^/]+/interviews", INTERVIEW),
        (r"/opportunities/[^/]+/offers", OFFER),
        (r"/opportunities/[^/]+/notes", NOTE),
        (r"/opportunities/[^/]+/feedback", FEEDBACK),
        (r"/opportunities/[^/]+/files", FILE),
        (r"/opportunities/[^/]+/resumes", RESUME),
    ),
)
