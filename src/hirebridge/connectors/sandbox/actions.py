"""The sandbox performs every write action: each becomes a journal entry (journal.py) and the records
it changes are read back from the sandbox with that entry replayed -- exactly what the next sync
reads. It checks what a real ATS would: the records exist at this step, a stage belongs to the job,
one application per candidate and job (an existing candidate is matched by e-mail and keeps its data).
"""

from __future__ import annotations

import base64
import functools
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hirebridge.connectors.framework.actions import ActionFailed, ActionResult
from hirebridge.connectors.sandbox.journal import MAX_FILE_BYTES, Journal
from hirebridge.connectors.sandbox.source import SandboxSource
from hirebridge.model import actions as a
from hirebridge.model.records import Application, ApplicationStage, Candidate, Job, Record, Tag
from hirebridge.timefmt import utc_now

_FILES: frozenset[a.AttachmentType] = frozenset({"CV", "COVER_LETTER", "OTHER"})
_CANDIDATE_FIELDS = frozenset(
    f"candidate.{name}"
    for name in (
        "additional_email_addresses",
        "company",
        "title",
        "phone_number",
        "additional_phone_numbers",
        "location",
        "social_links",
    )
)
_CREATE = a.ActionSupport(
    fields=_CANDIDATE_FIELDS
    | {"stage_id", "application.stage_id", "attachments", "screening_question_answers", "sourced_by"},
    attachment_types=_FILES,
    max_file_size_bytes=MAX_FILE_BYTES,
    note="gender, availability date, salary expectations and GDPR consent have no place in the sandbox's data.",
)
_ATTACH = a.ActionSupport(attachment_types=_FILES, max_file_size_bytes=MAX_FILE_BYTES)
_RESULT_LINK = a.ActionSupport(
    fields=frozenset({"details"}),
    note="A result link becomes a note (label, URL and attributes); attributes also become custom fields.",
)
ACTIONS: Mapping[str, a.ActionSupport] = {
    a.CREATE_APPLICATION: _CREATE,
    a.CREATE_CANDIDATE: _CREATE,
    a.MOVE_APPLICATION_STAGE: a.ActionSupport(),
    a.REJECT_APPLICATION: a.ActionSupport(fields=frozenset({"note"})),
    a.ADD_APPLICATION_NOTE: a.ActionSupport(),
    a.ADD_APPLICATION_ATTACHMENT: _ATTACH,
    a.ADD_CANDIDATE_ATTACHMENT: _ATTACH,
    a.ADD_APPLICATION_RESULT_LINK: _RESULT_LINK,
    a.ADD_CANDIDATE_RESULT_LINK: _RESULT_LINK,
    a.ADD_CANDIDATE_TAG: a.ActionSupport(),
    a.REMOVE_CANDIDATE_TAG: a.ActionSupport(),
    a.CREATE_INTERVIEW: a.ActionSupport(fields=frozenset({"location.address"})),
    a.UPDATE_INTERVIEW: a.ActionSupport(fields=frozenset({"location.address"})),
    a.IMPORT_TRACKED_APPLICATION: a.ActionSupport(),
}


def _new_id(prefix: str) -> str:
    """A written record's remote id: random (two concurrent writes never collide), and never one the
    generator makes (those are `prefix_<digits>`)."""
    return f"{prefix}_w{secrets.token_hex(6)}"


def _missing(model: str, remote_id: str) -> ActionFailed:
    return ActionFailed(400, "REMOTE.INPUT_INVALID", f"The sandbox has no {model} {remote_id} (any more).")


def _file(upload: a.FileUpload, candidate: str, application: str | None) -> dict[str, Any]:
    return {
        "remote_id": _new_id("file"),
        "name": upload.name,
        "type": upload.type,
        "content_type": upload.content_type,
        "data": base64.b64encode(upload.data).decode(),
        "candidate": candidate,
        "application": application,
    }


