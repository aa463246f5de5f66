"""What kind of sync a run is: read everything, or only what changed since the last run."""

from __future__ import annotations

from enum import StrEnum


class SyncKind(StrEnum):
    """FULL reads every record of the source and afterwards marks the ones it did not see deleted;
    DELTA asks the source only for what changed (tools that can) and deletes only what the source
    reports deleted."""

    FULL = "FULL"
    DELTA = "DELTA"
