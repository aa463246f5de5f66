"""How HireBridge runs uvicorn: every place that starts the API -- `hirebridge serve` (one process or
`--workers N`), `hirebridge demo`, the tests' `server` fixture -- takes its uvicorn options from
`options()` here, so the tests exercise what production runs.
"""

from __future__ import annotations

from typing import Any

import uvicorn


def options() -> dict[str, Any]:
    """uvicorn's options for the API, wherever it is started."""
    return {"log_config": None, "access_log": False}


def config(app: Any, **overrides: Any) -> uvicorn.Config:
    """A uvicorn.Config for `app` (an ASGI app, or an import string with `factory=True`)."""
    return uvicorn.Config(app, **{**options(), **overrides})


def run(app: Any, **overrides: Any) -> None:
    """uvicorn.run with HireBridge's options: one process, or `workers=N` processes."""
    uvicorn.run(app, **{**options(), **overrides})