def _answer(answer: a.ScreeningAnswerInput) -> dict[str, Any] | None:
    """An answer as the sandbox's applications hold them (its choices by option name)."""
    data = answer.question.data or {}
    question_format = data.get("format") or {}
    kind = question_format.get("type")
    names = {option.get("remote_id"): option.get("name") for option in question_format.get("options") or ()}
    value = answer.answer
    if kind == "TEXT":
        given: dict[str, Any] = {"content": value}
    elif kind == "SINGLE_SELECT":
        given = {"choice": names.get(value, value)}
    elif kind == "MULTI_SELECT":
        given = {"choices": [names.get(item, item) for item in value]}
    elif kind == "BOOLEAN":
        given = {"checked": value}
    elif kind == "NUMBER":
        given = {"number": float(value)}
    elif kind == "DATE":
        given = {"date": f"{str(value)[:10]}T00:00:00.000Z"}
    else:  # FILE answers: the sandbox keeps no files per question
        return None
    return {"question": answer.question.remote_id, "title": data.get("title") or "", "type": kind, "answer": given}


@dataclass(frozen=True, slots=True)
class _Index:
    emails: dict[str, str]  # lower-cased e-mail -> candidate remote id
    jobs_of: dict[str, frozenset[str]]  # candidate remote id -> jobs of their applications


@functools.lru_cache(maxsize=2)
def _generated(seed: str, applications: int, step: int) -> _Index:
    """Who the generated data holds, by e-mail, and where they applied: generating every candidate
    and application takes a while (0.6 s at 2,000 applications), so a process does it once per
    sandbox and step. Writes never change e-mails or an application's job, so the journal's own
    records are all that is checked besides."""
    source = SandboxSource(seed, applications, step)
    emails: dict[str, str] = {}
    for candidate in source.candidates():
        for email in candidate.email_addresses:
            emails.setdefault((email.email_address or "").lower(), candidate.remote_id)
    jobs_of: dict[str, set[str]] = {}
    for application in source.applications():
        if application.candidate_remote_id and application.job_remote_id:
            jobs_of.setdefault(application.candidate_remote_id, set()).add(application.job_remote_id)
    return _Index(emails, {candidate: frozenset(jobs) for candidate, jobs in jobs_of.items()})


