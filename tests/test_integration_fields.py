"""Kombo's integration fields end to end: a sync discovers the keys of the source payloads (DEFAULT:
a top-level key of the vendor's record; CUSTOM: one of its custom fields), the integration-fields
endpoints list them and switch their passthrough, and the records of the field's model then carry
`integration_fields[] {id, key, type, value, label}`."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from kombo import errors
from sqlalchemy import Engine, event, select

from hirebridge.config import Settings
from hirebridge.store.db import read_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import applications
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, make_tenant
from tests.contract import validate
from tests.support import World, sdk_client, stored, synced_world
from tests.tool_worlds import synced

LIST_PATH = "/integrations/{integration_id}/integration-fields"
PATCH_PATH = "/integrations/{integration_id}/integration-fields/{integration_field_id}"


def _fields(world: World, **params: Any) -> list[dict[str, Any]]:
    """Every integration field, page by page, each body checked against Kombo's OpenAPI."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = world.get(f"/integrations/{world.integration_id}/integration-fields", query)
        assert response.status_code == 200, response.text
        body = response.json()
        validate(LIST_PATH, body)
        assert body["data"]["next_cursor"] == body["data"]["next"]
        found += body["data"]["results"]
        cursor = body["data"]["next"]
        if cursor is None:
            return found


def _patch(world: World, field_id: str, body: bytes) -> httpx.Response:
    url = f"{world.server.base_url}/integrations/{world.integration_id}/integration-fields/{field_id}"
    return httpx.patch(url, content=body, headers=world.headers())


def _one(fields: list[dict[str, Any]], model: str, field_type: str, key: str) -> dict[str, Any]:
    [field] = [f for f in fields if f["model"] == model and f["type"] == field_type and f["key"] == key]
    return field


def _served(world: World, path: str) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in world.walk(path)}


def test_greenhouse_fields_are_discovered_and_passed_through(engine: Engine, server: Server) -> None:
    with synced("greenhouse", engine, server) as world:
        fields = _fields(world, page_size=2000)
        assert {f["model"] for f in fields} == {"ats_applications", "ats_candidates", "ats_jobs", "ats_offers"}
        assert all(not f["is_passthrough_enabled"] and f["is_writable"] is False for f in fields)
        assert len({f["id"] for f in fields}) == len(fields)
        referral = _one(fields, "ats_applications", "CUSTOM", "referral_notes")
        assert referral["label"] == "Referral Notes"  # the name in Greenhouse's custom_fields entry
        salary = _one(fields, "ats_offers", "CUSTOM", "base_salary")
        first_name = _one(fields, "ats_candidates", "DEFAULT", "first_name")
        assert first_name["label"] is None
        # The payload's own `custom_fields` key is a DEFAULT field; each of its entries a CUSTOM one.
        assert _one(fields, "ats_jobs", "DEFAULT", "custom_fields")["label"] is None
        assert _one(fields, "ats_jobs", "CUSTOM", "cost_center")["label"] == "Cost Center"
        assert all(r["integration_fields"] == [] for r in _served(world, "/ats/candidates").values())

        with sdk_client(world) as sdk:
            updated = sdk.general.update_integration_field(
                integration_id=world.integration_id, integration_field_id=referral["id"], enable_passthrough=True
            )
            assert updated.data.is_passthrough_enabled is True and updated.data.id == referral["id"]
            listed = sdk.general.get_integration_fields(integration_id=world.integration_id, page_size=2000)
            assert listed is not None
            assert {f.id for f in listed.result.data.results if f.is_passthrough_enabled} == {referral["id"]}
        enabled = _patch(world, first_name["id"], b'{"enable_passthrough": true}')
        assert enabled.status_code == 200
        validate(PATCH_PATH, enabled.json(), method="patch")
        assert enabled.json()["data"] == {**first_name, "is_passthrough_enabled": True}
        assert _patch(world, salary["id"], b'{"enable_passthrough": true}').status_code == 200

        raw_applications = stored(engine, "applications", world.integration_id)
        for _ in range(2):  # served live (the switch cleared the stored documents), then stored by a sync
            served = _served(world, "/ats/applications")
            assert served and any(a["integration_fields"][0]["value"] is not None for a in served.values())
            for app_id, app in served.items():
                raw = orjson.loads(raw_applications[app_id].remote_data)
                assert app["integration_fields"] == [
                    {
                        "id": referral["id"],
                        "key": "referral_notes",
                        "type": "CUSTOM",
                        "value": raw["custom_fields"]["referral_notes"]["value"],
                        "label": "Referral Notes",
                    }
                ]
            assert SyncEngine(engine).run(world.integration_id).state == SyncState.SUCCEEDED
        with read_tx(engine) as conn:  # the sync rendered them: the last walk read stored documents
            assert None not in conn.execute(select(applications.c.doc)).scalars().all()

        raw_candidates = stored(engine, "candidates", world.integration_id)
        for cand_id, candidate in _served(world, "/ats/candidates").items():
            value = orjson.loads(raw_candidates[cand_id].remote_data)["first_name"]
            assert candidate["integration_fields"] == [
                {"id": first_name["id"], "key": "first_name", "type": "DEFAULT", "value": value, "label": None}
            ]
        offers = _served(world, "/ats/offers")
        assert offers and all(
            o["integration_fields"][0]["value"] == o["custom_fields"]["base_salary"] is not None
            for o in offers.values()
        )
        assert all(j["integration_fields"] == [] for j in _served(world, "/ats/jobs").values())

        for field in (referral, first_name, salary):
            disabled = _patch(world, field["id"], b'{"enable_passthrough": false}')
            assert disabled.status_code == 200 and disabled.json()["data"]["is_passthrough_enabled"] is False
        for path in ("/ats/applications", "/ats/candidates", "/ats/offers"):
            assert all(r["integration_fields"] == [] for r in _served(world, path).values()), path


