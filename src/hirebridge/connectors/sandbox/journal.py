"""The sandbox's write actions, kept as a journal and replayed over its generated data.

The sandbox generates its ATS from (seed, size, step); what write actions do to it cannot be
generated, so each action is an entry of a journal the integration's configuration keeps
(`journal`, appended by the action service in the write-back's transaction). `Journal` turns the
entries into what they created (records by model) and what they changed (patches by record), and
`SandboxSource` applies it to every record it yields: a sync reads the written state, `sandbox
advance` keeps it (a written field stays as written over later generated changes of that field),
and the connector builds an action's records from the same replay -- so the records written back
are the ones the next sync reads.

Entries are plain JSON: `op`, `at` (when it was written, ISO-8601), and the op's fields (see
`actions.py`, which writes them). A file's bytes are kept in its entry (base64), which is why the
sandbox takes small files only (`MAX_FILE_BYTES`).
"""

from __future__ import annotations

import base64
import dataclasses
import html
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from hirebridge.model.records import (
    Application,
    Attachment,
    Candidate,
    EmailAddress,
    Interview,
    Location,
    Note,
    PhoneNumber,
    Record,
    ScreeningAnswer,
    SocialMedia,
    Tag,
)

MAX_FILE_BYTES = 256 * 1024
APP_URL = "https://ats.sandbox.example"

Patch = Callable[[Record], Record]


def raw(kind: str, remote_id: str, **fields: Any) -> dict[str, Any]:
    """What the sandbox's own API returns for a record (as source.py's `_raw`)."""
    return {"id": remote_id, "object": kind, "source": "sandbox", **fields}


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _at(entry: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["at"])


def _location(data: Mapping[str, Any] | None) -> Location | None:
    if not data:
        return None
    return Location(
        city=data.get("city"),
        country=data.get("country"),
        state=data.get("state"),
        street_1=data.get("street_1"),
        zip_code=data.get("zip_code"),
        raw=", ".join(str(v) for v in (data.get("street_1"), data.get("city"), data.get("country")) if v) or None,
    )


def _candidate(entry: Mapping[str, Any]) -> Candidate:
    c = entry["candidate"]
    at = _at(entry)
    remote_id = c["remote_id"]
    emails = [EmailAddress(c["email_address"], "PERSONAL")]
    emails += [EmailAddress(e["email_address"], e["type"]) for e in c.get("additional_email_addresses", ())]
    phones = [PhoneNumber(c["phone_number"], "MOBILE")] if c.get("phone_number") else []
    phones += [PhoneNumber(p["phone_number"], p["type"]) for p in c.get("additional_phone_numbers", ())]
    return Candidate(
        remote_id=remote_id,
        remote_data=raw("candidate", remote_id, name=f"{c['first_name']} {c['last_name']}", updated_at=_ms(at)),
        first_name=c["first_name"],
        last_name=c["last_name"],
        company=c.get("company"),
        title=c.get("title"),
        confidential=False,
        source=entry.get("source"),
        email_addresses=tuple(emails),
        phone_numbers=tuple(phones),
        social_media=tuple(SocialMedia(link=url) for url in c.get("social_links", ())),
        location=_location(c.get("location")),
        remote_url=f"{APP_URL}/candidates/{remote_id}",
        remote_created_at=at,
        remote_updated_at=at,
    )


def _application(entry: Mapping[str, Any]) -> Application:
    app = entry["application"]
    at = _at(entry)
    remote_id = app["remote_id"]
    candidate_id = entry["candidate"]["remote_id"]
    return Application(
        remote_id=remote_id,
        remote_data=raw(
            "application",
            remote_id,
            candidate_id=candidate_id,
            job_id=app["job"],
            stage_id=app["stage"],
            state="pending",
            updated_at=_ms(at),
        ),
        candidate_remote_id=candidate_id,
        job_remote_id=app["job"],
        current_stage_remote_id=app["stage"],
        outcome="PENDING",
        remote_url=f"{APP_URL}/applications/{remote_id}",
        screening_question_answers=tuple(
            ScreeningAnswer(a["question"], a["title"], a["type"], a["answer"]) for a in app.get("answers", ())
        ),
        remote_created_at=at,
        remote_updated_at=at,
    )


def _file(entry: Mapping[str, Any], file: Mapping[str, Any]) -> Attachment:
    at = _at(entry)
    remote_id = file["remote_id"]
    return Attachment(
        remote_id=remote_id,
        remote_data=raw("file", remote_id, filename=file["name"], owner=file.get("application") or file["candidate"]),
        candidate_remote_id=file["candidate"],
        application_remote_id=file.get("application"),
        type=file.get("type") or "OTHER",
        file_name=file["name"],
        content_type=file["content_type"],
        remote_created_at=at,
        remote_updated_at=at,
    )


def _note(entry: Mapping[str, Any], content: str, title: str | None = None) -> Note:
    """A note of plain `content` (Kombo's notes are PLAIN_TEXT; the record holds HTML)."""
    at = _at(entry)
    remote_id = entry["note"]
    return Note(
        remote_id=remote_id,
        remote_data=raw("note", remote_id, candidate_id=entry["candidate"], updated_at=_ms(at)),
        candidate_remote_id=entry["candidate"],
        application_remote_id=entry.get("application"),
        title=title,
        content_html=html.escape(content).replace("\n", "<br>"),
        is_private=False,
        remote_created_at=at,
        remote_updated_at=at,
    )


