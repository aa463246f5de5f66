"""GET /v1/changes: the integration's changes in commit order, by sequence number (beyond Kombo).

`updated_after` compares timestamps, so a client has to re-read a window around its last fetch: a
page committed late with an earlier `updated_at` would otherwise be missed. The change feed has no
such window. Every committed write transaction's changes carry a `seq` from the change outbox
(store/changes.py) that grows in commit order, so a client that stores the `next` it was given and
passes it back as `after` reads every change exactly once, whatever the clocks say.

Query: `after` (a seq, default 0 = the start of the outbox; `latest` = now, returning no changes and
the position to follow from), `page_size` (1-1000, default 250). Response, in Kombo's envelope:
`{"next": <seq>, "has_more": bool, "results": [{"seq", "model", "committed_at", "changed_ids",
"deleted_ids"}]}` -- ids are the Kombo ids the read endpoints return. See docs/api.md, "Change feed".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from hirebridge.api.deps import caller_integration
from hirebridge.api.errors import input_invalid
from hirebridge.api.general import success
from hirebridge.api.listing import page_size_param
from hirebridge.store import changes
from hirebridge.store.db import read_tx
from hirebridge.timefmt import to_wire

DEFAULT_PAGE_SIZE = 250
MAX_PAGE_SIZE = 1000
LATEST = "latest"


def _after(text: str | None) -> int | None:
    """The `after` parameter: a seq, or None for `latest`."""
    if text is None:
        return 0
    if text == LATEST:
        return None
    if not text.isdigit():
        raise input_invalid(f"The parameter 'after' must be a non-negative integer or '{LATEST}', not '{text}'.")
    return int(text)


def list_changes(request: Request) -> Response:
    after = _after(request.query_params.get("after"))
    size_text = request.query_params.get("page_size")
    size = DEFAULT_PAGE_SIZE if size_text is None else page_size_param(size_text, MAX_PAGE_SIZE)
    # The head is read before the page. On PostgreSQL each statement of a transaction sees what was
    # committed when it started (READ COMMITTED), so the page may hold changes newer than the head.
    with read_tx(request.app.state.engine) as conn:
        integration = caller_integration(request, conn, request.headers.get("x-integration-id"))
        head = changes.last_seq(conn)
        pruned = changes.pruned_through(conn)
        if after is not None and after < pruned:
            raise input_invalid(
                f"The changes after {after} are no longer kept (the feed keeps them for "
                f"HIREBRIDGE_CHANGE_RETENTION_DAYS; the oldest left follow {pruned}): read the data again "
                "with the list endpoints, then follow the feed from the position `after=latest` gave you "
                "before that read."
            )
        page = [] if after is None else changes.after(conn, after, size + 1, integration.id)
    has_more = len(page) > size
    page = page[:size]
    if after is None:
        position = head
    elif has_more:
        position = page[-1].seq
    else:
        # Every change of this integration up to `head`, and up to the last one returned, was
        # committed before the page was read (seq order is commit order) and is in it: the client may
        # skip the other integrations' seqs up to there. Never backwards: an `after` from a newer
        # snapshot stays, and a change committed after `head` but returned is not returned again.
        position = max(after, head, page[-1].seq if page else 0)
    return success(
        {
            "next": position,
            "has_more": has_more,
            "results": [
                {
                    "seq": change.seq,
                    "model": change.model,
                    "committed_at": to_wire(change.committed_at),
                    "changed_ids": list(change.changed_ids),
                    "deleted_ids": list(change.deleted_ids),
                }
                for change in page
            ],
        }
    )
