"""The SSRF guard shared by attachment downloads and webhook deliveries (hirebridge.netguard)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hirebridge import netguard
from tests.emulators.harness import serve

pytestmark = pytest.mark.fast  # numeric hosts and localhost resolve without the network


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/",
        "https://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_private_and_loopback_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(netguard.AddressRefused, match="private, loopback or reserved"):
        netguard.check(url, allow_private=False)
    netguard.check(url, allow_private=True)


def test_a_public_address_passes() -> None:
    netguard.check("https://8.8.8.8/hook", allow_private=False)


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/x", "file:///etc/passwd", "http:///nohost", "8.8.8.8"])
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(netguard.AddressRefused, match="not an http"):
        netguard.check(url, allow_private=True)


# --- the guarded client: the address checked is the address connected to --------------------------

HOST = "rebind.test"  # a name only this test's resolver answers for
PUBLIC = "93.184.215.14"  # a public address; no test connects to it for real (see Network)


def answer(address: str, port: int) -> list[Any]:
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


class Resolver:
    """getaddrinfo for HOST: the addresses the test gives, one list per lookup (DNS rebinding: a
    name whose answer changes from one lookup to the next); every other name resolves as usual."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
        self.answers = list(answers)
        self.lookups = 0
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
            if host not in (HOST, HOST.encode()):  # anyio passes the name IDNA-encoded
                return real(host, port, *args, **kwargs)
            self.lookups += 1
            return answer(self.answers.pop(0), int(port or 0))

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Network(httpcore.AsyncNetworkBackend):
    """The connections the guarded client makes: every address it is asked for is recorded; PUBLIC
    is routed to the test's receiver on loopback (nothing leaves the machine), loopback and HOST
    (asked for by name only when private addresses are allowed) are connected to as they are."""

    def __init__(self, receiver_port: int) -> None:
        self.asked: list[str] = []
        self._port = receiver_port
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.asked.append(host)
        if host == PUBLIC:
            host, port = "127.0.0.1", self._port
        elif host != HOST and not ipaddress.ip_address(host).is_loopback:  # HOST: resolved by Resolver
            raise httpcore.ConnectError(f"{host}: no route out of a test")
        return await self._real.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("no Unix sockets here")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[str]]]:
    """A local HTTP server: its port, and the Host header of every request it got."""
    hosts: list[str] = []

    async def hook(request: Request) -> Response:
        hosts.append(request.headers["host"])
        return Response("ok")

    with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as base_url:
        yield int(base_url.rsplit(":", 1)[1]), hosts


def post(url: str, allow_private: bool, network: Network) -> httpx.Response:
    async def go() -> httpx.Response:
        async with netguard.guarded_client(allow_private, network=network, timeout=5) as client:
            return await client.post(url, content=b"{}")

    return asyncio.run(go())


def test_a_name_rebound_to_a_private_address_after_the_check_is_refused_when_connecting(
    monkeypatch: pytest.MonkeyPatch, receiver: tuple[int, list[str]]
) -> None:
    """The name passes the check made when the URL is registered (a public answer), then answers
    loopback: the connection's own lookup is judged, and nothing reaches the machine's services."""
    port, hosts = receiver
    resolver = Resolver(monkeypatch, PUBLIC, "127.0.0.1")
    url = f"http://{HOST}:{port}/hook"
    netguard.check(url, allow_private=False)
    network = Network(port)
    with pytest.raises(netguard.AddressRefused, match=f"{HOST} resolves to a private"):
        post(url, False, network)
    assert network.asked == [] and hosts == []
    assert resolver.lookups == 2  # the registration's and the connection's: no third one to fool


def test_the_guarded_client_connects_to_the_address_it_checked(
    monkeypatch: pytest.MonkeyPatch, receiver: tuple[int, list[str]]
) -> None:
    """One lookup per connection, and the connection is made to what it answered (the name still
    goes in the Host header, and to TLS): a second lookup, which would answer loopback, never happens."""
    port, hosts = receiver
    resolver = Resolver(monkeypatch, PUBLIC, "127.0.0.1")
    network = Network(port)
    assert post(f"http://{HOST}:{port}/hook", False, network).status_code == 200
    assert network.asked == [PUBLIC]
    assert resolver.lookups == 1
    assert hosts == [f"{HOST}:{port}"]


def test_private_addresses_pass_when_allowed_and_unknown_names_are_unresolvable(
    monkeypatch: pytest.MonkeyPatch, receiver: tuple[int, list[str]]
) -> None:
    port, hosts = receiver
    Resolver(monkeypatch, "127.0.0.1")
    assert post(f"http://{HOST}:{port}/hook", True, Network(port)).status_code == 200
    assert hosts == [f"{HOST}:{port}"]
    with pytest.raises(netguard.Unresolvable, match="does not resolve"):
        post(f"http://no-such-host.invalid:{port}/hook", False, Network(port))


def test_the_guarded_client_follows_no_redirects_and_ignores_proxy_variables(
    monkeypatch: pytest.MonkeyPatch, receiver: tuple[int, list[str]]
) -> None:
    port, _ = receiver
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would be refused if it were used
    client = netguard.guarded_client(True)
    assert client.follow_redirects is False
    response = post(f"http://127.0.0.1:{port}/hook", True, Network(port))
    assert response.status_code == 200
    asyncio.run(client.aclose())
