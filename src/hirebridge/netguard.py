"""Where HireBridge may send a request a customer chose the address of (a `data_url` to download, a
webhook subscription's URL): only to public addresses unless the deployment allows private ones.
Without this guard anyone who can set such a URL could make HireBridge reach its own network's
services (cloud metadata endpoints, databases, admin pages) -- server-side request forgery.

The check is on the addresses the host resolves to (every one of them must be public). A check
followed by a connection that resolves the host again can be fooled: a DNS name whose answer changes
between the two lookups (DNS rebinding, a TTL of 0) passes the check with a public address and is
then connected to at a private one. So requests go through `guarded_client()`, whose connections
resolve the host once, check what it resolved to and connect to one of those very addresses (TLS
still verifies the certificate for the host's name). The client follows no redirects and uses no
proxy from the environment: either would reach an address nobody checked. `check()` gives an early
answer when an address is registered.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpcore
import httpx

SCHEMES = ("http", "https")


class AddressRefused(ValueError):
    """A URL HireBridge will not send a request to; the message says why."""


class Unresolvable(AddressRefused):
    """A URL whose host does not resolve (no address to judge)."""


def _refuse_unless_public(host: str, infos: list[Any]) -> None:
    """AddressRefused unless every address `host` resolved to (getaddrinfo's answer) is public."""
    if not infos or not all(ipaddress.ip_address(info[4][0]).is_global for info in infos):
        raise AddressRefused(f"{host} resolves to a private, loopback or reserved address")


def http_host(url: str) -> str:
    """The host of an http(s) URL; AddressRefused for another scheme or no host."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise AddressRefused(f"{url!r} is not an http(s) URL with a host")
    return parts.hostname


def check(url: str, allow_private: bool) -> None:
    """AddressRefused unless `url` is http(s) and (unless `allow_private`) its host resolves to public
    addresses only: the early answer when a URL is registered (`guarded_client` checks each connection)."""
    host = http_host(url)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        raise Unresolvable(f"{host} does not resolve") from None
    _refuse_unless_public(host, infos)


class _GuardedNetwork(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, with the guard between resolving a host and connecting to it."""

    def __init__(self, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None) -> None:
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._allow_private:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError:
            raise Unresolvable(f"{host} does not resolve") from None
        _refuse_unless_public(host, infos)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in dict.fromkeys(str(info[4][0]) for info in infos):  # in the resolver's order, once each
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # no addresses at all were refused above
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("a Unix socket is not an address on the network")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every HTTP client HireBridge makes: building one (loading the CA bundle)
    costs ~100 ms, and a sync makes a client per stream run, a write action one per download."""
    return ssl.create_default_context(cafile=certifi.where())


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, allow_private: bool, limits: httpx.Limits, inner: httpcore.AsyncNetworkBackend | None) -> None:
        super().__init__(verify=tls_context(), limits=limits, trust_env=False)
        # httpx builds its connection pool on httpcore's default network backend and takes no other;
        # the same pool on the guarded one (the rest of the transport is httpx's own).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedNetwork(allow_private, inner),
        )


def guarded_client(
    allow_private: bool,
    *,
    limits: httpx.Limits = httpx.Limits(),
    network: httpcore.AsyncNetworkBackend | None = None,
    **options: Any,
) -> httpx.AsyncClient:
    """An HTTP client for URLs a customer chose: every connection is checked (unless `allow_private`)
    on the addresses it is made to, and refused with AddressRefused, raised by the request. No
    redirects, no proxy. `options` go to httpx.AsyncClient (timeout, headers); `network` is the
    backend that makes the checked connections (httpcore's by default; tests pass one that records)."""
    transport = _GuardedTransport(allow_private, limits, network)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False, **options)