def _interview(entry: Mapping[str, Any]) -> Interview:
    at = _at(entry)
    remote_id = entry["interview"]
    location = None
    if entry.get("location_type") == "PHYSICAL":
        location = Location(raw=entry.get("address"))
    return Interview(
        remote_id=remote_id,
        remote_data=raw("interview", remote_id, application_id=entry["application"], state="scheduled"),
        application_remote_id=entry["application"],
        stage_remote_id=entry.get("stage"),
        title=entry["title"],
        starting_at=datetime.fromisoformat(entry["start"]),
        ending_at=datetime.fromisoformat(entry["end"]),
        canceled=False,
        video_conferencing_url=entry.get("address") if entry.get("location_type") == "VIRTUAL" else None,
        location=location,
        remote_created_at=at,
        remote_updated_at=at,
        user_remote_ids=tuple(sorted(entry["users"])),
    )


def _touched(record: Record, at: datetime, **changes: Any) -> Record:
    """`record` with `changes` and its updated-at (field and payload) moved to `at`."""
    payload = dict(record.remote_data or {})
    if "updated_at" in payload:
        payload["updated_at"] = _ms(at)
    payload.update(changes.pop("payload", {}))
    return dataclasses.replace(record, remote_data=payload, remote_updated_at=at, **changes)  # type: ignore[call-arg]


def _stage(entry: Mapping[str, Any]) -> Patch:
    return lambda r: _touched(
        r, _at(entry), current_stage_remote_id=entry["stage"], payload={"stage_id": entry["stage"]}
    )


def _reject(entry: Mapping[str, Any]) -> Patch:
    at = _at(entry)
    return lambda r: _touched(
        r, at, outcome="DECLINED", rejection_reason_name=entry["reason"], rejected_at=at, payload={"state": "declined"}
    )


def _tag(entry: Mapping[str, Any], add: bool) -> Patch:
    def patch(record: Record) -> Record:
        assert isinstance(record, Candidate)
        tags = [t for t in record.tag_remote_ids if t != entry["tag"]]
        if add:
            tags.append(entry["tag"])
        if tuple(tags) == record.tag_remote_ids:
            return record
        return _touched(record, _at(entry), tag_remote_ids=tuple(tags))

    return patch


def _custom_fields(entry: Mapping[str, Any]) -> Patch:
    def patch(record: Record) -> Record:
        fields = dict(getattr(record, "custom_fields", {}))
        fields.update({f"{entry['prefix']} {key}": value for key, value in entry["attributes"]})
        return _touched(record, _at(entry), custom_fields=fields)

    return patch


def _reschedule(entry: Mapping[str, Any]) -> Patch:
    def patch(record: Record) -> Record:
        new = _interview(entry)
        return dataclasses.replace(
            new,
            remote_data={**(record.remote_data or {}), "state": "scheduled"},
            remote_created_at=getattr(record, "remote_created_at", None),
            stage_remote_id=getattr(record, "stage_remote_id", None),
        )

    return patch


class Journal:
    """What a journal's entries created and changed."""

    def __init__(self, entries: Sequence[Mapping[str, Any]] = ()) -> None:
        self.entries = tuple(entries)
        self.created: dict[str, dict[str, Record]] = {}
        self.patches: dict[tuple[str, str], list[Patch]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        for entry in self.entries:
            self._apply(entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def _create(self, record: Record) -> None:
        self.created.setdefault(record.MODEL, {})[record.remote_id] = record

    def _patch(self, model: str, remote_id: str, patch: Patch) -> None:
        self.patches.setdefault((model, remote_id), []).append(patch)

    def _apply(self, entry: Mapping[str, Any]) -> None:
        op = entry["op"]
        if op == "create_application":
            if entry["candidate"].get("new"):
                self._create(_candidate(entry))
            self._create(_application(entry))
            for file in entry.get("files", ()):
                self._add_file(entry, file)
        elif op == "stage":
            self._patch("applications", entry["application"], _stage(entry))
        elif op == "reject":
            self._patch("applications", entry["application"], _reject(entry))
            if entry.get("note"):
                self._create(_note(entry, entry["text"], "Rejection note"))
        elif op == "note":
            self._create(_note(entry, entry["text"]))
        elif op == "file":
            self._add_file(entry, entry["file"])
        elif op == "result_link":
            self._create(_note(entry, entry["text"], entry["label"]))
            if entry.get("attributes"):
                owner = ("applications", entry["application"]) if entry.get("application") else None
                owner = owner or ("candidates", entry["candidate"])
                self._patch(*owner, _custom_fields(entry))
        elif op in ("tag_add", "tag_remove"):
            if op == "tag_add" and entry.get("new_tag"):
                self._create(
                    Tag(
                        remote_id=entry["tag"],
                        remote_data=raw("tag", entry["tag"], label=entry["name"]),
                        name=entry["name"],
                    )
                )
            self._patch("candidates", entry["candidate"], _tag(entry, op == "tag_add"))
        elif op == "interview":
            if entry.get("update"):
                self._patch("interviews", entry["interview"], _reschedule(entry))
            else:
                self._create(_interview(entry))
        else:
            raise ValueError(f"unknown sandbox journal entry {op!r}")

    def _add_file(self, entry: Mapping[str, Any], file: Mapping[str, Any]) -> None:
        record = _file(entry, file)
        self._create(record)
        self.files[record.remote_id] = (base64.b64decode(file["data"]), file["content_type"])

    def patched(self, record: Record) -> Record:
        for patch in self.patches.get((record.MODEL, record.remote_id), ()):
            record = patch(record)
        return record

    def overlay(self, model: str, records: Iterable[Record]) -> Iterator[Record]:
        """`records` as written, then the records the journal created (as written since)."""
        if not self.entries:
            yield from records
            return
        for record in records:
            yield self.patched(record)
        for record in self.created.get(model, {}).values():
            yield self.patched(record)

    def created_record(self, model: str, remote_id: str) -> Record | None:
        record = self.created.get(model, {}).get(remote_id)
        return None if record is None else self.patched(record)
