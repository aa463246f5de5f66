"""GET /v1/ats/applications"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

import orjson
from sqlalchemy import Connection, Row

from hirebridge.model.records import Outcome
from hirebridge.serving import integration_fields
from hirebridge.serving.listing import (
    IDS,
    LIST,
    Filter,
    Listing,
    base_fields,
    column_in,
    enum_list,
    pick,
    remote_created_after,
    single_value,
)
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id, load_children

OUTCOMES: tuple[str, ...] = get_args(Outcome)


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
        item["integration_fields"] = []  # filled below (serving/integration_fields.py)
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
            None if job is None else {"id": job.id, "remote_id": job.remote_id, "name": orjson.loads(job.data)["name"]}
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
    integration_fields.fill(conn, "applications", rows, results)
    return results


LISTING = Listing(
    model="applications",
    serialize=_serialize,
    filters=(
        column_in("outcome", single_value(OUTCOMES), "outcome"),
        column_in("outcomes", enum_list(OUTCOMES), "outcome"),
        column_in("job_ids", IDS, "job_id"),
        # Jobs' remote ids resolve through the jobs table (the application stores the job's id).
        Filter("job_remote_ids", LIST, store_listing.job_remote_id_in, field="job_id"),
        column_in("current_stage_ids", IDS, "current_stage_id"),
        remote_created_after(),
    ),
)
