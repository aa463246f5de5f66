"""`POST /v1/passthrough/{tool}/{api}` over real HTTP: the official SDK (or httpx, for the error
paths) against the real server, the request going to an emulator or a scripted source with the
integration's stored credentials and shared rate limiter; every answer checked against Kombo's
OpenAPI document."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from hirebridge.connectors.framework.auth import BasicKeyAuth
from hirebridge.connectors.framework.http import RetryPolicy, SourceClient
from hirebridge.store import tenancy
from hirebridge.store.db import read_tx, write_tx
from tests.conftest import Server, create_sandbox, make_tenant
from tests.contract import validate
from tests.emulators.echo import Echo
from tests.emulators.greenhouse import GreenhouseEmulator
from tests.emulators.lever import LeverEmulator
from tests.emulators.scripted import Reply, Script, serve
from tests.support import World, sdk_client
from tests.tool_worlds import KEY, config_for

PATH = "/passthrough/{tool}/{api}"


def _world(engine: Engine, server: Server, tool: str, base_url: str, **settings: Any) -> World:
    tenant = make_tenant(engine)
    config = {**config_for(tool, base_url), **settings}
    with write_tx(engine) as conn:
        integration_id = tenancy.create_integration(conn, tenant.environment, tool, config).id
    return World(server, tenant, integration_id)


def _post(world: World, body: Any, tool: str = "lever", api: str = "v1", **headers: str) -> httpx.Response:
    return httpx.post(
        f"{world.server.base_url}/passthrough/{tool}/{api}", json=body, headers=headers or world.headers(), timeout=30
    )


def _ok(response: httpx.Response) -> dict[str, Any]:
    """The passthrough's `data` of a successful answer, validated against the contract."""
    assert response.status_code == 200, response.text
    body = response.json()
    validate(PATH, body, method="post")
    data: dict[str, Any] = body["data"]
    return data


