"""Everything connectors share: auth, the HTTP client, rate limits, paginators, payload shapes,
declared streams and their runner, file downloads, config schemas and the connector runtime.

A connector is mostly declarations on `HttpConnector` (docs/connectors/README.md shows one); this
package re-exports what a connector module needs.
"""

from hirebridge.connectors.framework.auth import (
    Auth,
    BasicAuth,
    BasicKeyAuth,
    BearerToken,
    HeaderKey,
    NoAuth,
    OAuth2ClientCredentials,
    shared_client_credentials,
)
from hirebridge.connectors.framework.config import ConfigField, ConfigSchema, api_key, child_refresh, client_tunables
from hirebridge.connectors.framework.connector import HttpConnector
from hirebridge.connectors.framework.errors import (
    ConfigError,
    CredentialsInvalid,
    MappingError,
    OutcomeUnknown,
    PagingLoop,
    RequestRejected,
    RpcError,
    SourceError,
    SourceUnavailable,
)
from hirebridge.connectors.framework.files import Downloads, download
from hirebridge.connectors.framework.paging import (
    CursorInBody,
    LinkHeader,
    NextUrl,
    Offset,
    OffsetToken,
    PageNumber,
    Paginator,
    Request,
    Response,
    RpcCursor,
    rpc_failure,
)
from hirebridge.connectors.framework.runtime import ConnectorRuntime
from hirebridge.connectors.framework.streams import (
    CustomStream,
    DeletionFeed,
    MapContext,
    Parent,
    RestStream,
    StreamRun,
    SyncToken,
    UpdatedSince,
    iso8601,
    operator,
    plain,
)

__all__ = [
    "Auth",
    "BasicAuth",
    "BasicKeyAuth",
    "BearerToken",
    "ConfigError",
    "ConfigField",
    "ConfigSchema",
    "ConnectorRuntime",
    "CredentialsInvalid",
    "CursorInBody",
    "CustomStream",
    "DeletionFeed",
    "Downloads",
    "HeaderKey",
    "HttpConnector",
    "LinkHeader",
    "MapContext",
    "MappingError",
    "NextUrl",
    "NoAuth",
    "OAuth2ClientCredentials",
    "Offset",
    "OffsetToken",
    "OutcomeUnknown",
    "PageNumber",
    "Paginator",
    "PagingLoop",
    "Parent",
    "Request",
    "RequestRejected",
    "Response",
    "RestStream",
    "RpcCursor",
    "RpcError",
    "SourceError",
    "SourceUnavailable",
    "StreamRun",
    "SyncToken",
    "UpdatedSince",
    "api_key",
    "child_refresh",
    "client_tunables",
    "download",
    "iso8601",
    "operator",
    "plain",
    "rpc_failure",
    "shared_client_credentials",
]
