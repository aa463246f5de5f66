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
    remote_created_after,
    single_value,
)
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id, load_child_embeds, load_embeds
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
    unless integration fields change them; each embedded record is spliced as the view stored with it
    (its `embed` column, model/documents.py EMBEDDED_FIELDS), never parsed; the references come from
    their columns (copies of the fields), not from parsing `data`."""
    candidates = load_embeds(conn, "candidates", (row.candidate_id for row in rows))
    stages = load_embeds(conn, "application_stages", (row.current_stage_id for row in rows))
    jobs = load_embeds(conn, "jobs", (row.job_id for row in rows))
    interviews = load_child_embeds(conn, "interviews", "application_id", (row.id for row in rows))
    offers = load_child_embeds(conn, "offers", "application_id", (row.id for row in rows))

    candidate_json: dict[str, str] = {}
    tag_lists: dict[str, str] = {}  # a candidate's tag ids (its links' JSON) -> its tags, JSON
    tag_ids = {cid: orjson.loads(c.links).get("tag_ids", []) for cid, c in candidates.items()}
    tags = load_by_id(conn, "tags", (t for ts in tag_ids.values() for t in ts))
    for cid, candidate in candidates.items():
        # A candidate's view leaves its tags out (they are records of their own): they close it.
        listed = tag_lists.get(candidate.links)
        if listed is None:
            listed = tag_lists[candidate.links] = orjson.dumps(
                [
                    {"id": tag.id, "remote_id": tag.remote_id, "name": orjson.loads(tag.data)["name"]}
                    for tag in (tags.get(tid) for tid in tag_ids[cid])
                    if tag is not None
                ]
            ).decode()
        candidate_json[cid] = f'{candidate.embed[:-1]},"tags":{listed}}}'
    stage_json = {sid: stage.embed for sid, stage in stages.items()}
    job_json = {jid: job.embed for jid, job in jobs.items()}

    page_fields = integration_fields.for_page(conn, "applications", rows)
    documents = []
    for row in rows:
        # Record ids are base58 and wire times ISO text: neither needs escaping; a remote id might.
        head = f'{{"id":"{row.id}","remote_id":{orjson.dumps(row.remote_id).decode()}'
        if page_fields is None:
            own = row.data[1:-1]
            passed = "[]"
        else:
            item = {**orjson.loads(row.data), "integration_fields": []}
            integration_fields.apply(page_fields, row, item)
            passed = orjson.dumps(item.pop("integration_fields")).decode()
            own = orjson.dumps(item)[1:-1].decode()
        deleted = to_wire(row.remote_deleted_at)
        deleted_json = "null" if deleted is None else f'"{deleted}"'
        documents.append(
            (
                f"{head}{',' if own else ''}{own}"
                f',"changed_at":"{to_wire(row.changed_at)}"'
                f',"remote_deleted_at":{deleted_json}'
                # raw source payloads stay private unless a customer opts in (as in Kombo)
                f',"remote_data":null,"integration_fields":{passed}'
                f',"candidate":{candidate_json.get(row.candidate_id, "null")}'
                f',"current_stage":{stage_json.get(row.current_stage_id, "null")}'
                f',"job":{job_json.get(row.job_id, "null")}'
                f',"interviews":[{",".join(interviews.get(row.id, ()))}]'
                f',"offers":[{",".join(offers.get(row.id, ()))}]}}'
            ).encode()
        )
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
