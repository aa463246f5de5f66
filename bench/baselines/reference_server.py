"""The reference server: the least a server can do to serve the same pages of stored application data.

Same ASGI server (uvicorn), framework (Starlette), sync endpoint on the thread pool and database
driver as HireBridge; one route, keyset query on `pk`, the stored bytes of each record as served
(`doc`, the served document the sync renders; model/documents.py) pasted into the envelope. No auth,
filters, validation, fallbacks or re-serialization: the API walk divided by this walk is the cost of
everything HireBridge adds to serving the same bytes. Run: `python -m bench.baselines.reference_server URL PORT`.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hirebridge.store.db import make_engine

engine = make_engine(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///hirebridge.db")
SQL = (
    "SELECT pk, doc FROM applications WHERE integration_id = ? AND remote_deleted_at IS NULL AND pk > ? "
    "ORDER BY pk LIMIT ?"
)


def applications(request: Request) -> Response:
    size = int(request.query_params.get("page_size", "100"))
    cursor = int(request.query_params.get("cursor", "0"))
    sql = SQL if engine.dialect.name == "sqlite" else SQL.replace("?", "%s")
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        cur.execute(sql, (request.headers["x-integration-id"], cursor, size + 1))
        rows = cur.fetchall()
    more = len(rows) > size
    rows = rows[:size]
    nxt = f'"{rows[-1][0]}"'.encode() if more else b"null"
    body = b'{"status":"success","data":{"next":' + nxt + b',"results":[' + b",".join(r[1].encode() for r in rows)
    return Response(body + b"]}}", media_type="application/json")


app = Starlette(routes=[Route("/v1/ats/applications", applications), Route("/", lambda _: Response(b"ok"))])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_config=None, access_log=False)
