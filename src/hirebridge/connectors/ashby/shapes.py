"""What each Ashby endpoint's records must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: keys every record of the kind carries in Ashby's API reference
and its examples (shared/fixtures/ashby), the record's identity and what its content comes from;
`optional`: every other key the connector or the mapping reads, with the type it must have when set.
Ashby's timestamps are ISO 8601 strings.
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import ANY, BOOLEAN, NUMBER, STRING, Shape, list_of, nullable, obj

TEXT = nullable(STRING)
TIME = STRING
REF = obj(Shape(optional={"id": STRING}))
CUSTOM_FIELDS = list_of(obj(Shape(optional={"title": STRING, "value": ANY})))
_CONTACT = obj(Shape(optional={"value": STRING, "type": STRING}))
_FILE_HANDLE = obj(Shape(optional={"handle": STRING, "name": STRING}))
_POSTAL = Shape(
    optional={
        "addressLocality": STRING,
        "addressCountry": STRING,
        "addressRegion": STRING,
        "streetAddress": STRING,
        "postalCode": STRING,
    }
)

USER = Shape(
    required={"id": STRING, "firstName": TEXT, "lastName": TEXT},
    optional={"email": STRING, "globalRole": STRING, "isEnabled": BOOLEAN},
)
TAG = Shape(required={"id": STRING, "title": TEXT})
ARCHIVE_REASON = Shape(required={"id": STRING, "text": TEXT})
JOB = Shape(
    required={"id": STRING, "title": TEXT, "status": TEXT},
    optional={
        "customRequisitionId": STRING,
        "confidential": BOOLEAN,
        "employmentType": STRING,
        "location": obj(
            Shape(
                optional={
                    "workplaceType": STRING,
                    "externalName": STRING,
                    "name": STRING,
                    "address": obj(Shape(optional={"postalAddress": obj(_POSTAL)})),
                }
            )
        ),
        "compensation": obj(
            Shape(
                optional={
                    "compensationTiers": list_of(
                        obj(
                            Shape(
                                optional={
                                    "components": list_of(
                                        obj(
                                            Shape(
                                                optional={
                                                    "compensationType": STRING,
                                                    "minValue": NUMBER,
                                                    "maxValue": NUMBER,
                                                    "currencyCode": STRING,
                                                    "interval": STRING,
                                                }
                                            )
                                        )
                                    )
                                }
                            )
                        )
                    )
                }
            )
        ),
        "customFields": CUSTOM_FIELDS,
        "openedAt": TIME,
        "closedAt": TIME,
        "createdAt": TIME,
        "updatedAt": TIME,
        "hiringTeam": list_of(obj(Shape(optional={"userId": STRING, "role": STRING}))),
        "defaultInterviewPlanId": STRING,
        "interviewPlanIds": list_of(STRING),
    },
)
INTERVIEW_PLAN = Shape(required={"id": STRING})
INTERVIEW_STAGE = Shape(required={"id": STRING, "title": TEXT}, optional={"orderInInterviewPlan": NUMBER})
JOB_POSTING = Shape(
    required={"id": STRING, "title": TEXT, "jobId": TEXT},
    optional={"descriptionHtml": STRING, "isListed": BOOLEAN, "externalLink": STRING, "applyLink": STRING},
)
CANDIDATE = Shape(
    required={"id": STRING, "name": TEXT},
    optional={
        "company": STRING,
        "position": STRING,
        "source": obj(Shape(optional={"title": STRING})),
        "primaryEmailAddress": _CONTACT,
        "emailAddresses": list_of(_CONTACT),
        "primaryPhoneNumber": _CONTACT,
        "phoneNumbers": list_of(_CONTACT),
        "socialLinks": list_of(obj(Shape(optional={"url": STRING, "type": STRING}))),
        "location": obj(
            Shape(
                optional={
                    "locationSummary": STRING,
                    "locationComponents": list_of(obj(Shape(optional={"type": STRING, "name": STRING}))),
                }
            )
        ),
        "customFields": CUSTOM_FIELDS,
        "profileUrl": STRING,
        "createdAt": TIME,
        "updatedAt": TIME,
        "tags": list_of(REF),
        "resumeFileHandle": _FILE_HANDLE,
        "fileHandles": list_of(_FILE_HANDLE),
    },
)
APPLICATION = Shape(
    required={"id": STRING, "status": TEXT, "candidate": REF},
    optional={
        "job": REF,
        "currentInterviewStage": REF,
        "archiveReason": obj(Shape(optional={"text": STRING})),
        "archivedAt": TIME,
        "customFields": CUSTOM_FIELDS,
        "createdAt": TIME,
        "updatedAt": TIME,
    },
)
INTERVIEW_SCHEDULE = Shape(
    required={
        "id": STRING,
        "interviewEvents": list_of(
            obj(
                Shape(
                    required={"id": STRING},
                    optional={
                        "interview": obj(Shape(optional={"title": STRING})),
                        "startTime": TIME,
                        "endTime": TIME,
                        "meetingLink": STRING,
                        "location": STRING,
                        "createdAt": TIME,
                        "updatedAt": TIME,
                        "interviewerUserIds": list_of(STRING),
                    },
                )
            )
        ),
    },
    optional={"status": STRING, "applicationId": STRING, "interviewStageId": STRING},
)
OFFER = Shape(
    required={"id": STRING, "applicationId": TEXT},
    optional={
        "acceptanceStatus": STRING,
        "offerStatus": STRING,
        "latestVersion": obj(
            Shape(
                optional={
                    "startDate": TIME,
                    "createdAt": TIME,
                    "approvalStatus": STRING,
                    "customFields": CUSTOM_FIELDS,
                }
            )
        ),
    },
)
NOTE = Shape(
    required={"id": STRING, "content": TEXT},
    optional={"author": REF, "isPrivate": BOOLEAN, "createdAt": TIME},
)

BY_ENDPOINT: dict[str, Shape] = {
    "user.list": USER,
    "candidateTag.list": TAG,
    "archiveReason.list": ARCHIVE_REASON,
    "job.list": JOB,
    "interviewPlan.list": INTERVIEW_PLAN,
    "interviewStage.list": INTERVIEW_STAGE,
    "jobPosting.list": JOB_POSTING,
    "candidate.list": CANDIDATE,
    "application.list": APPLICATION,
    "interviewSchedule.list": INTERVIEW_SCHEDULE,
    "offer.list": OFFER,
    "candidate.listNotes": NOTE,
}


def for_endpoint(endpoint: str) -> Shape:
    """The shape of the records an RPC listing returns (`/candidate.list` or `candidate.list`);
    KeyError for one no shape is declared for: every listing the connector reads must have one."""
    name = endpoint.lstrip("/")
    if name not in BY_ENDPOINT:
        raise KeyError(f"no record shape declared for Ashby's {name}")
    return BY_ENDPOINT[name]
