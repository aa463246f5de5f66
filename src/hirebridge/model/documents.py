"""Served documents: which records a listing's page embeds, as data.

A listing may keep each record's served JSON (its `doc` column, rendered by the API's own
serializer) so a page is read, not rebuilt: the stored bytes go out as they are. A document is
correct only while everything it embeds is unchanged, so the write path clears the documents its
writes make stale and renders them again, all in the write's own transaction (the documents of
records a sync run stores for the first time: after the run's streams). A reader never sees a stale
document, and a cleared one (a record new in a run not yet finished) is rendered live on the spot.

`Embed(document, source, document_key, source_key)` reads: when a `source` record changes (its own
fields or links), is added, deleted or re-pointed, the documents of `document` whose `document_key`
equals the source record's `source_key` value are stale. `via_links` names a link list of the
`document_key`'s records instead (a candidate's `tag_ids`: a renamed tag makes the documents of the
candidates carrying it stale, found through the candidates' links).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Embed:
    document: str
    source: str
    document_key: str
    source_key: str = "id"
    # (model, link list): the document_key values are those records' ids whose links hold the source id.
    via_links: tuple[str, str] | None = None


# Models whose listings serve stored documents. Another listing opts in by adding its model here, a
# `doc` column to its table (a migration) and its embeds below.
DOCUMENT_MODELS: tuple[str, ...] = ("applications",)

EMBEDS: tuple[Embed, ...] = (
    # GET /ats/applications embeds the candidate (with its tags), the current stage, the job, and the
    # application's interviews and offers.
    Embed("applications", "candidates", document_key="candidate_id"),
    Embed("applications", "tags", document_key="candidate_id", via_links=("candidates", "tag_ids")),
    Embed("applications", "application_stages", document_key="current_stage_id"),
    Embed("applications", "jobs", document_key="job_id"),
    Embed("applications", "interviews", document_key="id", source_key="application_id"),
    Embed("applications", "offers", document_key="id", source_key="application_id"),
)


def embeds_of(source: str) -> tuple[Embed, ...]:
    return tuple(e for e in EMBEDS if e.source == source)


# What a document embeds of each embedded record beyond its `id` and `remote_id`, in wire order: the
# slim view every document of the model embeds. The sync's write path stores that view with the record
# (its `embed` column: `store.records.embed_json`), so a live render splices stored bytes instead of parsing each
# embedded record's data (serving/ats/applications.py). A candidate's tags are not part of it: they are
# other records (a renamed tag would make the view of every candidate carrying it stale), added at render.
EMBEDDED_FIELDS: dict[str, tuple[str, ...]] = {
    "candidates": (
        "first_name",
        "last_name",
        "source",
        "remote_url",
        "email_addresses",
        "phone_numbers",
        "social_media",
    ),
    "application_stages": ("name", "index", "status", "custom_fields"),
    "jobs": ("name",),
    "interviews": ("title", "starting_at", "ending_at", "location", "canceled"),
    "offers": ("status",),
}
assert set(EMBEDDED_FIELDS) == {e.source for e in EMBEDS} - {"tags"}, "every embedded model declares its view"
