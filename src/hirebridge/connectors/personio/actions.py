"""Personio write actions: Kombo's `ats_create_application` as the v1 recruiting API's one write, and the
records it creates read back from the v2 reads with the mapping the streams use (mapping.py), so a
write-back equals what the next sync stores.

The v1 recruiting API takes its own credential: `Authorization: Bearer <recruiting API token>` and the
`X-Company-ID` header (the integration's `recruiting_token` and `company_id` settings); without them
the action is refused as INTEGRATION.ACTION_NOT_AVAILABLE naming the settings. Files are uploaded
first (`POST /v1/recruiting/applications/documents`, multipart) and referenced by their uuid in
`POST /v1/recruiting/applications`, which answers 201 without a body: the application is then found
in `GET /v2/recruiting/applications?candidate.email=` by its job.

Personio's recruiting API has no endpoint to move, reject or annotate an application, and no
webhooks: no other action is declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult, tool_fields, write
from hirebridge.connectors.framework.auth import StaticAuth
from hirebridge.connectors.framework.errors import OutcomeUnknown
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.paging import NextUrl, Request, pages
from hirebridge.connectors.framework.payloads import check, mapping_errors
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.personio import mapping, shapes
from hirebridge.model import actions as a
from hirebridge.model.records import Record

Json = dict[str, Any]
TOOL = "personio"
MAX_FILE = 20 * 1024 * 1024
CATEGORIES: dict[a.AttachmentType, str] = {"CV": "cv", "COVER_LETTER": "cover-letter", "OTHER": "other"}
GENDERS = {"MALE": "male", "FEMALE": "female", "OTHER": "diverse"}
SYSTEM_PHASES = frozenset({"unassigned", "rejected", "withdrawn", "offer", "accepted"})

SUPPORT: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: a.ActionSupport(
        fields=frozenset(
            {
                "candidate.phone_number",
                "candidate.location",
                "candidate.gender",
                "candidate.availability_date",
                "stage_id",
                "attachments",
            }
        ),
        attachment_types=frozenset(CATEGORIES.keys()),
        max_file_size_bytes=MAX_FILE,
        note="Through Personio's v1 recruiting API (the `recruiting_token` and `company_id` settings): files are "
        "uploaded first (`/v1/recruiting/applications/documents`), then `POST /v1/recruiting/applications` with "
        "the candidate's phone, location, gender and availability as Personio's system attributes, `stage_id` as "
        "its `phase`, and `remote_fields.personio.tags` as its tags. A candidate who applied to the job already is "
        "refused as ATS.APPLICATION_ALREADY_EXISTS, a job that is not published as ATS.JOB_CLOSED. Personio's v2 "
        "reads return no tags, files or custom attributes, so those are written but not served.",
    ),
}


def _message(body: Any) -> str | None:
    """Personio's v1 errors: `{"errors": [{"field", "errors": [{"reason"}]}]}` or `{id, status, title, detail}`."""
    items = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    said: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        reasons = [e.get("reason") for e in item.get("errors") or [] if isinstance(e, dict)]
        if reasons:
            said.append(f"{item.get('field')}: {', '.join(str(r) for r in reasons)}")
        elif item.get("detail") or item.get("title"):
            said.append(str(item.get("detail") or item.get("title")))
    return "; ".join(said) or None


def _reasons(body: Any) -> set[str]:
    items = body.get("errors") if isinstance(body, dict) else None
    return {
        str(e.get("reason"))
        for item in items or []
        if isinstance(item, dict)
        for e in item.get("errors") or []
        if isinstance(e, dict)
    }


class PersonioWriter:
    """Performs Kombo's actions on one integration's Personio account (PersonioConnector.perform)."""

    def __init__(self, runtime: ConnectorRuntime, settings: Mapping[str, Any]) -> None:
        self.runtime = runtime
        self.settings = settings

    def _v1_auth(self) -> StaticAuth:
        token, company = self.settings.get("recruiting_token"), self.settings.get("company_id")
        if not token or not company:
            raise ActionFailed(
                400,
                "INTEGRATION.ACTION_NOT_AVAILABLE",
                "Personio creates applications only through its v1 recruiting API: set the integration's "
                "`recruiting_token` credential and `company_id` setting.",
            )
        headers = {"Authorization": f"Bearer {token}", "X-Company-ID": str(company)}
        for setting, header in (("partner_id", "X-Personio-Partner-ID"), ("app_id", "X-Personio-App-ID")):
            if self.settings.get(setting):
                headers[header] = str(self.settings[setting])
        return StaticAuth(headers)

    async def perform(self, action: a.Action) -> ActionResult:
        if not isinstance(action, a.CreateApplication):
            raise ActionFailed(
                400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"Personio does not support the action {action.action}."
            )
        v1 = self.runtime.client(max_concurrency=1, auth=self._v1_auth())
        v2 = self.runtime.client(max_concurrency=1)
        try:
            return await self._create(v1, v2, action)
        finally:
            await v1.aclose()
            await v2.aclose()

    async def _create(self, v1: SourceClient, v2: SourceClient, action: a.CreateApplication) -> ActionResult:
        job, person = action.job, action.candidate
        status = (job.remote_data or {}).get("status")
        if status is not None and status != "ACTIVE":
            name = (job.remote_data or {}).get("name") or job.remote_id
            raise ActionFailed(400, "ATS.JOB_CLOSED", f"The job '{name}' ({job.remote_id}) is {status} in Personio.")
        body: Json = {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": person.email_address,
            "job_position_id": int(job.remote_id) if job.remote_id.isdigit() else job.remote_id,
        }
        if attributes := _attributes(person):
            body["attributes"] = attributes
        if action.stage is not None:
            body["phase"] = _phase(action.stage.remote_id)
        tags = tool_fields(action.remote_fields, TOOL).get("tags")
        if isinstance(tags, list) and tags:
            body["tags"] = [str(t) for t in tags]
        if action.attachments:
            body["files"] = [await _upload(v1, upload) for upload in action.attachments]
        await _send(v1, "/v1/recruiting/applications", json=body)
        application = await _find(v2, person.email_address, job.remote_id)
        if application is None:
            raise OutcomeUnknown(
                f"personio: the application of {person.email_address} to job {job.remote_id} was accepted but is not "
                "in the v2 applications"
            )
        records = await _read_back(v2, application)
        return ActionResult(records=records, created=("applications", str(application["id"])))


