"""GET /v1/ats/applications"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, get_args

import orjson
from sqlalchemy import Connection, Row

from hirebridge.model.records import LINKS, Application, Outcome, wire_name
from hirebridge.serving import integration_fields
from hirebridge.serving.listing import (
    IDS,
    LIST,
    Filter,
    Listing,
    column_in,
    enum_list,
    pick,
    remote_created_after,
    single_value,
)
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id, load_children
from hirebridge.timefmt import to_wire

OUTCOMES: tuple[str, ...] = get_args(Outcome)


# The keys of a document around the record's own fields (its `data`), in order.
_HEAD = ("id", "remote_id")
_TAIL = ("changed_at", "remote_deleted_at", "remote_data", "integration_fields")
_EMBEDS = ("candidate", "current_stage", "job", "interviews", "offers")
_OWN = {wire_name(f.name) for f in fields(Application) if LINKS not in f.metadata} - {"remote_id", "remote_data"}
# Own fields are spliced between the head and the tail as stored: a key in both would be written twice
# (a dict, as base_fields builds, keeps one).
assert not _OWN & {*_HEAD, *_TAIL, *_EMBEDS}, "an application field shadows a document key"


def _render(conn: Connection, rows: Sequence[Row[Any]]) -> list[bytes]:
    """The served documents (JSON) of application rows with `render_columns`: what the render pass
    stores and a page of cleared documents serves (serving/documents.py, listing.page_documents).

    Byte for byte `orjson.dumps(item)` of the item `base_fields(row)` plus its embeds would be, built
    for speed (a page of 250 is rendered while a client waits): the record's own fields are spliced
    as stored -- `data` is orjson's sorted-key output, which a parse and re-dump reproduces exactly --
    unless integration fields change them; each embedded record is rendered once a page (a job or a
    stage is embedded by many applications) and spliced as an `orjson.Fragment`; the references
    come from their columns (copies of the fields), not from parsing `data`."""
    candidates = load_by_id(conn, "candidates", (row.candidate_id for row in rows))
    tag_ids = {cid: orjson.loads(c.links).get("tag_ids", []) for cid, c in candidates.items()}
    tags = load_by_id(conn, "tags", (t for ts in tag_ids.values() for t in ts))
    stages = load_by_id(conn, "application_stages", (row.current_stage_id for row in rows))
    jobs = load_by_id(conn, "jobs", (row.job_id for row in rows))
    interviews = load_children(conn, "interviews", "application_id", (row.id for row in rows))
    offers = load_children(conn, "offers", "application_id", (row.id for row in rows))

    tag_items = {
        t.id: {"id": t.id, "remote_id": t.remote_id, "name": orjson.loads(t.data)["name"]} for t in tags.values()
    }
    candidate_json: dict[str, orjson.Fragment] = {}
    for cid, candidate in candidates.items():
        cdata = orjson.loads(candidate.data)
        embedded = {
            "id": candidate.id,
            "remote_id": candidate.remote_id,
            **pick(cdata, "first_name", "last_name", "source", "remote_url"),
            "email_addresses": cdata["email_addresses"],
            "phone_numbers": cdata["phone_numbers"],
            "social_media": cdata["social_media"],
            "tags": [tag_items[tid] for tid in tag_ids[cid] if tid in tag_items],
        }
        candidate_json[cid] = orjson.Fragment(orjson.dumps(embedded))
    stage_json = {
        sid: orjson.Fragment(
            orjson.dumps(
                {
                    "id": stage.id,
                    "remote_id": stage.remote_id,
                    **pick(orjson.loads(stage.data), "name", "index", "status", "custom_fields"),
                }
            )
        )
        for sid, stage in stages.items()
    }
    job_json = {
        jid: orjson.Fragment(
            orjson.dumps({"id": job.id, "remote_id": job.remote_id, "name": orjson.loads(job.data)["name"]})
        )
        for jid, job in jobs.items()
    }

    page_fields = integration_fields.for_page(conn, "applications", rows)
    documents = []
    for row in rows:
        head = orjson.dumps({"id": row.id, "remote_id": row.remote_id})
        if page_fields is None:
            own = row.data[1:-1].encode()
            passed: list[Any] = []
        else:
            item = {**orjson.loads(row.data), "integration_fields": []}
            integration_fields.apply(page_fields, row, item)
            passed = item.pop("integration_fields")
            own = orjson.dumps(item)[1:-1]
        tail = orjson.dumps(
            {
                "changed_at": to_wire(row.changed_at),
                "remote_deleted_at": to_wire(row.remote_deleted_at),
                "remote_data": None,  # raw source payloads stay private unless a customer opts in (as in Kombo)
                "integration_fields": passed,
                "candidate": candidate_json.get(row.candidate_id),
                "current_stage": stage_json.get(row.current_stage_id),
                "job": job_json.get(row.job_id),
                "interviews": [
                    {
                        "id": i.id,
                        "remote_id": i.remote_id,
                        **pick(orjson.loads(i.data), "title", "starting_at", "ending_at", "location", "canceled"),
                    }
                    for i in interviews.get(row.id, ())
                ],
                "offers": [
                    {"id": o.id, "remote_id": o.remote_id, "status": orjson.loads(o.data)["status"]}
                    for o in offers.get(row.id, ())
                ],
            }
        )
        documents.append(b"%b%b,%b" % (head[:-1], b"," + own if own else b"", tail[1:]))
    return documents


def _serialize(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """The documents as dicts (a write action answers with the record it created)."""
    return [orjson.loads(document) for document in _render(conn, rows)]


LISTING = Listing(
    model="applications",
    serialize=_serialize,
    render=_render,
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
