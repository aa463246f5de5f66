"""GET /v1/ats/candidates"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from hirebridge.serving import integration_fields
from hirebridge.serving.ats.embeds import job_brief, stage_brief
from hirebridge.serving.listing import (
    IDS,
    TEXT,
    Filter,
    Listing,
    base_fields,
    column_equals_ci,
    links,
    pick,
)
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id, load_children
from hirebridge.timefmt import to_wire

FIELDS = (
    "first_name",
    "last_name",
    "company",
    "title",
    "confidential",
    "source",
    "custom_fields",
    "remote_url",
    "remote_created_at",
    "remote_updated_at",
    "phone_numbers",
    "email_addresses",
    "social_media",
    "location",
)
APPLICATION_FIELDS = (
    "outcome",
    "rejection_reason_name",
    "rejected_at",
    "remote_url",
    "remote_created_at",
    "remote_updated_at",
)


def _serialize(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    apps = load_children(conn, "applications", "candidate_id", (r.id for r in rows))
    app_data = {a.id: orjson.loads(a.data) for children in apps.values() for a in children}
    stages = load_by_id(conn, "application_stages", (d["current_stage_id"] for d in app_data.values()))
    jobs = load_by_id(conn, "jobs", (d["job_id"] for d in app_data.values()))
    tags = load_by_id(conn, "tags", (t for r in rows for t in links(r, "tag_ids")))
    results = []
    for row in rows:
        item = base_fields(row, *FIELDS)
        item["integration_fields"] = []  # filled below (serving/integration_fields.py)
        item["applications"] = [
            {
                "id": a.id,
                "remote_id": a.remote_id,
                **pick(app_data[a.id], *APPLICATION_FIELDS),
                "changed_at": to_wire(a.changed_at),
                "current_stage": stage_brief(stages.get(app_data[a.id]["current_stage_id"])),
                "job": job_brief(jobs.get(app_data[a.id]["job_id"])),
            }
            for a in apps.get(row.id, ())
        ]
        item["tags"] = [
            {"id": t.id, "remote_id": t.remote_id, "name": orjson.loads(t.data)["name"]}
            for tid in links(row, "tag_ids")
            if (t := tags.get(tid)) is not None
        ]
        results.append(item)
    integration_fields.fill(conn, "candidates", rows, results)
    return results


LISTING = Listing(
    model="candidates",
    serialize=_serialize,
    filters=(
        # A single address, case-insensitive, matched against every address of the candidate.
        Filter("email", TEXT, store_listing.folded_word("emails"), field="email_addresses"),
        Filter("job_ids", IDS, store_listing.applied_to_jobs),
        column_equals_ci("first_name", "first_name"),
        column_equals_ci("last_name", "last_name"),
    ),
)