def test_sandbox_fields_default_and_custom(engine: Engine, server: Server) -> None:
    # 60: the sandbox gives 30% of candidates custom fields, seeded by the (random) integration id; at 30
    # applications a run without any was rare but seen.
    world = synced_world(engine, server, applications=60)
    fields = _fields(world, page_size=3)  # paged: every field once
    assert len({f["id"] for f in fields}) == len(fields)
    notice = _one(fields, "ats_candidates", "CUSTOM", "notice_period_weeks")
    assert notice["label"] is None  # the sandbox names its custom fields by key only
    assert _one(fields, "ats_jobs", "DEFAULT", "object")["type"] == "DEFAULT"
    with sdk_client(world) as sdk:
        sdk.general.update_integration_field(
            integration_id=world.integration_id, integration_field_id=notice["id"], enable_passthrough=True
        )
    candidates = _served(world, "/ats/candidates")
    values = [c["integration_fields"][0]["value"] for c in candidates.values()]
    assert [c["custom_fields"].get("notice_period_weeks") for c in candidates.values()] == values
    assert any(v is not None for v in values) and None in values
    # null switches passthrough off, as false does.
    off = _patch(world, notice["id"], b'{"enable_passthrough": null}')
    assert off.status_code == 200 and off.json()["data"]["is_passthrough_enabled"] is False
    assert all(c["integration_fields"] == [] for c in _served(world, "/ats/candidates").values())


def test_unknown_fields_bad_bodies_and_other_environments(engine: Engine, server: Server) -> None:
    world = synced_world(engine, server, applications=10)
    other_world = synced_world(engine, server, applications=10)  # same environment, another integration
    field = _fields(world)[0]
    foreign = _fields(other_world)[0]
    for field_id in ("1" * 24, foreign["id"], "not-an-id"):
        response = _patch(world, field_id, b'{"enable_passthrough": true}')
        assert response.status_code == 404, field_id
        validate(PATCH_PATH, response.json(), status=404, method="patch")
        assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    for body in (b"", b"{", b"[]", b"{}", b'{"enable_passthrough": "yes"}', b'{"enable_passthrough": 1}'):
        response = _patch(world, field["id"], body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    for query in ({"page_size": "2001"}, {"page_size": "0"}, {"cursor": "nonsense!"}):
        response = world.get(f"/integrations/{world.integration_id}/integration-fields", query)
        assert response.status_code == 400 and response.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    with sdk_client(world) as sdk, pytest.raises(errors.KomboGeneralError):
        sdk.general.update_integration_field(
            integration_id=world.integration_id, integration_field_id="1" * 24, enable_passthrough=True
        )

    stranger = make_tenant(engine, "elsewhere")
    headers = {"Authorization": f"Bearer {stranger.api_key}"}
    base = f"{world.server.base_url}/integrations/{world.integration_id}/integration-fields"
    for response in (
        httpx.get(base, headers=headers),
        httpx.patch(f"{base}/{field['id']}", content=b'{"enable_passthrough": true}', headers=headers),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "PLATFORM.INTEGRATION_NOT_FOUND"
    assert not _one(_fields(world), field["model"], field["type"], field["key"])["is_passthrough_enabled"]


def test_discovery_writes_per_page_not_per_record(engine: Engine, server: Server) -> None:
    """A sync writes a model's fields with its first pages; a page whose keys the run has recorded
    already costs no statement at all."""
    world = synced_world(engine, server, applications=200)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "integration_fields" in statement:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = SyncEngine(engine, Settings(sync_page_size=20)).run(world.integration_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.state == SyncState.SUCCEEDED
    records = sum(result.stats[m]["unchanged"] for m in ("applications", "candidates", "jobs", "offers"))
    assert records > 300  # in pages of 20: dozens of pages
    # Per model: the read of which exist and the update of those seen, with its first page, and again
    # for a page that meets a key first (the sandbox gives some candidates and jobs custom fields);
    # nothing per record, nothing for a page of known keys.
    assert 0 < len(statements) <= 4 * 2 * 2, statements
