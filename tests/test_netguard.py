"""The SSRF guard shared by attachment downloads and webhook deliveries (hirebridge.netguard)."""

from __future__ import annotations

import asyncio

import pytest

from hirebridge import netguard

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
        netguard.check_sync(url, allow_private=False)
    with pytest.raises(netguard.AddressRefused, match="private, loopback or reserved"):
        asyncio.run(netguard.check(url, allow_private=False))
    netguard.check_sync(url, allow_private=True)
    asyncio.run(netguard.check(url, allow_private=True))


def test_a_public_address_passes() -> None:
    netguard.check_sync("https://8.8.8.8/hook", allow_private=False)
    asyncio.run(netguard.check("https://1.1.1.1/hook", allow_private=False))


@pytest.mark.parametrize("url", ["ftp://8.8.8.8/x", "file:///etc/passwd", "http:///nohost", "8.8.8.8"])
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(netguard.AddressRefused, match="not an http"):
        netguard.check_sync(url, allow_private=True)
