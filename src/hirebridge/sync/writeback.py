"""The sync engine's write path for records that did not come from a sync run: what a write action
created or changed at the source (actions/service.py).

The records go through exactly what a sync page goes through -- `normalize`, `diff.write_page`
(content hashes, `changed_at`, nested-change propagation, cleared served documents), integration
field discovery -- in the caller's transaction, so a record written back is stored as the next sync
will read it and that sync finds nothing new.

One thing differs: a record needs a run that "saw" it (`seen_run_id`), or the next FULL run's
deletion sweep would judge it. A write-back marks its records seen by the run holding the
integration's lease when there is one: a FULL run that listed past the new record before it existed
must not delete it at its end (the record does exist at the source). With no run going, a fresh id
stands in; the next FULL run marks the record seen again, or deleted if the source lost it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from hirebridge import ids
from hirebridge.model.records import Record
from hirebridge.serving.documents import render_cleared
from hirebridge.store import records as record_store
from hirebridge.store import sync_runs
from hirebridge.sync import diff
from hirebridge.sync.integration_fields import FieldDiscovery
from hirebridge.sync.normalize import normalize


def write_back(
    conn: Connection,
    integration_id: str,
    records: Sequence[Record],
    now: datetime,
    deleted: Sequence[tuple[str, str]] = (),
) -> None:
    """Store `records` (referenced records first) and mark `deleted` (model, remote id) deleted, in
    `conn`'s transaction."""
    holder, expires = sync_runs.lease_holder(conn, integration_id)
    run_id = holder if holder is not None and expires is not None and expires > now else ids.random_id()
    fields = FieldDiscovery(integration_id)
    # Model by model, in the order given, so a reference is stored before what refers to it.
    groups: list[tuple[str, list[Record]]] = []
    for record in records:
        if groups and groups[-1][0] == record.MODEL:
            groups[-1][1].append(record)
        else:
            groups.append((record.MODEL, [record]))
    for model, group in groups:
        rows = [normalize(integration_id, record) for record in group]
        diff.write_page(conn, model, integration_id, run_id, rows, now)
        fields.record(conn, model, group, now)
    for model, remote_id in deleted:
        record_store.mark_deleted(conn, model, integration_id, [ids.record_id(integration_id, model, remote_id)], now)
    render_cleared(conn)
