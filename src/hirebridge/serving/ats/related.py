"""Resources that embed the application they belong to: offers and interviews; and the records of
a candidate's file: notes, scorecards, attachments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from hirebridge.serving import integration_fields
from hirebridge.serving.ats.embeds import candidate_brief, job_brief, ref, user_brief
from hirebridge.serving.listing import IDS, Filter, Listing, base_fields, column_in, links
from hirebridge.store import listing as store_listing
from hirebridge.store.listing import load_by_id


def _applications_with_candidate_and_job(
    conn: Connection, application_ids: list[str | None], *names: str
) -> dict[str, dict[str, Any]]:
    """Embedded `application` objects: its slim candidate and job, plus its id, remote id and own
    `names` when given (interviews embed those; offers embed only candidate and job)."""
    apps = load_by_id(conn, "applications", application_ids)
    data = {i: orjson.loads(a.data) for i, a in apps.items()}
    candidates = load_by_id(conn, "candidates", (d["candidate_id"] for d in data.values()))
    jobs = load_by_id(conn, "jobs", (d["job_id"] for d in data.values()))
    embedded: dict[str, dict[str, Any]] = {}
    for i, app in apps.items():
        item: dict[str, Any] = (ref(app, *names) or {}) if names else {}
        item["candidate"] = candidate_brief(candidates.get(data[i]["candidate_id"]))
        item["job"] = job_brief(jobs.get(data[i]["job_id"]))
        embedded[i] = item
    return embedded


def _serialize_offers(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    items = [base_fields(r) for r in rows]
    apps = _applications_with_candidate_and_job(conn, [i["application_id"] for i in items])
    for item in items:
        item["integration_fields"] = []  # filled below (serving/integration_fields.py)
        item["application"] = apps.get(item["application_id"])
    integration_fields.fill(conn, "offers", rows, items)
    return items


def _serialize_interviews(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    items = [base_fields(r) for r in rows]
    apps = _applications_with_candidate_and_job(
        conn, [i["application_id"] for i in items], "outcome", "rejection_reason_name"
    )
    users = load_by_id(conn, "users", (u for r in rows for u in links(r, "user_ids")))
    for row, item in zip(rows, items, strict=True):
        item["application"] = apps.get(item["application_id"])
        item["users"] = [user_brief(users[u]) for u in links(row, "user_ids") if u in users]
    return items


def _with_author(conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    items = [base_fields(r) for r in rows]
    authors = load_by_id(conn, "users", (i["author_id"] for i in items))
    for item in items:
        item["author"] = user_brief(authors.get(item["author_id"]))
    return items


def _serialize_attachments(_conn: Connection, rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    items = [
        base_fields(r, "candidate_id", "application_id", "type", "file_name", "remote_created_at", "remote_updated_at")
        for r in rows
    ]
    for item in items:
        # Kombo copies files into the customer's S3 bucket; HireBridge serves them on demand instead
        # (GET /ats/candidates/{id}/attachments), so there is no bucket reference.
        item["content_ref"] = None
    return items


FILE_FILTERS = (
    column_in("candidate_ids", IDS, "candidate_id"),
    column_in("application_ids", IDS, "application_id"),
)
OFFERS = Listing("offers", _serialize_offers)
INTERVIEWS = Listing(
    "interviews", _serialize_interviews, filters=(Filter("job_ids", IDS, store_listing.application_for_jobs),)
)
NOTES = Listing("notes", _with_author, filters=FILE_FILTERS)
SCORECARDS = Listing("scorecards", _with_author, filters=FILE_FILTERS)
ATTACHMENTS = Listing("attachments", _serialize_attachments, filters=FILE_FILTERS)
