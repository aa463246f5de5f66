"""Attachment contents are stored a page at a time: one call stores many, the last one of an id wins,
and a stored content is replaced, not duplicated."""

from __future__ import annotations

from sqlalchemy import Engine, select

from hirebridge.store import records as record_store
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.tables import attachment_contents
from tests.conftest import create_sandbox, make_tenant


def test_attachment_contents_are_stored_and_replaced_a_page_at_a_time(engine: Engine) -> None:
    integration_id = create_sandbox(engine, make_tenant(engine))
    with write_tx(engine) as conn:
        record_store.store_attachment_content(conn, integration_id, "a1", "h-old", b"old", "text/plain")
        record_store.store_attachment_contents(
            conn,
            integration_id,
            [
                ("a1", "h1", b"one", "application/pdf"),
                ("a2", "h2", b"two", "text/plain"),
                ("a2", "h2b", b"two again", "text/plain"),  # the last one of an id wins
            ],
        )
        record_store.store_attachment_contents(conn, integration_id, [])
    with read_tx(engine) as conn:
        stored = {
            r.attachment_id: (r.integration_id, r.content_hash, bytes(r.content), r.content_type)
            for r in conn.execute(select(attachment_contents))
        }
    assert stored == {
        "a1": (integration_id, "h1", b"one", "application/pdf"),
        "a2": (integration_id, "h2b", b"two again", "text/plain"),
    }
