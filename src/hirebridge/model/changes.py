"""Kombo's `updated_after` nested-change rules, as data.

A list endpoint's `updated_after` matches a record when its own fields changed *or* when related
data changed, per a published table (see docs/api.md). The sync engine keeps one `updated_at` per
record and moves it along these rules whenever it writes a related record; the API then filters on
`updated_at` alone.

`Propagation(source, target, target_key, source_key, linked)` reads: when a `source` record is added
or removed (inserted, deleted, or its `source_key` now points elsewhere) -- and, if `linked`, when
its own fields change -- touch the `target` records whose `target_key` equals the source record's
`source_key` value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Propagation:
    source: str
    target: str
    target_key: str
    source_key: str
    linked: bool


PROPAGATIONS: tuple[Propagation, ...] = (
    # applications: candidate linked yes; interviews and offers added/removed yes, linked yes;
    # current_stage, job and candidate -> tags: no.
    Propagation("candidates", "applications", target_key="candidate_id", source_key="id", linked=True),
    Propagation("interviews", "applications", target_key="id", source_key="application_id", linked=True),
    Propagation("offers", "applications", target_key="id", source_key="application_id", linked=True),
    # candidates: applications added/removed yes, linked yes (tags: by the candidate's own links).
    Propagation("applications", "candidates", target_key="id", source_key="candidate_id", linked=True),
    # jobs: stages added/removed yes, linked no; screening questions and postings yes/yes
    # (hiring team: the job's own links).
    Propagation("application_stages", "jobs", target_key="id", source_key="job_id", linked=False),
    Propagation("screening_questions", "jobs", target_key="id", source_key="job_id", linked=True),
    Propagation("job_postings", "jobs", target_key="id", source_key="job_id", linked=True),
    # offers and interviews: their application linked yes.
    Propagation("applications", "offers", target_key="application_id", source_key="id", linked=True),
    Propagation("applications", "interviews", target_key="application_id", source_key="id", linked=True),
)


def propagations_from(model: str) -> tuple[Propagation, ...]:
    return tuple(p for p in PROPAGATIONS if p.source == model)


@dataclass(frozen=True, slots=True)
class Connections:
    """Kombo's `ats_join_*` names of a model's connections to other records (what `data-changed`
    lists beside the model when they change), and whether they are the record's links (a candidate's
    tags, a job's hiring team, an interview's interviewers) or own fields (a stage's job, a user's
    roles). They change when a record is added or deleted, or when what holds them changes."""

    names: tuple[str, ...]
    via_links: bool


CONNECTIONS: dict[str, Connections] = {
    "candidates": Connections(("ats_join_candidates_tags",), via_links=True),
    "jobs": Connections(("ats_join_jobs_users", "ats_join_user_job_role_assignments"), via_links=True),
    "interviews": Connections(("ats_join_interviews_users",), via_links=True),
    "application_stages": Connections(("ats_join_jobs_application_stages",), via_links=False),
    "screening_questions": Connections(("ats_join_jobs_screening_questions",), via_links=False),
    "users": Connections(("ats_join_users_roles",), via_links=False),
}


def kombo_model_name(model: str) -> str:
    """The name `data-changed` gives a model (`changed_models[].name`): `applications` -> `ats_applications`."""
    return f"ats_{model}"
