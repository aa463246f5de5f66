"""Kombo's error envelope: the one place its bytes are built (api/errors.py sends them; actions store
them for idempotent repeats)."""

from __future__ import annotations

import orjson

# Static titles per code, as Kombo sends them (title is a label; message carries the detail).
TITLES: dict[str, str] = {
    "PLATFORM.AUTHENTICATION_INVALID": "The provided API key is invalid.",
    "PLATFORM.INTEGRATION_NOT_FOUND": "The integration could not be found.",
    "PLATFORM.INPUT_INVALID": "The input is invalid.",
    "PLATFORM.UNKNOWN_ERROR": "An unknown error occurred.",
    "PLATFORM.RATE_LIMIT_EXCEEDED": "You have exceeded the rate limit.",
    # One title for "still running" and "failed": the message says which.
    "INTEGRATION.SETUP_SYNC_PENDING": "The integration's first sync has not completed.",
    "INTEGRATION.INACTIVE": "The integration is inactive.",
    "INTEGRATION.ACTION_NOT_AVAILABLE": "The action is not available for this integration.",
    "INTEGRATION.AUTHENTICATION_INVALID": "The integration's credentials are invalid.",
    "INTEGRATION.PERMISSION_MISSING": "The integration's credentials lack a permission.",
    "PLATFORM.TASK_TIMED_OUT": "The task timed out.",
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": "Too many actions are running for this integration.",
    "REMOTE.INPUT_INVALID": "The source system rejected the input.",
    "REMOTE.SERVICE_UNAVAILABLE": "The source system is unavailable.",
    "REMOTE.RATE_LIMIT_EXCEEDED": "The source system's rate limit was exceeded.",
    "REMOTE.UNKNOWN_HTTP_ERROR": "The source system answered with an error.",
    "ATS.APPLICATION_ALREADY_EXISTS": "Candidate has already applied to this job.",
    "ATS.JOB_CLOSED": "The job does not accept applications.",
}


def error_body(status: int, code: str | None, message: str, log_url: str | None = None) -> bytes:
    """The envelope as bytes; `log_url`: the request's page in the dashboard, when it was recorded."""
    body = {
        "status": "error",
        "error": {
            "code": code,
            "title": TITLES.get(code) if code else None,
            "message": message,
            "log_url": log_url,
        },
    }
    return orjson.dumps(body)