def _refused(response: httpx.Response, status: int, code: str, mentions: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    validate(PATH, body, status=status, method="post")
    assert body["error"]["code"] == code
    assert mentions in body["error"]["message"]


@contextmanager
def _scripted(*replies: Reply) -> Iterator[tuple[Script, str]]:
    script = Script().then(*replies)
    with serve(script) as url:
        yield script, url


def test_get_passes_through_with_params_and_the_source_body(engine: Engine, server: Server) -> None:
    lever = LeverEmulator(seed=3, opportunities=5, api_key=KEY, rate=None)
    with lever.running() as url:
        world = _world(engine, server, "lever", url)
        answer = sdk_client(world).general.send_passthrough_request(
            tool="lever", api="v1", method="GET", path="/opportunities", params={"limit": "2"}
        )
        data = _ok(_post(world, {"method": "GET", "path": "opportunities?limit=2"}))
    assert answer.warnings == []
    assert answer.data.status == 200
    assert answer.data.url == f"{url}/opportunities?limit=2"
    assert isinstance(answer.data.data, dict)
    assert len(answer.data.data["data"]) == 2 and answer.data.data["hasNext"] is True
    assert answer.data.headers["content-type"] == "application/json"
    # The query of the path and `params` arrive alike, and the answer is the source's own.
    assert [r.query for r in lever.requests_to("/opportunities")] == [{"limit": "2"}, {"limit": "2"}]
    assert data["data"] == answer.data.data


def test_greenhouse_passthrough_uses_the_oauth_token(engine: Engine, server: Server) -> None:
    greenhouse = GreenhouseEmulator(seed=3, applications=3, client_secret=KEY, rate_limit=None)
    with greenhouse.running() as url:
        world = _world(engine, server, "greenhouse", url)
        body = {"method": "GET", "path": "/jobs", "params": {"per_page": "1"}}
        data = _ok(_post(world, body, "greenhouse", "harvestv3"))
    assert data["status"] == 200
    assert data["url"] == f"{url}/v3/jobs?per_page=1"
    assert isinstance(data["data"], list) and len(data["data"]) == 1


def test_writes_are_forwarded_once_and_source_errors_come_back_as_data(engine: Engine, server: Server) -> None:
    replies = (
        Reply(201, {"id": "note-1"}),
        Reply(404, {"code": "ResourceNotFound", "message": "opportunity x was not found"}),
        Reply(422, {"errors": [{"message": "value is required"}]}),
        Reply(503, {"message": "try later"}),  # a POST: may have taken effect, so not repeated
        Reply(503, {"message": "try later"}),  # a GET: repeated
        Reply(200, {"data": []}),
    )
    with _scripted(*replies) as (script, url):
        world = _world(engine, server, "lever", url, retry_base_delay=0.01)
        sdk = sdk_client(world)
        created = sdk.general.send_passthrough_request(
            tool="lever", api="v1", method="POST", path="/opportunities/o1/notes", data={"value": "Strong"}
        )
        missing = _ok(_post(world, {"method": "GET", "path": "/opportunities/x"}))
        invalid = _ok(_post(world, {"method": "PATCH", "path": "/opportunities/o1", "data": {"value": None}}))
        busy = _ok(_post(world, {"method": "POST", "path": "/opportunities/o1/notes", "data": {"value": "x"}}))
        retried = _ok(_post(world, {"method": "GET", "path": "/opportunities"}))
    assert created.data.status == 201 and created.data.data == {"id": "note-1"}
    assert (missing["status"], missing["data"]["code"]) == (404, "ResourceNotFound")
    assert (invalid["status"], invalid["data"]) == (422, {"errors": [{"message": "value is required"}]})
    assert (busy["status"], retried["status"]) == (503, 200)
    sent = [(s["method"], s["path"], s["json"]) for s in script.seen]
    assert sent == [
        ("POST", "/opportunities/o1/notes", {"value": "Strong"}),
        ("GET", "/opportunities/x", None),
        ("PATCH", "/opportunities/o1", {"value": None}),
        ("POST", "/opportunities/o1/notes", {"value": "x"}),
        ("GET", "/opportunities", None),
        ("GET", "/opportunities", None),
    ]
    expected = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert {s["authorization"] for s in script.seen} == {expected}


def test_a_source_401_or_403_is_data_and_leaves_the_integration_valid(engine: Engine, server: Server) -> None:
    replies = (Reply(401, {"message": "Unauthorized"}), Reply(403, {"message": "Forbidden"}))
    with _scripted(*replies) as (_script, url):
        world = _world(engine, server, "lever", url)
        unauthorized = _ok(_post(world, {"method": "GET", "path": "/audit_events"}))
        forbidden = _ok(_post(world, {"method": "DELETE", "path": "/users/u1"}))
    assert (unauthorized["status"], forbidden["status"]) == (401, 403)
    assert forbidden["data"] == {"message": "Forbidden"}
    with read_tx(engine) as conn:
        integration = tenancy.get_integration(conn, world.integration_id)
    assert integration is not None and integration.credentials_invalid_at is None
    details = httpx.get(f"{server.base_url}/integrations/{world.integration_id}", headers=world.headers())
    assert details.json()["data"]["status"] == "ACTIVE"


def test_requests_outside_the_tools_api_are_refused_before_anything_is_sent(engine: Engine, server: Server) -> None:
    with _scripted() as (evil, evil_url), _scripted() as (source, source_url):
        world = _world(engine, server, "lever", f"{source_url}/v1")
        port = evil_url.rsplit(":", 1)[1]
        for path in (
            f"{evil_url}/steal",
            f"//127.0.0.1:{port}/steal",
            f"HTTP://127.0.0.1:{port}/steal",
            "../../steal",
            "/opportunities/../../steal",
            "%2e%2e/%2e%2e/steal",
            "%252e%252e/steal",
            "..\\..\\steal",
            "opportunities\r\nHost: evil",
            "opportunities#x",
            "",
        ):
            _refused(_post(world, {"method": "GET", "path": path}), 400, "PLATFORM.INPUT_INVALID", "'path'")
        for body, field in (
            ({"method": "HEAD", "path": "/opportunities"}, "'method'"),
            ({"method": "get", "path": "/opportunities"}, "'method'"),
            ({"method": "GET"}, "'path'"),
            ({"method": "GET", "path": "/x", "headers": {"Authorization": "Basic eA=="}}, "'Authorization'"),
            ({"method": "GET", "path": "/x", "headers": {"Host": f"127.0.0.1:{port}"}}, "'Host'"),
            ({"method": "GET", "path": "/x", "params": {"limit": 2}}, "'params.limit'"),
            ({"method": "POST", "path": "/x", "data": 3}, "'data'"),
            ({"method": "GET", "path": "/x", "api_options": {"region": "eu"}}, "'api_options.region'"),
            ({"method": "GET", "path": "/x", "url": evil_url}, "'url'"),
        ):
            _refused(_post(world, body), 400, "PLATFORM.INPUT_INVALID", field)
        assert evil.seen == [] and source.seen == []


def test_the_tool_and_api_must_be_the_integrations(engine: Engine, server: Server) -> None:
    with _scripted() as (source, url):
        world = _world(engine, server, "lever", url)
        body = {"method": "GET", "path": "/opportunities"}
        _refused(_post(world, body, "greenhouse", "harvestv3"), 400, "PLATFORM.INPUT_INVALID", "lever integration")
        _refused(_post(world, body, "lever", "v2"), 400, "PLATFORM.INPUT_INVALID", "available: v1")
        sandbox = World(server, world.tenant, create_sandbox(engine, world.tenant, applications=1))
        _refused(_post(sandbox, body, "sandbox", "v1"), 400, "PLATFORM.INPUT_INVALID", "no API")
    assert source.seen == []


def test_only_the_callers_environment_reaches_an_integration(engine: Engine, server: Server) -> None:
    with _scripted() as (source, url):
        world = _world(engine, server, "lever", url)
        other = make_tenant(engine, "other")
        body = {"method": "GET", "path": "/opportunities"}
        stranger = {"Authorization": f"Bearer {other.api_key}", "X-Integration-Id": world.integration_id}
        _refused(_post(world, body, **stranger), 404, "PLATFORM.INTEGRATION_NOT_FOUND", world.integration_id)
        nobody = {"Authorization": "Bearer not-a-key", "X-Integration-Id": world.integration_id}
        _refused(_post(world, body, **nobody), 401, "PLATFORM.AUTHENTICATION_INVALID", "API key")
        with write_tx(engine) as conn:
            tenancy.set_enabled(conn, world.integration_id, False)
        disabled = _post(world, body)
        assert disabled.status_code == 403 and disabled.json()["error"]["code"] == "INTEGRATION.INACTIVE"
    assert source.seen == []


@pytest.mark.serial  # the exact meter judges arrival times (`make pytest`)
def test_passthrough_requests_go_through_the_integrations_rate_limiter(engine: Engine, server: Server) -> None:
    # The emulator meters Lever's documented bucket exactly; the integration is configured with the
    # same limit, so only a request that skipped the limiter can be a violation.
    lever = LeverEmulator(seed=3, opportunities=2, api_key=KEY, rate=4, burst=2)
    with lever.running() as url:
        world = _world(engine, server, "lever", url, requests_per_second=4, burst=2)
        statuses = [_ok(_post(world, {"method": "GET", "path": "/users"}))["status"] for _ in range(6)]
    assert statuses == [200] * 6
    assert len(lever.requests_to("/users")) == 6
    assert lever.violations == 0


def test_credentials_never_come_back(engine: Engine, server: Server) -> None:
    echo = Echo(200)  # answers with the request's headers, the Authorization header included
    basic = base64.b64encode(f"{KEY}:".encode()).decode()
    leaky = Reply(200, {"ok": True}, headers={"Set-Cookie": "session=s3cr3t", "X-Echo": f"Basic {basic}", "X-Key": KEY})
    with echo.running() as echo_url, _scripted(leaky) as (_script, leaky_url):
        echoed = _post(_world(engine, server, "lever", echo_url), {"method": "GET", "path": "/me"})
        headers = _post(_world(engine, server, "lever", leaky_url), {"method": "GET", "path": f"/me?api_key={KEY}"})
    assert echo.seen and echo.seen[0]["authorization"] == f"Basic {basic}"  # it was sent...
    for response in (echoed, headers):
        data = _ok(response)
        assert KEY not in response.text and basic not in response.text  # ...and never returned
        assert "set-cookie" not in data["headers"]
    assert _ok(echoed)["data"]["headers"]["authorization"] == "[redacted]"
    leaked = _ok(headers)
    assert (leaked["headers"]["x-echo"], leaked["headers"]["x-key"]) == ("[redacted]", "[redacted]")
    assert "api_key=***" in leaked["url"]


@pytest.mark.parametrize("as_base64", [False, True])
def test_text_and_binary_answers(engine: Engine, server: Server, as_base64: bool) -> None:
    with _scripted(Reply(200, raw=b"%PDF-1.4 not json", headers={"Content-Type": "application/pdf"})) as (_s, url):
        world = _world(engine, server, "lever", url)
        data = _ok(_post(world, {"method": "GET", "path": "/file", "response_as_base64": as_base64}))
    expected = base64.b64encode(b"%PDF-1.4 not json").decode() if as_base64 else "%PDF-1.4 not json"
    assert data["data"] == expected


def _send_raw(url: str, method: str, sleeps: list[float]) -> tuple[int, int]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def send() -> tuple[int, int]:
        client = SourceClient(url, BasicKeyAuth(KEY), tool="test", retry=RetryPolicy(attempts=3), sleep=sleep)
        try:
            response = await client.send_raw(method, "/things")
            return response.status_code, client.requests_sent
        finally:
            await client.aclose()

    return asyncio.run(send())


@pytest.mark.parametrize(
    ("method", "replies", "expected"),
    [
        ("GET", [Reply(401), Reply(403)], (401, 1)),  # returned, not CredentialsInvalid
        ("GET", [Reply(503), Reply(503), Reply(503)], (503, 3)),  # retried, then the last answer
        ("GET", [Reply(503), Reply(200)], (200, 2)),
        ("POST", [Reply(503), Reply(200)], (503, 1)),  # may have taken effect: never repeated
        ("POST", [Reply(429), Reply(201)], (201, 2)),  # refused unread: repeated
    ],
)
def test_send_raw_returns_any_status_with_the_usual_retries(
    method: str, replies: list[Reply], expected: tuple[int, int]
) -> None:
    sleeps: list[float] = []
    with _scripted(*replies) as (script, url):
        assert _send_raw(url, method, sleeps) == expected
    assert len(script.seen) == expected[1] and len(sleeps) == expected[1] - 1
