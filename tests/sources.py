"""A scripted source for sync-engine tests: the test says exactly what the ATS holds right now.

It is a real connector (the engine runs it like any other); only its data is hand-written.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from hirebridge.connectors.base import Checkpoint, Deleted, FetchContext, Stream
from hirebridge.model import (
    Application,
    ApplicationStage,
    Candidate,
    EmailAddress,
    Interview,
    Job,
    JobStatus,
    Offer,
    Record,
    Tag,
)

R = TypeVar("R", bound=Record)

MODELS = ("tags", "jobs", "application_stages", "candidates", "applications", "interviews", "offers")


class SourceOutage(Exception):
    pass


class ScriptedSource:
    tool: ClassVar[str] = "sandbox"

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Record]] = {m: {} for m in MODELS}
        self.fail_after: int | None = None  # raise `failure` after yielding this many records in total
        self.failure: Exception = SourceOutage("the source went away")
        # Incremental state: after every record of these models, a Checkpoint {"read": <n so far>}.
        self.checkpointed: set[str] = set()
        self.contexts: dict[str, list[FetchContext]] = {}
        # A deletion feed: remote ids each stream reports as deleted after its records.
        self.feed: dict[str, list[str]] = {}

    def put(self, *records: Record) -> None:
        for record in records:
            self.records[record.MODEL][record.remote_id] = record

    def get(self, kind: type[R], remote_id: str) -> R:
        """The record of type `kind` the source holds under `remote_id` (typed, for dataclasses.replace)."""
        record = self.records[kind.MODEL][remote_id]
        assert isinstance(record, kind), record
        return record

    def remove(self, model: str, remote_id: str) -> None:
        del self.records[model][remote_id]

    def streams(self) -> list[Stream]:
        yielded = [0]

        def fetch_for(model: str) -> Any:
            def fetch(context: FetchContext) -> Iterator[Record | Checkpoint | Deleted]:
                self.contexts.setdefault(model, []).append(context)
                for number, record in enumerate(list(self.records[model].values()), start=1):
                    if self.fail_after is not None and yielded[0] >= self.fail_after:
                        raise self.failure
                    yielded[0] += 1
                    yield record
                    if model in self.checkpointed:
                        yield Checkpoint({"read": number})
                for remote_id in self.feed.get(model, []):
                    yield Deleted(remote_id)

            return fetch

        return [Stream(m, fetch_for(m)) for m in MODELS]


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def small_world() -> ScriptedSource:
    """One job with two stages, two candidates, three applications, an interview and an offer."""
    src = ScriptedSource()
    src.put(Tag(remote_id="t1", name="Referral"), Tag(remote_id="t2", name="Senior"))
    src.put(Job(remote_id="j1", name="Backend Engineer", status=JobStatus.OPEN, remote_created_at=T0))
    src.put(
        ApplicationStage(remote_id="s1", job_remote_id="j1", name="Applied", index=0, status="ACTIVE"),
        ApplicationStage(remote_id="s2", job_remote_id="j1", name="Interview", index=1, status="ACTIVE"),
    )
    src.put(
        Candidate(
            remote_id="c1",
            first_name="Ada",
            last_name="Lovelace",
            email_addresses=(EmailAddress("ada@example.com", "PRIVATE"),),
            tag_remote_ids=("t1",),
        ),
        Candidate(remote_id="c2", first_name="Alan", last_name="Turing"),
    )
    for remote_id, cand, stage, outcome in (
        ("a1", "c1", "s2", "PENDING"),
        ("a2", "c2", "s1", "PENDING"),
        ("a3", "c2", "s1", "DECLINED"),
    ):
        src.put(
            Application(
                remote_id=remote_id,
                candidate_remote_id=cand,
                job_remote_id="j1",
                current_stage_remote_id=stage,
                outcome=outcome,  # type: ignore[arg-type]
                remote_created_at=T0,
            )
        )
    src.put(Interview(remote_id="i1", application_remote_id="a1", title="Tech interview", starting_at=T0))
    src.put(Offer(remote_id="o1", application_remote_id="a1", status="DRAFT"))
    return src
