"""What Lever's DELTA runs ask for: opportunities and postings updated since the previous run's
*start* (never since the newest record it saw), the deletion feed since then, and the children of
the opportunities that changed. A DELTA without a previous run asks for everything.

(That a DELTA sees every change, and asks far less than a FULL, is the conformance kit's.)"""

from __future__ import annotations

import time

from sqlalchemy import Engine

from hirebridge.model import SyncKind
from hirebridge.store.sync_runs import SyncState
from tests.lever_world import lever


def test_a_delta_asks_for_what_changed_since_the_previous_runs_start(engine: Engine) -> None:
    with lever(engine, opportunities=12) as s:
        emu = s.emu
        opps = sorted(emu.opportunities)
        # A record stamped in the future: a connector that resumed from the newest record it saw
        # would ask from tomorrow and miss every change until then.
        emu.edit_opportunity(opps[0])
        emu.opportunities[opps[0]]["updatedAt"] = emu.now_ms() + 86_400_000
        started = int(time.time() * 1000)
        assert s.sync().state == SyncState.SUCCEEDED
        ended = int(time.time() * 1000)

        moved, added_to = opps[1], opps[2]
        emu.edit_opportunity(moved, stage=emu.stages()[-1]["id"])
        emu.add_child(added_to, "interviews")
        emu.delete_opportunity(opps[-1])
        emu.requests.clear()
        result = s.sync(SyncKind.DELTA)
        assert result.state == SyncState.SUCCEEDED, result.error

        listings = emu.requests_to("/opportunities") + emu.requests_to("/postings")
        since = {int(r.query["updated_at_start"]) for r in listings if "updated_at_start" in r.query}
        assert since, "no incremental listing"
        # From the previous run's start (less an overlap), never later than it ended.
        assert all(started - 3_600_000 <= t <= ended for t in since), (started, since, ended)
        # Every opportunity listing is incremental or one contact's.
        assert all("updated_at_start" in r.query or "contact_id" in r.query for r in emu.requests_to("/opportunities"))
        feed = emu.requests_to("/opportunities/deleted")
        assert len(feed) == 1 and started - 3_600_000 <= int(feed[0].query["deleted_at_start"]) <= ended
        # The changed opportunities' children were asked for.
        owners = {r.path.split("/")[3] for r in emu.requests if r.path.count("/") == 4 and "/opportunities/" in r.path}
        assert {moved, added_to} <= owners


def test_a_delta_without_a_previous_run_asks_for_everything(engine: Engine) -> None:
    with lever(engine, opportunities=6) as s:
        assert s.sync(SyncKind.DELTA).state == SyncState.SUCCEEDED
        assert s.emu.requests_to("/opportunities")
        assert all("updated_at_start" not in r.query for r in s.emu.requests_to("/opportunities"))
        assert not s.emu.requests_to("/opportunities/deleted")
