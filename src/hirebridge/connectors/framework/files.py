"""File downloads for the sync engine, which asks for files one by one, synchronously.

One event loop and its clients serve every download of a connector instance (a client per file
would build a TLS context per file, which costs more than a small download): `Downloads.run` runs a
coroutine on that loop; `api` authenticates like the streams, `storage` sends no credentials (a
pre-signed URL: a storage service refuses a request that carries a second credential) and follows
redirects (a vendor that answers a file request with a redirect to its storage). Both share the
integration's rate limiter. The loop and clients are closed when the connector is collected
(`HttpConnector.downloads`) or `close()`d.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hirebridge.connectors.framework.auth import NoAuth
from hirebridge.connectors.framework.errors import RequestRejected
from hirebridge.connectors.framework.http import SourceClient
from hirebridge.connectors.framework.runtime import ConnectorRuntime

T = TypeVar("T")


class Downloads:
    def __init__(self, runtime: ConnectorRuntime) -> None:
        self._loop = asyncio.new_event_loop()
        self.api = runtime.client(follow_redirects=True)
        self.storage = runtime.client(auth=NoAuth(), headers=False, follow_redirects=True)

    def run(self, work: Callable[[Downloads], Awaitable[T]]) -> T:
        return self._loop.run_until_complete(work(self))

    def close(self) -> None:
        """Close the clients and the loop. A collected connector's finalizer may run in any thread,
        one running an event loop of its own included: then the closing is done in a thread of its own."""
        if self._loop.is_closed():
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._close()
            return
        closing = threading.Thread(target=self._close, name="downloads-close")
        closing.start()
        closing.join()

    def _close(self) -> None:
        self._loop.run_until_complete(self.api.aclose())
        self._loop.run_until_complete(self.storage.aclose())
        self._loop.close()


async def download(client: SourceClient, url: str, *, key: str) -> tuple[bytes, str]:
    """The bytes and MIME type at `url`; KeyError(key) when the source no longer has the file (404/410)."""
    try:
        response = await client.request("GET", url)
    except RequestRejected as exc:
        if exc.status in (404, 410):
            raise KeyError(key) from None
        raise
    content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
    return response.content, content_type
