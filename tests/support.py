"""A synced sandbox behind a real server, and helpers to read it like a client does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from kombo import Kombo
from sqlalchemy import Engine, select

from hirebridge.api.app import LISTINGS
from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from hirebridge.store.sync_runs import SyncState
from hirebridge.store.tables import SYNCED_TABLES
from hirebridge.sync.engine import SyncEngine
from tests.conftest import Server, Tenant, create_sandbox, make_tenant
from tests.contract import validate, validate_sdk


@dataclass(frozen=True)
class World:
    server: Server
    tenant: Tenant
    integration_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tenant.api_key}", "X-Integration-Id": self.integration_id, **extra}

    def get(self, path: str, params: dict[str, Any] | None = None, /, **headers: str) -> httpx.Response:
        """GET `path` with `params`; keyword arguments are the request's headers (default: ours)."""
        return httpx.get(f"{self.server.base_url}{path}", params=params, headers=headers or self.headers())

    def walk(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every result of a (filtered) listing, page by page, each body validated against the contract."""
        results: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {"page_size": 50, **params, **({"cursor": cursor} if cursor else {})}
            response = self.get(path, query)
            assert response.status_code == 200, response.text
            body = response.json()
            validate_sdk(path, body) if path in SDK_ONLY else validate(path, body)
            results.extend(body["data"]["results"])
            cursor = body["data"]["next"]
            if cursor is None:
                return results


# model -> its listing's path, from the app's own routing table.
API_PATHS: dict[str, str] = {listing.model: f"/ats/{path}" for path, listing in LISTINGS.items()}

# Endpoints newer than Kombo's OpenAPI snapshot: validated against the official SDK's models instead.
SDK_ONLY = {"/ats/notes", "/ats/scorecards", "/ats/attachments"}


def synced_world(engine: Engine, server: Server, applications: int) -> World:
    """A tenant with a sandbox integration of `applications` applications, after its first sync."""
    tenant = make_tenant(engine)
    integration_id = create_sandbox(engine, tenant, applications=applications)
    assert SyncEngine(engine).run(integration_id).state == SyncState.SUCCEEDED
    return World(server, tenant, integration_id)


def sdk_client(world: World, base_url: str | None = None) -> Kombo:
    """The official Kombo SDK pointed at HireBridge."""
    return Kombo(
        api_key=world.tenant.api_key, integration_id=world.integration_id, server_url=base_url or world.server.base_url
    )


def advance(engine: Engine, integration_id: str, steps: int = 1) -> None:
    """`hirebridge sandbox advance`, in-process."""
    with write_tx(engine) as conn:
        integration = tenancy.get_integration(conn, integration_id)
        assert integration is not None
        config = {**integration.config, "step": integration.config["step"] + steps}
        tenancy.update_integration_config(conn, integration_id, config)


def stored(engine: Engine, model: str, integration_id: str) -> dict[str, Any]:
    """id -> stored row of every record of `model` (deleted ones too)."""
    table = SYNCED_TABLES[model]
    with read_tx(engine) as conn:
        return {r.id: r for r in conn.execute(select(table).where(table.c.integration_id == integration_id))}
