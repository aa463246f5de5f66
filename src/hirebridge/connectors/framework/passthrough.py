"""Passthrough: one request of the caller's own to an integration's source API (Kombo's
`POST /passthrough/{tool}/{api}`), sent through the integration's runtime -- its credentials, its rate
limiter, its timeout and retries, redaction -- and answered with whatever the source said.

What may go out is checked before anything is sent (`PassthroughRefused`, naming the field at fault):
only the methods Kombo lists; a `path` that stays under the connector's `base_url` (no absolute URL, no
`//host`, no `.`/`..` segment even percent-encoded, no backslash, no control character), and the URL it
makes is checked again, once assembled, to have `base_url`'s origin and path prefix; no header that
would replace the integration's credentials or the request's framing. Nothing of the credentials
comes back: credential and cookie headers are left out of the echoed response headers, and every
form of them is redacted from the header values, the URL and a text body.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import orjson

from hirebridge.connectors.framework.http import CREDENTIAL_HEADERS, SourceClient, redact
from hirebridge.connectors.framework.runtime import ConnectorRuntime

__all__ = ["METHODS", "PassthroughAnswer", "PassthroughRefused", "PassthroughRequest", "send", "target_url"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Headers a caller may not set: the integration's credentials are HireBridge's to add, and the
# request's framing is the HTTP client's.
_REFUSED_HEADERS = CREDENTIAL_HEADERS | {"host", "content-length", "transfer-encoding", "connection", "te", "upgrade"}
# Response headers not echoed: cookies and credentials of the source's session, and the framing of
# the source's body (the body is handed back decoded, in another envelope).
_DROPPED_HEADERS = CREDENTIAL_HEADERS | {
    "set-cookie",
    "set-cookie2",
    "www-authenticate",
    "proxy-authenticate",
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "keep-alive",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PassthroughRefused(ValueError):
    """The request may not be sent as asked; `field` names what is at fault (`path`, `headers.Cookie`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class PassthroughRequest:
    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    # None: no body; a str is sent as is, anything else as JSON.
    data: Any = None
    response_as_base64: bool = False


@dataclass(frozen=True, slots=True)
class PassthroughAnswer:
    url: str
    status: int
    headers: dict[str, str | list[str]]
    data: Any


def target_url(base_url: str, path: str) -> str:
    """The URL `path` names under `base_url` (appended to it, as Kombo does), or PassthroughRefused."""
    if not path.strip():
        raise PassthroughRefused("The field 'path' must not be empty.", field="path")
    if _CONTROL.search(path) or "\\" in path:
        raise PassthroughRefused("The field 'path' must not contain control characters or backslashes.", field="path")
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or path.lstrip().startswith("//"):
        raise PassthroughRefused("The field 'path' must be a path relative to the tool's API, not a URL.", field="path")
    if "#" in path:
        raise PassthroughRefused("The field 'path' must not contain a fragment ('#').", field="path")
    # Decoded twice: `%2e%2e` and `%252e%252e` are `..` to some servers.
    segments = unquote(unquote(parts.path)).replace("\\", "/").split("/")
    if any(segment in (".", "..") for segment in segments):
        raise PassthroughRefused("The field 'path' must not contain '.' or '..' segments.", field="path")
    base = httpx.URL(base_url)
    url = httpx.URL(base_url.rstrip("/") + "/" + path.lstrip("/"))
    # Checked on the URL that goes out, whatever the path looked like.
    prefix = base.path.rstrip("/") + "/"
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port) or not url.path.startswith(prefix):
        raise PassthroughRefused(f"The field 'path' leads outside the tool's API ({base_url}).", field="path")
    return str(url)


def _check(request: PassthroughRequest) -> None:
    if request.method not in METHODS:
        raise PassthroughRefused(f"The field 'method' must be one of {', '.join(METHODS)}.", field="method")
    for name, value in request.headers.items():
        if name.lower() in _REFUSED_HEADERS:
            raise PassthroughRefused(
                f"The header '{name}' may not be set: HireBridge authenticates the request itself.",
                field=f"headers.{name}",
            )
        if _CONTROL.search(name) or _CONTROL.search(value) or not name.strip():
            raise PassthroughRefused(f"The header '{name}' is not a valid HTTP header.", field=f"headers.{name}")


async def send(runtime: ConnectorRuntime, request: PassthroughRequest) -> PassthroughAnswer:
    """Send `request` to the integration's source; the answer whatever its status. Raises
    PassthroughRefused before sending anything the rules above refuse, and a SourceError when no
    answer came (SourceUnavailable; OutcomeUnknown for a write that may have taken effect)."""
    _check(request)
    url = target_url(runtime.base_url, request.path)
    body: dict[str, Any] = {}
    if isinstance(request.data, str):
        body["content"] = request.data.encode()
    elif request.data is not None:
        body["json"] = request.data
    client = runtime.client(max_concurrency=1)
    try:
        # Retries by the method: a GET is repeated on 429/5xx, a POST or PATCH never blindly.
        response = await client.send_raw(
            request.method, url, params=dict(request.params) or None, headers=dict(request.headers), **body
        )
        return _answer(client, response, base64_body=request.response_as_base64)
    finally:
        await client.aclose()


def _answer(client: SourceClient, response: httpx.Response, *, base64_body: bool) -> PassthroughAnswer:
    headers: dict[str, str | list[str]] = {}
    for name, value in response.headers.multi_items():
        if name in _DROPPED_HEADERS:  # httpx lower-cases names
            continue
        clean = client.redact(value)
        known = headers.get(name)
        if known is None:
            headers[name] = clean
        else:
            headers[name] = [*known, clean] if isinstance(known, list) else [known, clean]
    data: Any
    if base64_body:
        data = base64.b64encode(response.content).decode()
    else:
        text = client.redact(response.text)
        try:
            data = orjson.loads(text) if text.strip() else text
        except orjson.JSONDecodeError:
            data = text
        if not isinstance(data, dict | list):  # Kombo: JSON objects and arrays parsed, anything else as text
            data = text
    return PassthroughAnswer(
        url=client.redact(redact(str(response.request.url))), status=response.status_code, headers=headers, data=data
    )
