"""The schema. Migrations in `migrations/versions` create exactly this; a test checks they agree.

Synced records share one shape (`synced_table`): an internal, immutable, ever-increasing row key
`pk` that pages are ordered by (keyset pagination), the public `id`, the record's own fields as wire
JSON in `data` (what the API serializes), and the change-tracking columns. Fields that endpoints
filter or join on are copied into real columns next to it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from hirebridge.store.types import RowKey, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(24)
INTEGRATION_ID = String(80)

environments = Table(
    "environments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    # The secret outgoing webhooks are signed with (X-Kombo-Signature), sealed like credentials
    # (hirebridge.crypto); generated with the environment's first subscription, shown once.
    Column("webhook_secret", Text, nullable=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    # sha256 of the key: keys are long random strings, so a fast hash is as safe as a slow one.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

integrations = Table(
    "integrations",
    metadata,
    Column("id", INTEGRATION_ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("tool", String(40), nullable=False),
    Column("config", Text, nullable=False),  # JSON; connector settings (sandbox size and step, base URL, ...)
    # Credentials (API keys, tokens), sealed with HIREBRIDGE_SECRET_KEY (hirebridge.crypto); never plain.
    Column("credentials", Text, nullable=True),
    # Set when the source rejected the credentials (401/403); cleared when new ones are stored or a
    # sync succeeds. The API then reports the integration INVALID and keeps serving its last data.
    Column("credentials_invalid_at", UtcDateTime, nullable=True),
    # Sync schedule overrides (minutes); NULL = the global HIREBRIDGE_*_SYNC_INTERVAL_MINUTES.
    Column("full_sync_interval_minutes", Integer, nullable=True),
    Column("delta_sync_interval_minutes", Integer, nullable=True),
    Column("enabled", Boolean, nullable=False, default=True),
    # Who the integration belongs to on the API consumer's side (Kombo's `end_user`).
    Column("end_user_organization_name", Text, nullable=True),
    Column("end_user_email", Text, nullable=True),
    Column("end_user_origin_id", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("first_sync_succeeded_at", UtcDateTime, nullable=True),
    # Lease for "one sync per integration at a time": held by a run, renewed as pages commit.
    Column("sync_lock_run_id", ID, nullable=True),
    Column("sync_lock_expires_at", UtcDateTime, nullable=True),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", ID, primary_key=True),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),  # FULL | DELTA
    Column("state", String(20), nullable=False),  # QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("stats", Text, nullable=False),  # JSON {model: {inserted, updated, deleted, unchanged}}
    Column("error", Text, nullable=True),
    # Why a run failed, as a code clients can act on (AUTHENTICATION_FAILED, SOURCE_UNAVAILABLE, ...).
    Column("error_code", String(40), nullable=True),
    # Which process executed the run (host:pid), for operators following a run across workers.
    Column("executor", String(120), nullable=True),
    Index(None, "integration_id", "created_at"),
    Index(None, "state", "created_at"),
    # At most one queued-or-running run per integration and kind: force-sync de-duplicates on this.
    Index(
        "uq_sync_runs_active",
        "integration_id",
        "kind",
        unique=True,
        sqlite_where=text("state IN ('QUEUED', 'RUNNING')"),
        postgresql_where=text("state IN ('QUEUED', 'RUNNING')"),
    ),
)

# Incremental state per integration and stream (a sync token, a high-water mark), committed in the
# transaction of the page it belongs to.
stream_states = Table(
    "stream_states",
    metadata,
    Column(
        "integration_id",
        INTEGRATION_ID,
        ForeignKey("integrations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("stream", String(80), primary_key=True),
    Column("state", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


# The rate limiters shared by every process that talks to a source (store/rate_limits.py): one row per
# limiter key (an integration id), the GCRA's theoretical arrival time in microseconds since the Unix
# epoch. On SQLite the limiters keep this table in a sidecar file next to the database instead (the
# main file's write lock is held for whole sync pages), so there it stays empty.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tat_us", BigInteger, nullable=False),
)


# Kombo's integration fields (model/integration_fields.py): the keys the sync engine found in the raw
# payloads of an integration's records, one row per (model, type, key), and whether the customer passes
# it through into the records. `id` is derived from those (ids.record_id), so a field keeps its id
# across syncs; `pk` orders the listing's pages, like a synced table's.
integration_fields = Table(
    "integration_fields",
    metadata,
    Column("pk", RowKey, primary_key=True, autoincrement=True),
    Column("id", ID, nullable=False, unique=True),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(40), nullable=False),  # the synced model ("candidates")
    Column("type", String(10), nullable=False),  # DEFAULT | CUSTOM
    Column("key", Text, nullable=False),
    Column("label", Text, nullable=True),
    Column("passthrough_enabled", Boolean, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    # The start of the latest sync run page that saw the key (a key the source dropped keeps its row).
    Column("last_seen_at", UtcDateTime, nullable=False),
    Index(None, "integration_id", "pk"),
    # What every page of the four models' listings reads: the integration's passed-through fields.
    Index(None, "integration_id", "model", "passthrough_enabled"),
)


# Write actions (actions/service.py): one row per action request, kept as its audit record (who --
# the API key's prefix --, what, which integration and record, outcome, duration; never the request
# body or a candidate's data) and, when the request named an `Idempotency-Key`, as what a repeat of it
# answers: the response, once the action is done. A key is unique per environment.
actions = Table(
    "actions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False),
    Column("api_key_prefix", String(12), nullable=False),
    Column("action", String(60), nullable=False),  # Kombo's action id (ats_create_application, ...)
    Column("target_id", Text, nullable=True),  # the record acted on, as the request named it
    Column("idempotency_key", String(255), nullable=True),
    # sha256 of (action, path, canonical JSON body): a key reused for another request is refused.
    Column("request_hash", String(64), nullable=False),
    Column("state", String(20), nullable=False),  # PENDING | SUCCEEDED | FAILED | UNKNOWN
    Column("status_code", Integer, nullable=True),
    Column("error_code", String(60), nullable=True),
    Column("response", Text, nullable=True),  # the response body sent (JSON), for idempotent repeats
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("duration_ms", Integer, nullable=True),
    Index(None, "environment_id", "idempotency_key", unique=True),
    Index(None, "integration_id", "created_at"),
)


# The change outbox (store/changes.py): what each committed write transaction changed, one row per
# (integration, model), written in that transaction. `seq` is allocated under a lock held to the
# commit, so it grows in commit order: a reader that saw `seq` N has seen every change before it.
# It feeds `data-changed` webhooks and the change feed (GET /v1/changes). AUTOINCREMENT on SQLite:
# a seq is never reused, even after the newest rows are pruned.
changes = Table(
    "changes",
    metadata,
    Column("seq", RowKey, primary_key=True, autoincrement=True),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(40), nullable=False),
    # JSON lists of record ids: inserted or changed (own fields, links, or -- by Kombo's nested-change
    # rules -- related records: what `updated_after` would return again), and newly deleted.
    Column("changed_ids", Text, nullable=False),
    Column("deleted_ids", Text, nullable=False),
    # Whether the model's connections changed (a record with links added, removed or relinked):
    # data-changed then names the model's `ats_join_*` connections too.
    Column("joins_changed", Boolean, nullable=False),
    Column("committed_at", UtcDateTime, nullable=False),
    Index(None, "integration_id", "seq"),
    sqlite_autoincrement=True,
)

# Named positions in the outbox: how far `data-changed` has been announced ("data-changed").
change_cursors = Table(
    "change_cursors",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

# Outgoing webhooks (Kombo's, signed X-Kombo-Signature): where an environment wants events sent.
webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False),  # JSON list of Kombo's event types
    Column("enabled", Boolean, nullable=False),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # --- webhook delivery: failed attempts in a row and since when (reset by a success); past the
    # settings' bounds the subscription is disabled (store/webhooks.py) ---
    Column("consecutive_failures", Integer, nullable=False, default=0, server_default="0"),
    Column("failing_since", UtcDateTime, nullable=True),
)

# An event, as the exact JSON body every delivery of it sends (and signs).
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(60), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),  # retention (store/webhooks.prune)
)

# One event to one subscription: delivered at least once, retried with backoff until it is or gives up.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("event_id", ID, ForeignKey("webhook_events.id", ondelete="CASCADE"), nullable=False, index=True),
    Column(
        "subscription_id", ID, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("state", String(20), nullable=False),  # PENDING | SUCCEEDED | FAILED
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=True),  # when PENDING: not before
    Column("created_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    # --- webhook delivery: the token of the worker's claim; while claimed, next_attempt_at is the end
    # of the lease (a claim whose worker died runs out and the delivery is claimed again) ---
    Column("claim", ID, nullable=True),
    Index(None, "state", "next_attempt_at"),
    Index(None, "finished_at"),  # retention: the ended deliveries to prune (store/webhooks.prune)
)

# Every attempt of a delivery: what the receiver answered (a short excerpt), or why there was no answer.
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("pk", RowKey, primary_key=True, autoincrement=True),
    Column("delivery_id", ID, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("attempted_at", UtcDateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("latency_ms", Integer, nullable=False),
    Column("response_excerpt", Text, nullable=True),
    Column("error", Text, nullable=True),
)

# Kombo's "issues": a problem HireBridge observed (a webhook subscription that keeps failing...),
# OPEN until resolved; raising and resolving one fires `issue-status-changed`. At most one OPEN issue
# per (environment, type, subject).
issues = Table(
    "issues",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True),
    Column("type", String(80), nullable=False),  # e.g. webhooks.subscription_disabled
    Column("subject", Text, nullable=False),  # what it is about (a subscription id...)
    Column("title", Text, nullable=False),
    Column("status", String(10), nullable=False),  # OPEN | RESOLVED
    Column("markdown_message", Text, nullable=False),
    Column("first_observed_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
    Index(None, "environment_id", "type", "subject"),
)


# Kombo Connect (store/connect.py): a link an API user hands to its customer, who connects a tool with
# it (the hosted page, api/connect_page.py). Tokens are stored as sha256 hashes only. A link is used
# once; `relink_integration_id` makes it a reconnection (new credentials for that integration). When
# the flow completes, `integration_id` is the integration and the activation token (handed to the
# customer's browser, exchanged by the API user's backend at GET /connect/integration-by-token) is set.
connect_links = Table(
    "connect_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("link_type", String(20), nullable=False),  # EMBEDDED | MAGIC_LINK
    Column("language", String(5), nullable=False),
    Column("integration_tool", String(40), nullable=True),  # the tool chosen for the customer, if any
    Column("end_user_email", Text, nullable=True),
    Column("end_user_organization_name", Text, nullable=False),
    Column("end_user_origin_id", Text, nullable=True),
    Column(
        "relink_integration_id",
        INTEGRATION_ID,
        ForeignKey("integrations.id", ondelete="CASCADE"),
        nullable=True,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), nullable=True),
    Column("activation_token_hash", String(64), nullable=True, unique=True),
    Column("activation_expires_at", UtcDateTime, nullable=True),
)


# Operators of the dashboard (store/admins.py): created with `hirebridge admins create`; passwords as
# scrypt hashes. A session is a random token (stored hashed) with its CSRF token, expiring.
admins = Table(
    "admins",
    metadata,
    Column("id", ID, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("admin_id", ID, ForeignKey("admins.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# API requests answered with an error (store/request_log.py), for the dashboard's page that an error
# envelope's `log_url` points at. Never a body or a header value but the API key's first characters.
request_errors = Table(
    "request_errors",
    metadata,
    Column("id", ID, primary_key=True),
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("method", String(10), nullable=False),
    Column("path", Text, nullable=False),
    Column("query", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("code", String(60), nullable=True),
    Column("message", Text, nullable=False),
    Column("integration_id", Text, nullable=True),  # the X-Integration-Id sent, as sent
    Column("api_key_prefix", String(12), nullable=True),
)

# Kombo's custom fields (store/custom_fields.py): keys an environment defines for a model's records'
# `custom_fields`, and per integration which integration field fills each (PUT .../custom-fields/{id}).
custom_fields = Table(
    "custom_fields",
    metadata,
    Column("id", ID, primary_key=True),
    Column("environment_id", ID, ForeignKey("environments.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(40), nullable=False),  # one of model/integration_fields.INTEGRATION_FIELD_MODELS
    Column("key", String(200), nullable=False),
    Column("label", Text, nullable=True),
    Column("description", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "environment_id", "model", "key", unique=True),
)

custom_field_mappings = Table(
    "custom_field_mappings",
    metadata,
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), primary_key=True),
    Column("custom_field_id", ID, ForeignKey("custom_fields.id", ondelete="CASCADE"), primary_key=True),
    Column("integration_field_id", ID, nullable=False),  # an integration_fields.id of that integration
)

# --- upstream webhooks (store/upstream.py) -------------------------------------------------------
# Records a vendor's webhook said changed, waiting for the targeted refresh (jobs/upstream.py) to
# fetch them: one row per (integration, model, remote id), so many events for one record before the
# refresh runs are one fetch. `version` grows with every event for the row: the refresh deletes a
# row only at the version it fetched, so an event that arrives during the fetch is fetched again.
upstream_refreshes = Table(
    "upstream_refreshes",
    metadata,
    Column("integration_id", INTEGRATION_ID, ForeignKey("integrations.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(40), primary_key=True),
    Column("remote_id", String(255), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),  # the first event's arrival since the last fetch
)
# --- end of upstream webhooks ---------------------------------------------------------------------


def synced_table(name: str, *extra: Column[object]) -> Table:
    table = Table(
        name,
        metadata,
        Column("pk", RowKey, primary_key=True, autoincrement=True),
        Column("id", ID, nullable=False, unique=True),
        Column(
            "integration_id",
            INTEGRATION_ID,
            ForeignKey("integrations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        Column("remote_id", Text, nullable=True),
        # The record's own fields, wire-formatted JSON (ids resolved, datetimes as ...sssZ).
        Column("data", Text, nullable=False),
        # Lists of references that are not own fields (a candidate's tag ids): JSON object.
        Column("links", Text, nullable=False),
        Column("remote_data", Text, nullable=True),
        # Hash of `data` alone (moves changed_at) and of everything stored (decides whether to write).
        Column("content_hash", String(32), nullable=False),
        Column("row_hash", String(32), nullable=False),
        # changed_at: own fields changed. updated_at: own fields, links or nested records changed
        # (per Kombo's nested-change rules) -- what `updated_after` filters on.
        Column("changed_at", UtcDateTime, nullable=False),
        Column("updated_at", UtcDateTime, nullable=False),
        Column("remote_deleted_at", UtcDateTime, nullable=True),
        Column("remote_created_at", UtcDateTime, nullable=True),
        # The last sync run that saw the record in the source: a completed FULL run marks the rest deleted.
        Column("seen_run_id", ID, nullable=True),
        *extra,
    )
    Index(None, table.c.integration_id, table.c.pk)
    Index(None, table.c.integration_id, table.c.remote_id)
    # `updated_after` walks page in (updated_at, pk) order along this index (api/listing.py).
    Index(None, table.c.integration_id, table.c.updated_at, table.c.pk)
    return table


# The record as documents embed it (model/documents.py EMBEDDED_FIELDS), JSON, written with the record.
EMBED = "embed"


def embed_column() -> Column[object]:
    return Column(EMBED, Text, nullable=True)


roles = synced_table("roles", Column("scope", String(10), nullable=True))
tags = synced_table("tags")
users = synced_table("users", Column("email", Text, nullable=True))
rejection_reasons = synced_table("rejection_reasons")
jobs = synced_table(
    "jobs",
    Column("name", Text, nullable=True),
    Column("job_code", Text, nullable=True),
    Column("post_url", Text, nullable=True),
    Column("status", Text, nullable=True),
    Column("employment_type", Text, nullable=True),
    Column("visibility", Text, nullable=True),
    embed_column(),
)
application_stages = synced_table("application_stages", Column("job_id", ID, nullable=True, index=True), embed_column())
job_postings = synced_table("job_postings", Column("job_id", ID, nullable=True, index=True))
screening_questions = synced_table("screening_questions", Column("job_id", ID, nullable=True, index=True))
candidates = synced_table(
    "candidates",
    Column("first_name", Text, nullable=True),
    Column("last_name", Text, nullable=True),
    # first_name, last_name: case-folded copies (search keys of the case-insensitive filters);
    # emails: " a@example.com b@example.org ", folded addresses between spaces, for the `email` filter.
    Column("emails", Text, nullable=True),
    embed_column(),
)
applications = synced_table(
    "applications",
    Column("candidate_id", ID, nullable=True, index=True),
    Column("job_id", ID, nullable=True),
    Column("current_stage_id", ID, nullable=True),
    Column("outcome", String(10), nullable=True),
    # The served JSON of the record with its embeds (model/documents.py); NULL = stale, rendered live.
    Column("doc", Text, nullable=True),
)
Index(None, applications.c.integration_id, applications.c.job_id)
Index(None, applications.c.integration_id, applications.c.current_stage_id)
interviews = synced_table(
    "interviews",
    Column("application_id", ID, nullable=True, index=True),
    Column("stage_id", ID, nullable=True),
    embed_column(),
)
offers = synced_table("offers", Column("application_id", ID, nullable=True, index=True), embed_column())
notes = synced_table(
    "notes",
    Column("candidate_id", ID, nullable=True, index=True),
    Column("application_id", ID, nullable=True, index=True),
)
scorecards = synced_table(
    "scorecards",
    Column("candidate_id", ID, nullable=True, index=True),
    Column("application_id", ID, nullable=True, index=True),
    Column("interview_id", ID, nullable=True),
)
attachments = synced_table(
    "attachments",
    Column("candidate_id", ID, nullable=True, index=True),
    Column("application_id", ID, nullable=True, index=True),
)
# The bytes of attachments, fetched by the sync engine (Kombo copies files before the row appears;
# HireBridge keeps them here and serves them from the on-demand attachment endpoints).
attachment_contents = Table(
    "attachment_contents",
    metadata,
    Column("attachment_id", ID, primary_key=True),
    Column(
        "integration_id",
        INTEGRATION_ID,
        ForeignKey("integrations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The attachment's content_hash when fetched: a changed attachment is fetched again.
    Column("content_hash", String(32), nullable=False),
    Column("content_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

SYNCED_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        roles,
        tags,
        users,
        rejection_reasons,
        jobs,
        application_stages,
        job_postings,
        screening_questions,
        candidates,
        applications,
        interviews,
        offers,
        notes,
        scorecards,
        attachments,
    )
}
