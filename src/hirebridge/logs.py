"""Logging set-up: readable text by default, one JSON object per line with HIREBRIDGE_LOG_FORMAT=json.

Every process (the CLI, `serve` and its uvicorn workers, `hirebridge worker` with procrastinate)
calls `configure_logging` first; in the JSON format everything it writes to stderr is then a JSON
line: log records of every library, Python warnings, and uncaught exceptions of any thread.
"""

from __future__ import annotations

import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import orjson

# Attributes every LogRecord has; anything else was passed via `extra=` and belongs in the JSON.
# uvicorn's `color_message` repeats `message` with terminal colour codes.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "color_message"}

# Libraries whose INFO lines are noise to an operator: alembic reports its migration context on
# every command ("Context impl SQLiteImpl."). Their warnings and errors still show.
_QUIET = ("alembic",)

log = logging.getLogger("hirebridge")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    log.critical("uncaught %s: %s", kind.__name__, value, exc_info=(kind, value, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    thread = args.thread.name if args.thread is not None else "?"
    log.critical(
        "uncaught %s in thread %s: %s",
        args.exc_type.__name__,
        thread,
        args.exc_value,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )


def configure_logging(fmt: str, level: str) -> None:
    """Log to stderr in `fmt` ("text" or "json") from `level` up. Raises ValueError for an unknown level."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
        # Tracebacks that no handler caught are written by the interpreter itself: as JSON too.
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level.upper())
    root.handlers[:] = [handler]
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(True)  # warnings.warn(...) lines go through the handler (JSON included)
