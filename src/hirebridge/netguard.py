"""Where HireBridge may send a request a customer chose the address of (a `data_url` to download, a
webhook subscription's URL): only to public addresses unless the deployment allows private ones.
Without this guard anyone who can set such a URL could make HireBridge reach its own network's
services (cloud metadata endpoints, databases, admin pages) -- server-side request forgery.

The check is on the addresses the host resolves to (every one of them must be public), made right
before the request; the caller must not follow redirects, which would leave the checked address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

SCHEMES = ("http", "https")


class AddressRefused(ValueError):
    """A URL HireBridge will not send a request to; the message says why."""


def _all_public(infos: list[Any]) -> bool:
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


async def public(host: str) -> bool:
    """Whether every address `host` resolves to is a public one (OSError: it does not resolve)."""
    loop = asyncio.get_running_loop()
    return _all_public(await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM))


def public_sync(host: str) -> bool:
    """`public` for callers without an event loop (the command line)."""
    return _all_public(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM))


def http_host(url: str) -> str:
    """The host of an http(s) URL; AddressRefused for another scheme or no host."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise AddressRefused(f"{url!r} is not an http(s) URL with a host")
    return parts.hostname


async def check(url: str, allow_private: bool) -> None:
    """AddressRefused unless `url` is http(s) and (unless `allow_private`) its host resolves to public
    addresses only."""
    host = http_host(url)
    if allow_private:
        return
    try:
        if not await public(host):
            raise AddressRefused(f"{host} resolves to a private, loopback or reserved address")
    except OSError:
        raise AddressRefused(f"{host} does not resolve") from None


def check_sync(url: str, allow_private: bool) -> None:
    """`check` for callers without an event loop."""
    host = http_host(url)
    if allow_private:
        return
    try:
        if not public_sync(host):
            raise AddressRefused(f"{host} resolves to a private, loopback or reserved address")
    except OSError:
        raise AddressRefused(f"{host} does not resolve") from None