class SandboxWriter:
    """Builds the journal entry of an action and the records it changes, for one sandbox."""

    def __init__(self, source: SandboxSource) -> None:
        self.source = source
        # The records as a sync reads them (earlier writes included).
        self.read = source.record_methods()

    def perform(self, action: a.Action) -> ActionResult:
        entry, touched, created = self._entry(action)
        if entry["op"] == "import":  # nothing changes at the source: its records are read as they are
            found = [record for model, remote_id in touched if (record := self.source.record(model, remote_id))]
            return ActionResult(records=tuple(found), created=created)
        entry["at"] = utc_now().isoformat()
        after = SandboxSource(
            self.source.seed,
            self.source.initial_applications,
            self.source.step,
            Journal([*self.source.journal.entries, entry]),
        )
        records: list[Record] = []
        for model, remote_id in touched:
            record = after.record(model, remote_id)
            if record is not None:
                records.append(record)
        return ActionResult(records=tuple(records), created=created, journal=entry)

    def _live(self, target: a.Target) -> Record:
        record = self.source.record(target.model, target.remote_id)
        if record is None:
            raise _missing(target.model.rstrip("s"), target.remote_id)
        return record

    def _entry(self, action: a.Action) -> tuple[dict[str, Any], list[tuple[str, str]], tuple[str, str] | None]:
        """(journal entry, the records it changes -- referenced ones first --, the created record)."""
        if isinstance(action, a.CreateApplication):
            return self._create(action)
        if isinstance(action, a.MoveApplicationStage):
            application = self._live(action.application)
            assert isinstance(application, Application)
            if not action.stage.remote_id.startswith(f"{application.job_remote_id}-s"):
                raise ActionFailed(400, "REMOTE.INPUT_INVALID", "The stage is not a stage of the application's job.")
            entry: dict[str, Any] = {
                "op": "stage",
                "application": application.remote_id,
                "stage": action.stage.remote_id,
            }
            return entry, [("applications", application.remote_id)], None
        if isinstance(action, a.RejectApplication):
            application = self._live(action.application)
            assert isinstance(application, Application)
            reason = (action.rejection_reason.data or {}).get("name") or action.rejection_reason.remote_id
            entry = {"op": "reject", "application": application.remote_id, "reason": reason}
            touched = [("applications", application.remote_id)]
            if action.note:
                note = _new_id("note")
                entry |= {"note": note, "text": action.note, "candidate": application.candidate_remote_id}
                touched.append(("notes", note))
            return entry, touched, None
        if isinstance(action, a.AddNote):
            application = self._live(action.application)
            assert isinstance(application, Application)
            note = _new_id("note")
            entry = {
                "op": "note",
                "note": note,
                "text": action.content,
                "application": application.remote_id,
                "candidate": application.candidate_remote_id,
            }
            return entry, [("notes", note)], None
        if isinstance(action, a.AddAttachment):
            owner_candidate, owner_application = self._owner(action.owner)
            file = _file(action.attachment, owner_candidate, owner_application)
            return {"op": "file", "file": file}, [("attachments", file["remote_id"])], None
        if isinstance(action, a.AddResultLink):
            owner_candidate, owner_application = self._owner(action.owner)
            note = _new_id("note")
            lines = [f"{action.label}: {action.url}"]
            lines += [
                f"{action.custom_field_name_prefix or ''} {key}: {value}".strip() for key, value in action.attributes
            ]
            entry = {
                "op": "result_link",
                "note": note,
                "label": action.label,
                "text": "\n".join(lines),
                "candidate": owner_candidate,
                "application": owner_application,
                "prefix": action.custom_field_name_prefix or "",
                "attributes": [list(pair) for pair in action.attributes],
            }
            touched = [("notes", note)]
            if action.attributes:
                owner = ("applications", owner_application) if owner_application else ("candidates", owner_candidate)
                touched.insert(0, owner)
            return entry, touched, None
        if isinstance(action, a.CandidateTag):
            return self._tag(action)
        if isinstance(action, a.InterviewInput):
            return self._interview(action)
        if isinstance(action, a.ImportTrackedApplication):
            imported = self.source.record("applications", action.application_remote_id)
            if imported is None:
                raise _missing("application", action.application_remote_id)
            assert isinstance(imported, Application)
            touched = [("candidates", imported.candidate_remote_id or ""), ("applications", imported.remote_id)]
            return {"op": "import"}, touched, ("applications", imported.remote_id)
        raise ActionFailed(400, "INTEGRATION.ACTION_NOT_AVAILABLE", f"The sandbox does not perform {action.action}.")

    def _owner(self, owner: a.Target) -> tuple[str, str | None]:
        record = self._live(owner)
        if isinstance(record, Application):
            return record.candidate_remote_id or "", record.remote_id
        return record.remote_id, None

    def _create(self, action: a.CreateApplication) -> tuple[dict[str, Any], list[tuple[str, str]], tuple[str, str]]:
        job = next((job for job in self.read["jobs"]() if job.remote_id == action.job.remote_id), None)
        if job is None:
            raise _missing("job", action.job.remote_id)
        assert isinstance(job, Job)
        if job.status != "OPEN":
            raise ActionFailed(400, "ATS.JOB_CLOSED", f"The job {job.name} is {str(job.status).lower()}.")
        stages = [
            s
            for s in self.read["application_stages"]()
            if isinstance(s, ApplicationStage) and s.job_remote_id == job.remote_id
        ]
        if action.stage is not None:
            stage = action.stage.remote_id
            if stage not in {s.remote_id for s in stages}:
                raise ActionFailed(400, "REMOTE.INPUT_INVALID", "The stage is not a stage of the job.")
        else:
            stage = min((s for s in stages if s.status == "ACTIVE"), key=lambda s: s.index or 0).remote_id
        wanted = action.candidate.email_address.strip().lower()
        existing = self._candidate_by_email(wanted)
        if existing is not None and job.remote_id in self._jobs_applied_to(existing):
            raise ActionFailed(
                409,
                "ATS.APPLICATION_ALREADY_EXISTS",
                f"{action.candidate.first_name} {action.candidate.last_name} ({wanted}) has already "
                f"applied to the job {job.name}.",
            )
        candidate_id = existing if existing is not None else _new_id("cand")
        application_id = _new_id("app")
        new = action.candidate
        candidate: dict[str, Any] = {"remote_id": candidate_id, "new": existing is None}
        if existing is None:
            candidate |= {
                "first_name": new.first_name,
                "last_name": new.last_name,
                "email_address": new.email_address,
                "additional_email_addresses": [
                    {"email_address": e.email_address, "type": e.type} for e in new.additional_email_addresses
                ],
                "company": new.company,
                "title": new.title,
                "phone_number": new.phone_number,
                "additional_phone_numbers": [
                    {"phone_number": p.phone_number, "type": p.type} for p in new.additional_phone_numbers
                ],
                "location": None
                if new.location is None
                else {
                    "city": new.location.city,
                    "country": new.location.country,
                    "state": new.location.state,
                    "street_1": new.location.street_1,
                    "zip_code": new.location.zip_code,
                },
                "social_links": list(new.social_links),
            }
        answers = [answer for item in action.screening_answers if (answer := _answer(item)) is not None]
        files = [_file(upload, candidate_id, application_id) for upload in action.attachments]
        entry = {
            "op": "create_application",
            "source": action.source_name,
            "candidate": candidate,
            "application": {"remote_id": application_id, "job": job.remote_id, "stage": stage, "answers": answers},
            "files": files,
        }
        touched = [("candidates", candidate_id), ("applications", application_id)]
        touched += [("attachments", file["remote_id"]) for file in files]
        return entry, touched, ("applications", application_id)

    def _candidate_by_email(self, email: str) -> str | None:
        """The remote id of the live candidate with this e-mail (generated, or created by a write)."""
        for record in self.source.journal.created.get("candidates", {}).values():
            if isinstance(record, Candidate) and any(
                (e.email_address or "").lower() == email for e in record.email_addresses
            ):
                return record.remote_id
        source = self.source
        found = _generated(source.seed, source.initial_applications, source.step).emails.get(email)
        return found if found is not None and source.record("candidates", found) is not None else None

    def _jobs_applied_to(self, candidate: str) -> set[str]:
        source = self.source
        jobs = set(_generated(source.seed, source.initial_applications, source.step).jobs_of.get(candidate, ()))
        for record in source.journal.created.get("applications", {}).values():
            if isinstance(record, Application) and record.candidate_remote_id == candidate and record.job_remote_id:
                jobs.add(record.job_remote_id)
        return jobs

    def _tag(self, action: a.CandidateTag) -> tuple[dict[str, Any], list[tuple[str, str]], None]:
        candidate = self._live(action.candidate)
        assert isinstance(candidate, Candidate)
        known = {tag.name.lower(): tag.remote_id for tag in self.read["tags"]() if isinstance(tag, Tag) and tag.name}
        remote_id = known.get(action.name.lower())
        add = action.action == a.ADD_CANDIDATE_TAG
        entry: dict[str, Any] = {"op": "tag_add" if add else "tag_remove", "candidate": candidate.remote_id}
        touched = [("candidates", candidate.remote_id)]
        if remote_id is None:
            if not add:  # Kombo: removing a tag the candidate does not have succeeds
                return {**entry, "tag": "", "name": action.name}, touched, None
            remote_id = "tag_w" + re.sub(r"[^a-z0-9]+", "-", action.name.lower()).strip("-")
            entry["new_tag"] = True
            touched.insert(0, ("tags", remote_id))
        return {**entry, "tag": remote_id, "name": action.name}, touched, None

    def _interview(self, action: a.InterviewInput) -> tuple[dict[str, Any], list[tuple[str, str]], None]:
        application = self._live(action.application)
        assert isinstance(application, Application)
        if action.interview is not None:
            self._live(action.interview)
            interview = action.interview.remote_id
        else:
            interview = f"{application.remote_id}-iw{secrets.token_hex(4)}"
        entry = {
            "op": "interview",
            "update": action.interview is not None,
            "interview": interview,
            "application": application.remote_id,
            "stage": application.current_stage_remote_id,
            "title": action.title,
            "start": action.starting_at.isoformat(),
            "end": action.ending_at.isoformat(),
            "users": sorted({*(u.remote_id for u in action.interviewers), action.organizer.remote_id}),
            "location_type": action.location_type,
            "address": action.location_address,
        }
        return entry, [("interviews", interview)], None
