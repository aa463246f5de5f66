"""Kombo's custom fields: an environment defines `tshirt`-like keys, each integration maps them to one
of its integration fields, and the records' `custom_fields` carry the mapped values -- through the
official SDK, validated against Kombo's OpenAPI, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from kombo import errors
from sqlalchemy import Engine

from hirebridge.model import SyncKind
from hirebridge.store import custom_fields
from hirebridge.store.db import write_tx
from hirebridge.sync.engine import SyncEngine
from hirebridge.timefmt import utc_now
from tests.commands import hb
from tests.conftest import Server, create_sandbox
from tests.contract import validate
from tests.support import World, sdk_client, stored, synced_world

LIST_PATH = "/integrations/{integration_id}/custom-fields"
PUT_PATH = "/integrations/{integration_id}/custom-fields/{custom_field_id}"


@pytest.fixture
def world(engine: Engine, server: Server) -> World:
    return synced_world(engine, server, applications=60)  # custom fields on ~30% of candidates


def define(engine: Engine, world: World, model: str, key: str) -> str:
    with write_tx(engine) as conn:
        return custom_fields.create(conn, world.tenant.environment.id, model, key, utc_now(), label=key.title()).id


def listed(world: World, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = world.get(
            f"/integrations/{world.integration_id}/custom-fields", {**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        validate(LIST_PATH, response.json())
        found += response.json()["data"]["results"]
        cursor = response.json()["data"]["next"]
        if cursor is None:
            return found


def integration_field(world: World, model: str, field_type: str, key: str) -> dict[str, Any]:
    fields = world.get(f"/integrations/{world.integration_id}/integration-fields", {"page_size": 2000}).json()
    [found] = [
        f for f in fields["data"]["results"] if (f["model"], f["type"], f["key"]) == (f"ats_{model}", field_type, key)
    ]
    assert isinstance(found, dict)
    return found


def test_a_mapped_custom_field_fills_the_records(engine: Engine, world: World) -> None:
    tshirt = define(engine, world, "candidates", "notice")
    [entry] = listed(world)
    assert entry == {
        "id": tshirt,
        "key": "notice",
        "integration_field": None,
        "model": "ats_candidates",
        "label": "Notice",
        "description": None,
    }
    source = integration_field(world, "candidates", "CUSTOM", "notice_period_weeks")
    with sdk_client(world) as sdk:
        mapped = sdk.general.update_custom_field_mapping(
            integration_id=world.integration_id, custom_field_id=tshirt, integration_field_id=source["id"]
        )
        assert mapped.data.integration_field is not None and mapped.data.integration_field.id == source["id"]
        candidates = {c["id"]: c for c in world.walk("/ats/candidates")}
    values = {i: c["custom_fields"].get("notice") for i, c in candidates.items()}
    assert values == {i: c["custom_fields"].get("notice_period_weeks") for i, c in candidates.items()}
    assert any(v is not None for v in values.values())
    assert all("notice" in c["custom_fields"] for c in candidates.values())  # null where the record has none

    # A DEFAULT field: the raw payload's key.
    email_key = define(engine, world, "candidates", "source_object")
    raw = integration_field(world, "candidates", "DEFAULT", "object")
    put = httpx.put(
        f"{world.server.base_url}/integrations/{world.integration_id}/custom-fields/{email_key}",
        json={"integration_field_id": raw["id"]},
        headers=world.headers(),
    )
    assert put.status_code == 200, put.text
    validate(PUT_PATH, put.json(), method="put")
    rows = stored(engine, "candidates", world.integration_id)
    for candidate in world.walk("/ats/candidates"):
        expected = orjson.loads(rows[candidate["id"]].remote_data).get("object")
        assert candidate["custom_fields"]["source_object"] == expected

    # Unmapped: the key leaves the records.
    with sdk_client(world) as sdk:
        sdk.general.update_custom_field_mapping(
            integration_id=world.integration_id, custom_field_id=tshirt, integration_field_id=None
        )
    assert all("notice" not in c["custom_fields"] for c in world.walk("/ats/candidates"))
    assert {e["id"]: e["integration_field"] for e in listed(world)}[tshirt] is None


def test_mappings_are_per_integration(engine: Engine, world: World) -> None:
    notice = define(engine, world, "candidates", "notice")
    source = integration_field(world, "candidates", "CUSTOM", "notice_period_weeks")
    with sdk_client(world) as sdk:
        sdk.general.update_custom_field_mapping(
            integration_id=world.integration_id, custom_field_id=notice, integration_field_id=source["id"]
        )
    other = create_sandbox(engine, world.tenant, applications=5)
    SyncEngine(engine).run(other, SyncKind.FULL)
    other_world = World(world.server, world.tenant, other)
    assert listed(other_world)[0]["integration_field"] is None  # the definition is shared, not the mapping
    assert all("notice" not in c["custom_fields"] for c in other_world.walk("/ats/candidates"))


def test_bad_mappings_are_refused(engine: Engine, world: World) -> None:
    notice = define(engine, world, "candidates", "notice")
    job_field = integration_field(world, "jobs", "DEFAULT", "object")

    def put(field_id: str, body: Any) -> httpx.Response:
        return httpx.put(
            f"{world.server.base_url}/integrations/{world.integration_id}/custom-fields/{field_id}",
            json=body,
            headers=world.headers(),
        )

    wrong_model = put(notice, {"integration_field_id": job_field["id"]})
    assert wrong_model.status_code == 400 and "belongs to jobs" in wrong_model.json()["error"]["message"]
    unknown_field = put(notice, {"integration_field_id": "nope"})
    assert unknown_field.status_code == 400 and "no integration field" in unknown_field.json()["error"]["message"]
    assert put(notice, {}).status_code == 400
    assert put(notice, {"integration_field_id": 3}).status_code == 400
    missing = put("no-such-custom-field", {"integration_field_id": None})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "PLATFORM.INPUT_INVALID"
    with sdk_client(world) as sdk, pytest.raises(errors.KomboGeneralError):
        sdk.general.update_custom_field_mapping(
            integration_id=world.integration_id, custom_field_id=notice, integration_field_id=job_field["id"]
        )


def test_the_listing_pages(engine: Engine, world: World) -> None:
    made = {define(engine, world, "jobs", f"k{i}") for i in range(5)}
    assert {e["id"] for e in listed(world, page_size=2)} == made
    assert world.get(f"/integrations/{world.integration_id}/custom-fields", {"cursor": "garbage"}).status_code == 400
    with write_tx(engine) as conn, pytest.raises(custom_fields.CustomFieldExists):
        custom_fields.create(conn, world.tenant.environment.id, "jobs", "k0", utc_now())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a subprocess per command: SQLite alone
def test_custom_fields_from_the_command_line(engine: Engine, database_url: str) -> None:
    made = hb(database_url, "custom-fields", "create", "--model", "jobs", "--key", "cost_center", "--json")
    field_id = orjson.loads(made.stdout)["id"]
    listed_out = hb(database_url, "custom-fields", "list")
    assert f"{field_id}\tjobs\tcost_center" in listed_out.stdout
    wrong = hb(database_url, "custom-fields", "create", "--model", "tags", "--key", "x", check=False)
    assert wrong.returncode == 2 and "custom fields are for" in wrong.stderr
    twice = hb(database_url, "custom-fields", "create", "--model", "jobs", "--key", "cost_center", check=False)
    assert twice.returncode == 2 and "already" in twice.stderr
    hb(database_url, "custom-fields", "delete", field_id)
    assert hb(database_url, "custom-fields", "list").stdout == ""
