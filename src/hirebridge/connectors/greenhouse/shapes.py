"""What each Harvest v3 listing's rows must look like before the mapping reads them (see
connectors/framework/payloads.py). `required`: the row's identity and the references that decide which
record a row belongs to (a row without them would be joined to nothing, silently); `optional`: what
the mapping reads, with the type it must have when set. Ids are integers in v3.
"""

from __future__ import annotations

from hirebridge.connectors.framework.payloads import BOOLEAN, INTEGER, LIST, OBJECT, STRING, Kind, Shape, nullable

ID = INTEGER
REF = nullable(INTEGER)
TEXT = nullable(STRING)
STAMPS = {"created_at": TEXT, "updated_at": TEXT}


def _row(required: dict[str, Kind] | None = None, **optional: Kind) -> Shape:
    return Shape(required={"id": ID, **(required or {})}, optional={**STAMPS, **optional})


_BY_PATH: dict[str, Shape] = {
    "/users": _row(first_name=TEXT, last_name=TEXT, name=TEXT, primary_email=TEXT, emails=LIST, deactivated=BOOLEAN,
                   site_admin=BOOLEAN),
    "/candidate_tags": _row(name=TEXT),
    "/rejection_reasons": _row(name=TEXT, type=OBJECT),
    "/departments": _row(name=TEXT),
    "/offices": _row(name=TEXT, location=TEXT),
    "/sources": _row(name=TEXT),
    "/jobs": _row(name=TEXT, status=TEXT, confidential=BOOLEAN, department_id=REF, office_ids=LIST,
                  custom_fields=OBJECT),
    "/job_posts": _row({"job_id": ID}, title=TEXT, content=TEXT, live=BOOLEAN, active=BOOLEAN, internal=BOOLEAN),
    "/openings": _row({"job_id": ID}),
    "/job_hiring_managers": _row({"job_id": ID, "user_id": ID}),
    "/job_owners": _row({"job_id": ID, "user_id": ID}, type=TEXT),
    "/job_interview_stages": _row({"job_id": ID}, name=TEXT, active=BOOLEAN),
    "/job_interviews": _row(name=TEXT, job_interview_stage_id=REF),
    "/candidates": _row(first_name=TEXT, last_name=TEXT, email_addresses=LIST, phone_numbers=LIST, tags=LIST,
                        custom_fields=OBJECT),
    "/applied_candidate_tags": _row({"candidate_id": ID, "candidate_tag_id": ID}),
    "/applications": _row({"candidate_id": ID}, job_id=REF, status=TEXT, source_id=REF, rejection_reason_id=REF,
                          job_interview_stage_id=REF, answers=LIST, custom_fields=OBJECT),
    "/application_stages": _row({"application_id": ID}, job_interview_stage_id=REF, current=BOOLEAN),
    "/interviews": _row({"application_id": ID}, job_interview_id=REF, status=TEXT),
    "/interviewers": _row({"interview_id": ID}, user_id=REF, scorecard_id=REF),
    "/scorecards": _row({"application_id": ID}, status=TEXT, interview_kit_id=REF, interviewer_id=REF),
    "/scorecard_questions": _row(interview_kit_id=REF, question=TEXT, answer_type=TEXT),
    "/scorecard_question_options": _row({"scorecard_question_id": ID}, name=TEXT),
    "/scorecard_question_answers": _row({"scorecard_id": ID}, scorecard_question_id=REF),
    "/scorecard_question_answer_options": _row({"scorecard_question_answer_id": ID}, scorecard_question_option_id=REF),
    "/offers": _row({"application_id": ID}, status=TEXT, version=INTEGER, custom_fields=OBJECT),
    "/notes": _row({"candidate_id": ID}, type=TEXT, body=TEXT, application_id=REF, user_id=REF),
    "/attachments": _row(candidate_id=REF, application_id=REF, filename=TEXT, type=TEXT, url=TEXT),
}  # fmt: skip


def for_path(path: str) -> Shape:
    """The shape of the rows a listing path returns (KeyError for a path no shape is declared for:
    every listing the connector reads must have one)."""
    try:
        return _BY_PATH[path]
    except KeyError:
        raise KeyError(f"no record shape declared for Greenhouse's {path}") from None
