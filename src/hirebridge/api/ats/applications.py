"""GET /v1/ats/applications"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

import orjson
from sqlalchemy import Connection, Row, Table, select
from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.errors import input_invalid
from hirebridge.api.listing import (
    Filter,
    Listing,
    base_fields,
    comma_list,
    datetime_param,
    enum_list,
    id_list,
    list_page,
    load_by_id,
    load_children,
    pick,
)
from hirebridge.store.tables import jobs

OUTCOMES = ("PENDING", "HIRED", "DECLINED")


def _single_outcome(name: str, text: str) -> list[str]:
    """The deprecated `outcome`: exactly one value."""
    if text not in OUTCOMES:
        raise input_invalid(f"The parameter '{name}' must be one of {', '.join(OUTCOMES)}, not '{text}'.")
    return [text]


def _created_on_or_after_day(table: Table, value: datetime) -> Any:
    # Kombo: "created on or after a certain day" -- the time of day is not considered.
    return table.c.remote_created_at >= datetime.combine(value.date(), time.min, value.tzinfo)


def _serialize(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    page = [(row, orjson.loads(row.data)) for row in rows]
    candidates = load_by_id(conn, "candidates", (data["candidate_id"] for _, data in page))
    candidate_data = {cid: orjson.loads(c.data) for cid, c in candidates.items()}
    tag_ids = {cid: orjson.loads(c.links).get("tag_ids", []) for cid, c in candidates.items()}
    tags = load_by_id(conn, "tags", (t for ts in tag_ids.values() for t in ts))
    stages = load_by_id(conn, "application_stages", (data["current_stage_id"] for _, data in page))
    jobs = load_by_id(conn, "jobs", (data["job_id"] for _, data in page))
    interviews = load_children(conn, "interviews", "application_id", (row.id for row, _ in page))
    offers = load_children(conn, "offers", "application_id", (row.id for row, _ in page))

    results = []
    for row, data in page:
        item = base_fields(row)
        item["integration_fields"] = []
        candidate = candidates.get(data["candidate_id"])
        if candidate is None:
            item["candidate"] = None
        else:
            cdata = candidate_data[candidate.id]
            item["candidate"] = {
                "id": candidate.id,
                "remote_id": candidate.remote_id,
                **pick(cdata, "first_name", "last_name", "source", "remote_url"),
                "email_addresses": cdata["email_addresses"],
                "phone_numbers": cdata["phone_numbers"],
                "social_media": cdata["social_media"],
                "tags": [
                    {"id": t.id, "remote_id": t.remote_id, "name": orjson.loads(t.data)["name"]}
                    for tid in tag_ids[candidate.id]
                    if (t := tags.get(tid)) is not None
                ],
            }
        stage = stages.get(data["current_stage_id"])
        item["current_stage"] = (
            None
            if stage is None
            else {
                "id": stage.id,
                "remote_id": stage.remote_id,
                **pick(orjson.loads(stage.data), "name", "index", "status", "custom_fields"),
            }
        )
        job = jobs.get(data["job_id"])
        item["job"] = (
            None
            if job is None
            else {"id": job.id, "remote_id": job.remote_id, "name": orjson.loads(job.data)["name"]}
        )
        item["interviews"] = [
            {
                "id": i.id,
                "remote_id": i.remote_id,
                **pick(orjson.loads(i.data), "title", "starting_at", "ending_at", "location", "canceled"),
            }
            for i in interviews.get(row.id, ())
        ]
        item["offers"] = [
            {"id": o.id, "remote_id": o.remote_id, "status": orjson.loads(o.data)["status"]}
            for o in offers.get(row.id, ())
        ]
        results.append(item)
    return results


LISTING = Listing(
    model="applications",
    serialize=_serialize,
    filters=(
        Filter("outcome", _single_outcome, lambda t, v: t.c.outcome.in_(v), field="outcome"),
        Filter("outcomes", enum_list(OUTCOMES), lambda t, v: t.c.outcome.in_(v), field="outcome"),
        Filter("job_ids", id_list, lambda t, v: t.c.job_id.in_(v), field="job_id"),
        Filter(
            "job_remote_ids",
            comma_list,
            # Jobs' remote ids resolve through the jobs table (the application stores the job's id).
            lambda t, v: t.c.job_id.in_(_job_ids_for_remote(t, v)),
            field="job_id",
        ),
        Filter(
            "current_stage_ids", id_list, lambda t, v: t.c.current_stage_id.in_(v), field="current_stage_id"
        ),
        Filter("remote_created_after", datetime_param, _created_on_or_after_day, field="remote_created_at"),
    ),
)


def _job_ids_for_remote(applications: Table, remote_ids: list[str]) -> Any:
    return select(jobs.c.id).where(
        jobs.c.integration_id == applications.c.integration_id, jobs.c.remote_id.in_(remote_ids)
    )


def get_applications(request: Request) -> Response:
    return list_page(request, LISTING)