def _attributes(person: a.NewCandidate) -> list[Json]:
    """The candidate's fields as Personio's system attributes."""
    values: dict[str, str | None] = {
        "phone": person.phone_number,
        "location": (person.location.raw or person.location.city) if person.location else None,
        "gender": GENDERS.get(person.gender) if person.gender else None,
        "available_from": person.availability_date.date().isoformat() if person.availability_date else None,
    }
    return [{"id": name, "value": value} for name, value in values.items() if value]


def _phase(stage_remote_id: str) -> Json:
    """A stage (`<job id>:<key>`) as the `phase` Personio creates the application in."""
    key = stage_remote_id.rsplit(":", 1)[-1]
    if key in SYSTEM_PHASES:
        return {"type": "system", "id": key}
    return {"type": "custom", "id": int(key) if key.isdigit() else key}


async def _send(client: SourceClient, path: str, **kwargs: Any) -> Any:
    """One v1 POST; its parsed answer, or ActionFailed in Kombo's terms with Personio's reasons."""
    return await write(client, "POST", path, message_of=_message, refine=_refined, **kwargs)


def _refined(response: httpx.Response, failure: ActionFailed) -> ActionFailed:
    """Personio's reasons that name Kombo's semantic refusals."""
    try:
        reasons = _reasons(response.json())
    except ValueError:
        reasons = set()
    if "errors.applicant-already-exists" in reasons:
        return ActionFailed(409, "ATS.APPLICATION_ALREADY_EXISTS", failure.message)
    if "errors.job-position.not-published" in reasons:
        return ActionFailed(400, "ATS.JOB_CLOSED", failure.message)
    return failure


async def _upload(client: SourceClient, upload: a.FileUpload) -> Json:
    """Upload one file; its reference for the application. Sent as repeatable: a second upload of the
    same file leaves only an unattached document."""
    files = {"file": (upload.name, upload.data, upload.content_type)}
    answer = await _send(client, "/v1/recruiting/applications/documents", files=files, idempotent=True)
    if not isinstance(answer, dict) or not isinstance(answer.get("uuid"), str):
        raise OutcomeUnknown(f"personio: the upload of {upload.name} was answered without its uuid")
    category = CATEGORIES.get(upload.type or "OTHER", "other")
    name = answer.get("original_filename") or upload.name
    return {"uuid": answer["uuid"], "original_filename": name, "category": category}


async def _find(client: SourceClient, email: str, job_id: str) -> Json | None:
    """The candidate's application to the job, as the applications list gives it."""
    path = "/v2/recruiting/applications"
    request = Request("GET", path, {"candidate.email": email, "limit": 200})
    async for page in pages(
        client, request, NextUrl("_meta.links.next.href"), endpoint=path, records="_data", shape=shapes.for_path(path)
    ):
        for raw in page.records:
            if str((raw.get("job") or {}).get("id")) == job_id:
                return raw
    return None


async def _read_back(client: SourceClient, application: Json) -> tuple[Record, ...]:
    """The candidate (`/v2/recruiting/candidates/{id}`) and the application, as the streams map them."""
    candidate_id = str(application["candidate"]["id"])
    path = f"/v2/recruiting/candidates/{candidate_id}"
    answer = await client.json("GET", path)
    found = answer.get("_data") if isinstance(answer, dict) else None
    if not isinstance(found, dict):
        raise OutcomeUnknown(f"personio: candidate {candidate_id} of a new application is not readable")
    candidate = check(TOOL, path, shapes.CANDIDATE, found)
    with mapping_errors(TOOL, "/v2/recruiting/applications", application):
        return mapping.map_candidate(candidate), mapping.map_application(application)
