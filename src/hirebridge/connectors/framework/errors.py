"""What can go wrong with a source, as the sync engine (and any other caller) tells the cases apart.

`SourceError` and its kinds end a sync run with a code an operator can act on (sync/engine.py
`error_code`): rejected credentials (`AUTHENTICATION_FAILED`), a source that cannot be reached or
keeps failing (`SOURCE_UNAVAILABLE`), everything else the source did (`SOURCE_ERROR`). Messages never
carry a credential: the source client redacts what it raises (http.py `Redactor`).
"""

from __future__ import annotations

MAPPING_ERROR = "MAPPING_ERROR"


class SourceError(Exception):
    """The source answered in a way a sync cannot continue from."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class CredentialsInvalid(SourceError):
    """401/403: the stored credentials were rejected; the integration needs new ones."""


class RequestRejected(SourceError):
    """Another 4xx: retrying the same request cannot help."""


class SourceUnavailable(SourceError):
    """Retries exhausted on 429/5xx/timeouts/connection errors."""


class OutcomeUnknown(SourceError):
    """A request that is not safe to repeat (a POST or PATCH without an idempotency key the vendor
    honours) reached the source, and no answer says whether it took effect: a timeout or a dropped
    connection after it was sent, or a 5xx. It is never retried -- a second attempt could do the same
    thing twice -- so whoever sent it must look at the source before trying again."""


class PagingLoop(SourceError):
    """The API handed out the same continuation (token, cursor, next URL) twice: following it would never end."""


class PagingError(SourceError):
    """A page says there is more but not how to get it (`hasNext` without `next`, ...)."""


class RpcError(SourceError):
    """An RPC API's `success: false` answer (often sent with HTTP 200)."""


class MappingError(SourceError):
    """A source answered with a payload its connector cannot map (connectors/framework/payloads.py)."""

    def __init__(
        self, tool: str, endpoint: str, problem: str, *, field: str | None = None, remote_id: str | None = None
    ) -> None:
        what = f"field {field!r} {problem}" if field else problem
        record = f" (record {remote_id})" if remote_id else ""
        super().__init__(f"{tool} {endpoint}: {what}{record}", code=MAPPING_ERROR)
        self.tool = tool
        self.endpoint = endpoint
        self.field = field


class ConfigError(ValueError):
    """The integration's configuration cannot work (a missing credential, a malformed value); `field`
    names the key at fault when there is one, for a form to point at."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
