"""`ignore_unsupported_filters`: a filter on a field the integration's tool does not provide (its
connector's declared coverage) matches nothing by default, and is ignored with `true` -- Kombo's
documented semantics. Filters on provided fields apply either way.

Ashby provides neither a job's `post_url` (its postings have the links) nor a note's application
(its notes belong to candidates); the sandbox provides both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from hirebridge.api.app import LISTINGS
from hirebridge.connectors.registry import TOOLS
from hirebridge.model.coverage import CoverageStatus, model_fields
from tests.conftest import Server
from tests.support import sdk_client
from tests.tool_worlds import synced

POST_URL = "https://jobs.example/some-posting"


def ids(results: Iterable[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in results}


def test_every_filter_names_a_field_of_its_model() -> None:
    for listing in LISTINGS.values():
        for flt in listing.filters:
            assert flt.field is None or flt.field in model_fields(listing.model), (listing.model, flt.name)


def test_a_filter_on_a_field_the_tool_lacks_matches_nothing_unless_ignored(engine: Engine, server: Server) -> None:
    ashby = TOOLS["ashby"].coverage
    assert ashby.models["jobs"].fields["post_url"] != CoverageStatus.SUPPORTED
    assert ashby.models["notes"].fields["application_id"] != CoverageStatus.SUPPORTED
    with synced("ashby", engine, server) as world:
        jobs = world.walk("/ats/jobs")
        open_jobs = ids(j for j in jobs if j["status"] == "OPEN")
        assert jobs and open_jobs and open_jobs != ids(jobs)

        # Default (and explicit false): the filter matches nothing -- an empty page, not an error.
        assert world.walk("/ats/jobs", post_url=POST_URL) == []
        assert world.walk("/ats/jobs", post_url=POST_URL, ignore_unsupported_filters="false") == []
        # true: the filter is ignored; the others still apply.
        assert ids(world.walk("/ats/jobs", post_url=POST_URL, ignore_unsupported_filters="true")) == ids(jobs)
        both = world.walk("/ats/jobs", post_url=POST_URL, statuses="OPEN", ignore_unsupported_filters="true")
        assert ids(both) == open_jobs

        notes = world.walk("/ats/notes")
        application_id = world.walk("/ats/applications")[0]["id"]
        assert notes and world.walk("/ats/notes", application_ids=application_id) == []
        assert ids(world.walk("/ats/notes", application_ids=application_id, ignore_unsupported_filters="true")) == ids(
            notes
        )
        # An ignored filter's value is still validated.
        bad = world.get("/ats/notes", {"application_ids": "not-an-id", "ignore_unsupported_filters": "true"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
        bad = world.get("/ats/jobs", {"post_url": POST_URL, "ignore_unsupported_filters": "yes"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"

        # A filter on a field Ashby provides applies either way.
        candidate = world.walk("/ats/candidates")[0]
        email = candidate["email_addresses"][0]["email_address"]
        for ignore in ("false", "true"):
            found = world.walk("/ats/candidates", email=email, ignore_unsupported_filters=ignore)
            assert candidate["id"] in ids(found) and len(found) < len(world.walk("/ats/candidates"))

        # Through the official SDK.
        with sdk_client(world) as sdk:
            assert sdk.ats.get_jobs(post_url=POST_URL).result.data.results == []
            page = sdk.ats.get_jobs(post_url=POST_URL, ignore_unsupported_filters=True, page_size=250)
            assert {job.id for job in page.result.data.results} == ids(jobs)


def test_a_filter_on_a_field_the_tool_provides_applies_either_way(engine: Engine, server: Server) -> None:
    assert TOOLS["sandbox"].coverage.models["jobs"].fields["post_url"] == CoverageStatus.SUPPORTED
    with synced("sandbox", engine, server) as world:
        posted = next(j for j in world.walk("/ats/jobs") if j["post_url"])
        for ignore in ("false", "true"):
            assert ids(world.walk("/ats/jobs", post_url=posted["post_url"], ignore_unsupported_filters=ignore)) == {
                posted["id"]
            }
            assert world.walk("/ats/jobs", post_url=POST_URL, ignore_unsupported_filters=ignore) == []
