"""The API as an ASGI app factory that needs nothing but the environment, for servers that start their
own processes: `hirebridge serve --workers N` (uvicorn workers), or e.g.
`uvicorn --factory hirebridge.api.asgi:create` / `gunicorn -k uvicorn.workers.UvicornWorker`.

Each process builds its own engine from HIREBRIDGE_DATABASE_URL. Migrations are not applied here:
many processes start at once, so whoever starts them applies them once first (`serve` does).
"""

from __future__ import annotations

from starlette.applications import Starlette

from hirebridge import crypto
from hirebridge.api.app import create_app
from hirebridge.config import get_settings
from hirebridge.logs import configure_logging
from hirebridge.store.db import make_engine


def create() -> Starlette:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    crypto.configure(settings.secret_key)
    # Embedded mode: each API process runs its own worker thread for queued syncs (runs are claimed
    # in the database, so N threads never run the same one); in the distributed mode
    # (HIREBRIDGE_WORKER_MODE) Jobs.for_process runs none: `hirebridge worker` processes do.
    return create_app(make_engine(settings.database_url), run_worker=True)
