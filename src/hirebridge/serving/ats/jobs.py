"""GET /v1/ats/jobs"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from hirebridge.model.records import EmploymentType, JobStatus, JobVisibility
from hirebridge.serving import integration_fields
from hirebridge.serving.listing import (
    LIST,
    TEXT,
    Filter,
    Listing,
    base_fields,
    column_contains_ci,
    column_in,
    enum_list,
    links,
    pick,
    remote_created_after,
    single_value,
)
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id, load_children

STATUSES = tuple(JobStatus)
EMPLOYMENT_TYPES = tuple(EmploymentType)
VISIBILITIES = tuple(JobVisibility)
QUESTION_FIELDS = (
    "title",
    "description",
    "format",
    "category",
    "index",
    "required",
    "precondition_question_id",
    "precondition_options",
)


def _child(row: Row[Any], *names: str, remote_data: bool = False) -> dict[str, Any]:
    item = {"id": row.id, "remote_id": row.remote_id, **pick(orjson.loads(row.data), *names)}
    if remote_data:
        item["remote_data"] = None
    return item


def _serialize(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    job_ids = [r.id for r in rows]
    stages = load_children(conn, "application_stages", "job_id", job_ids)
    questions = load_children(conn, "screening_questions", "job_id", job_ids)
    postings = load_children(conn, "job_postings", "job_id", job_ids)
    members = {r.id: links(r, "hiring_team") for r in rows}
    users = load_by_id(conn, "users", (m["user_id"] for team in members.values() for m in team))
    results = []
    for row in rows:
        item = base_fields(row)
        item["integration_fields"] = []  # filled below (serving/integration_fields.py)
        item["stages"] = [
            _child(s, "name", "status", "custom_fields", "index", remote_data=True) for s in stages.get(row.id, ())
        ]
        item["screening_questions"] = [_child(q, *QUESTION_FIELDS) for q in questions.get(row.id, ())]
        item["job_postings"] = [
            _child(p, "title", "description_html", "status", "visibility", "url", remote_data=True)
            for p in postings.get(row.id, ())
        ]
        item["hiring_team"] = [
            {
                **_child(user, "first_name", "last_name", "email"),
                "hiring_team_roles": member["hiring_team_roles"],
                "job_roles": member["job_roles"],
            }
            for member in members[row.id]
            if (user := users.get(member["user_id"])) is not None
        ]
        results.append(item)
    integration_fields.fill(conn, "jobs", rows, results)
    return results


LISTING = Listing(
    model="jobs",
    serialize=_serialize,
    filters=(
        column_in("job_codes", LIST, "job_code"),
        Filter("post_url", TEXT, store_listing.column_equals("post_url"), field="post_url"),
        column_in("statuses", enum_list(STATUSES), "status"),
        column_in("status", single_value(STATUSES), "status"),
        column_in("employment_types", enum_list(EMPLOYMENT_TYPES), "employment_type"),
        column_in("visibilities", enum_list(VISIBILITIES), "visibility"),
        remote_created_after(),
        column_contains_ci("name_contains", "name"),
    ),
)
