"""Files given to a write action -- base64 `data` or a `data_url` downloaded at once, as Kombo does --
decoded and checked before anything is sent to the source: at most `max_bytes` each, a meaningful
MIME type (not `application/octet-stream`), and a `data_url` only to a public http(s) address unless
the deployment allows private ones (`HIREBRIDGE_ACTION_DOWNLOAD_PRIVATE_URLS`, for tests and demos):
HireBridge must not become a way to read its own network's services (hirebridge.netguard)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from hirebridge import netguard
from hirebridge.actions.bodies import AttachmentIn, FileIn
from hirebridge.model.actions import FileUpload

_CONTENT_TYPE = re.compile(r"^[\w.-]+/[\w.-]+$")
_GENERIC = {"application/octet-stream", "binary/octet-stream", "application/unknown"}
DOWNLOAD_TIMEOUT = 20.0


class FileRefused(ValueError):
    """A file that cannot be used; the message names the field (`attachments.0.data`)."""


@dataclass(frozen=True, slots=True)
class FileRules:
    max_bytes: int
    allow_private_urls: bool


def _content_type(value: str | None, field: str) -> str:
    if value is None:
        raise FileRefused(f"The field '{field}.content_type' is required with 'data'.")
    clean = value.split(";", 1)[0].strip().lower()
    if not _CONTENT_TYPE.match(clean):
        raise FileRefused(f"The field '{field}.content_type' is not a MIME type: {value!r}.")
    if clean in _GENERIC:
        raise FileRefused(
            f"The field '{field}.content_type' must say what the file is (e.g. application/pdf), not {clean}."
        )
    return clean


async def _download(url: str, field: str, rules: FileRules) -> tuple[bytes, str | None]:
    host = urlsplit(url).hostname or ""
    # The guard checks the address each connection is made to; the client follows no redirects (a
    # public URL redirecting to a private one) and uses no proxy.
    async with netguard.guarded_client(rules.allow_private_urls, timeout=DOWNLOAD_TIMEOUT) as client:
        try:
            async with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise FileRefused(f"The field '{field}.data_url' answered HTTP {response.status_code}.")
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > rules.max_bytes:
                    raise FileRefused(f"The file of '{field}.data_url' is larger than {rules.max_bytes} bytes.")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > rules.max_bytes:
                        raise FileRefused(f"The file of '{field}.data_url' is larger than {rules.max_bytes} bytes.")
                return bytes(body), response.headers.get("content-type")
        except netguard.Unresolvable:
            raise FileRefused(f"The field '{field}.data_url' names a host that does not resolve: {host}.") from None
        except netguard.AddressRefused:
            raise FileRefused(f"The field '{field}.data_url' must point at a public address.") from None
        except httpx.HTTPError as exc:
            raise FileRefused(f"The field '{field}.data_url' could not be downloaded: {type(exc).__name__}.") from None


async def load(file: FileIn, field: str, rules: FileRules) -> FileUpload:
    """The file's bytes and type, or FileRefused naming the field at fault."""
    if (file.data is None) == (file.data_url is None):
        raise FileRefused(f"The field '{field}' needs exactly one of 'data' and 'data_url'.")
    if file.data is not None:
        content_type = _content_type(file.content_type, field)
        if len(file.data) > rules.max_bytes * 4 // 3 + 4:
            raise FileRefused(f"The file of '{field}.data' is larger than {rules.max_bytes} bytes.")
        try:
            data = base64.b64decode(file.data, validate=True)
        except (binascii.Error, ValueError):
            raise FileRefused(f"The field '{field}.data' is not valid base64.") from None
    else:
        assert file.data_url is not None
        data, served_type = await _download(file.data_url, field, rules)
        content_type = _content_type(file.content_type or served_type, field)
    if len(data) > rules.max_bytes:
        raise FileRefused(f"The file of '{field}' is larger than {rules.max_bytes} bytes.")
    if not data:
        raise FileRefused(f"The file of '{field}' is empty.")
    kind = file.type if isinstance(file, AttachmentIn) else None
    return FileUpload(name=file.name, content_type=content_type, data=data, type=kind)
